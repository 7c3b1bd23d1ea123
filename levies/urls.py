from __future__ import annotations

from django.urls import path

from levies.views import desk, direct_debit, invoices, webhooks

app_name = "levies"

urlpatterns = [
    path("invoices/", invoices.invoice_list, name="invoice_list"),
    path("invoices/statement.pdf", invoices.payer_statement_pdf, name="payer_statement_pdf"),
    path("invoices/direct-debit/", direct_debit.direct_debit, name="direct_debit"),
    path("invoices/<int:pk>/", invoices.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/pdf", invoices.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/pay", invoices.invoice_pay, name="invoice_pay"),
    path("state-claims/<int:pk>/pdf", invoices.state_claim_pdf, name="state_claim_pdf"),
    path("state-claims/<int:pk>/csv", invoices.state_claim_csv, name="state_claim_csv"),
    path("desk/", desk.desk, name="desk"),
    path("desk/export.csv", desk.desk_export, name="desk_export"),
    path("desk/entries/<int:pk>/", desk.desk_entry, name="desk_entry"),
    path(
        "desk/payers/<int:organisation_id>/statement.pdf",
        desk.desk_statement_pdf,
        name="desk_statement_pdf",
    ),
    path("stripe/webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
]
