"""The Content-Security-Policy is on every page, and no page needs 'unsafe-inline'.

Every named URL of the project is requested, found by walking the URL resolver, so a new page
is covered the day it is added: staff pages, the portal, the public rights, the API and its
schema and docs, every admin page of every registered model, downloads, redirects, 404s. Pages
with an id in their URL are requested once with an object that exists where that is cheap, and
otherwise with an id that does not (the 404 carries the policy too). The HTML a page returns has
no inline script, style or event handler (tests/test_security_browser.py checks the same in a
real browser).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from employers.services import api_key_create
from portal.session import SESSION_KEY
from tests.employers.factories import OrganisationFactory, UnionAdminFactory, UserFactory
from tests.enrolment.factories import MembershipFactory, RosterUploadFactory
from tests.levies.desk_helpers import issued

pytestmark = pytest.mark.django_db

# Arguments for URLs with parameters, when the test has no object of its own to name.
DUMMY_KWARGS = {
    "pk": 999999,
    "id": 999999,
    "object_id": 999999,
    "content_type_id": 999999,
    "notice_id": 999999,
    "visit_id": 999999,
    "organisation_id": 999999,
    "token": "not-a-token",
    "code": "meat",
    "language": "pl",
    "app_label": "employers",
    "kind": "pdf",
}
# URLs that are not requested with GET, with the reason. Nothing else may be left out.
EXCUSED = {
    "admin:logout": "POST only; a GET would log the test's admin out halfway",
    "logout": "POST only; a GET would log the test's user out halfway",
    "portal:sign_out": "POST only; a GET would sign the test's member out halfway",
}
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "script"),
    (re.compile(r"<style\b", re.I), "style element"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I), "event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def _named_urls(resolver=None, namespaces=()):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _named_urls(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield ":".join((*namespaces, entry.name)), entry


def _url(name: str, pattern: URLPattern, objects: dict) -> str:
    params = list(pattern.pattern.regex.groupindex)
    if name in objects:
        return objects[name]
    return reverse(name, kwargs={p: DUMMY_KWARGS[p] for p in params})


def _client_for(name: str, clients: dict) -> Client:
    if name.startswith("portal:"):
        return clients["member"]
    if name.startswith("public:") or name == "login" or name == "admin:login":
        return clients["anonymous"]
    if name.startswith("api:") and name not in ("api:docs", "api:redoc"):
        return clients["key"]
    return clients["admin"]


@pytest.fixture
def world():
    admin = UnionAdminFactory(username="ursula")
    agency = OrganisationFactory()
    UserFactory(username="anna", organisation=agency)
    upload = RosterUploadFactory(organisation=agency)
    invoice = issued("25.90", agency)
    membership = MembershipFactory(window_ends=dt.date(2099, 1, 1))
    _, raw_key = api_key_create(organisation=agency, name="Payroll export")

    clients = {"anonymous": Client(), "admin": Client(), "key": Client(), "member": Client()}
    clients["admin"].force_login(admin)
    clients["key"].defaults["HTTP_AUTHORIZATION"] = f"Api-Key {raw_key}"
    session = SessionStore()
    session[SESSION_KEY] = membership.pk
    session.create()
    clients["member"].cookies["sessionid"] = session.session_key

    # Real objects behind some of the pages: the roster and invoice pages and their downloads.
    objects = {
        "enrolment:roster_detail": reverse("enrolment:roster_detail", args=[upload.pk]),
        "enrolment:roster_status": reverse("enrolment:roster_status", args=[upload.pk]),
        "levies:invoice_detail": reverse("levies:invoice_detail", args=[invoice.pk]),
        "levies:invoice_pdf": reverse("levies:invoice_pdf", args=[invoice.pk]),
        "api:roster-detail": reverse("api:roster-detail", args=[upload.pk]),
        "api:invoice-detail": reverse("api:invoice-detail", args=[invoice.pk]),
        "api:invoice-pdf": reverse("api:invoice-pdf", args=[invoice.pk]),
        "admin:employers_organisation_change": reverse(
            "admin:employers_organisation_change", args=[agency.pk]
        ),
        "admin:enrolment_rosterupload_change": reverse(
            "admin:enrolment_rosterupload_change", args=[upload.pk]
        ),
        "admin:levies_invoice_change": reverse("admin:levies_invoice_change", args=[invoice.pk]),
    }
    return {"clients": clients, "objects": objects}


def _policy(response) -> str:
    return response.headers.get("Content-Security-Policy", "")


def test_every_named_url_answers_with_the_policy_and_no_inline_code(world):
    missing, loose, inline, seen = [], [], [], set()

    for name, pattern in _named_urls():
        seen.add(name)
        if name in EXCUSED:
            continue
        url = _url(name, pattern, world["objects"])
        response = _client_for(name, world["clients"]).get(url)
        policy = _policy(response)
        if not policy:
            missing.append((name, url, response.status_code))
            continue
        if "unsafe-inline" in policy or "unsafe-eval" in policy:
            loose.append((name, policy))
        content_type = response.headers.get("Content-Type", "")
        if content_type.startswith("text/html") and not getattr(response, "streaming", False):
            html = response.content.decode()
            inline += [(name, what) for regex, what in INLINE if regex.search(html)]

    assert missing == []
    assert loose == []
    assert inline == []
    # Every excuse names a URL that still exists.
    assert set(EXCUSED) <= seen
    # The walk reached every kind of page, not a handful.
    for kind in ("admin:index", "api:schema", "api:docs", "portal:membership", "public:rights"):
        assert kind in seen
    assert len(seen) > 200


def test_the_policy_is_strict_and_the_same_on_pages_of_every_kind(world):
    clients = world["clients"]
    responses = {
        "public rights": clients["anonymous"].get("/rights/pl/"),
        "portal sign-in": clients["anonymous"].get("/my/sign-in/"),
        "portal, signed in": clients["member"].get("/my/"),
        "staff login": clients["anonymous"].get("/accounts/login/"),
        "admin login": clients["anonymous"].get("/admin/login/"),
        "staff page": clients["admin"].get("/rosters/"),
        "admin change form": clients["admin"].get(
            world["objects"]["admin:employers_organisation_change"]
        ),
        "API JSON": clients["key"].get("/api/v1/rosters/"),
        "API schema": clients["admin"].get("/api/v1/schema/"),
        "API docs": clients["admin"].get("/api/v1/docs/"),
        "invoice PDF": clients["admin"].get(world["objects"]["levies:invoice_pdf"]),
        "404": clients["admin"].get("/no-such-page/"),
    }

    for kind, response in responses.items():
        assert response.status_code in (200, 404), kind
        directives = dict(
            [*part.split(" ", 1), ""][:2] for part in _policy(response).split("; ") if part
        )
        assert directives["default-src"] == "'self'", kind
        assert directives["script-src"] == "'self'", kind
        assert directives["style-src"] == "'self'", kind
        assert directives["img-src"] == "'self' data:", kind
        assert directives["frame-ancestors"] == "'none'", kind
        assert directives["form-action"] == "'self'", kind
        assert directives["base-uri"] == "'none'", kind
        assert directives["object-src"] == "'none'", kind
        assert "stripe" not in _policy(response), kind
    assert responses["404"].status_code == 404


def test_only_the_stripe_pages_allow_stripe(world, settings):
    settings.STRIPE_SECRET_KEY = ""
    anna = Client()
    anna.force_login(UserFactory(organisation=OrganisationFactory()))

    mandate = anna.get("/invoices/direct-debit/")
    invoices = anna.get("/invoices/")

    policy = _policy(mandate)
    assert mandate.status_code == 200
    assert "script-src 'self' https://js.stripe.com https://*.js.stripe.com" in policy
    assert "frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com" in (
        policy
    )
    assert "connect-src 'self' https://api.stripe.com" in policy
    assert "unsafe-inline" not in policy
    assert "stripe" not in _policy(invoices)


def test_the_admin_change_list_without_actions_has_no_inline_style(world):
    # Django's own change list template writes a <style> for lists without actions; the
    # project's templates/admin/change_list.html puts that rule in a static file instead.
    from axes.models import AccessAttempt
    from django.contrib import admin

    model_admin = admin.site._registry[AccessAttempt]
    model_admin.actions_on_top = model_admin.actions_on_bottom = False
    try:
        response = world["clients"]["admin"].get("/admin/axes/accessattempt/")
    finally:
        del model_admin.actions_on_top, model_admin.actions_on_bottom

    html = response.content.decode()
    assert response.status_code == 200
    assert "<style" not in html
    assert "unionroll/admin_changelist_no_actions.css" in html


def test_api_schema_and_docs_need_a_key_or_a_login(world):
    anonymous = world["clients"]["anonymous"]
    key = world["clients"]["key"]
    admin = world["clients"]["admin"]
    agency = Client()
    agency.force_login(UserFactory(organisation=OrganisationFactory()))

    refused = {
        "schema": anonymous.get("/api/v1/schema/"),
        "docs": anonymous.get("/api/v1/docs/"),
        "docs script": anonymous.get("/api/v1/docs/?script="),
    }
    by_key = key.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    by_admin = admin.get("/api/v1/docs/")
    script = admin.get("/api/v1/docs/?script=")
    by_agency_login = agency.get("/api/v1/schema/")

    for what, response in refused.items():
        assert response.status_code == 401, what
        assert b"/api/v1/rosters/" not in response.content, what
    assert by_key.status_code == 200
    assert "/api/v1/rosters/" in by_key.json()["paths"]
    assert by_admin.status_code == 200
    assert b"/api/v1/docs/?script=" in by_admin.content
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    assert by_agency_login.status_code == 200
    # Redoc is not served; its address leads to the Swagger UI page.
    assert admin.get("/api/v1/redoc/")["Location"] == "/api/v1/docs/"
