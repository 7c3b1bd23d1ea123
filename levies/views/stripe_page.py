"""The Content-Security-Policy of the two pages that run Stripe.js (paying an invoice, the SEPA
mandate): Stripe's script, its payment element's frames and its API, on those pages only. Every
other page allows no host but this site (docs/security.md)."""

from __future__ import annotations

from csp.decorators import csp_update

STRIPE_JS_CSP = {
    "script-src": ["https://js.stripe.com", "https://*.js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}

stripe_js_page = csp_update(STRIPE_JS_CSP)
