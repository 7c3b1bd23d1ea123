"""Payments: money booked against invoices and claims, write-offs and Stripe payments
(``services``), SEPA Direct Debit mandates and collection (``direct_debit``), Stripe's webhook
events (``stripe_webhooks``), the only code that talks to Stripe (``stripe_gateway``), and the
reads of what is paid (``selectors``) and of the reconciliation desk (``reconciliation``).
See docs/payments.md and docs/stripe.md."""
