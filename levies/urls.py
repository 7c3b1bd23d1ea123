from __future__ import annotations

from django.urls import path

from . import views, webhooks

app_name = "levies"

urlpatterns = [
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/pdf", views.invoice_pdf, name="invoice_pdf"),
    path("state-claims/<int:pk>/pdf", views.state_claim_pdf, name="state_claim_pdf"),
    path("state-claims/<int:pk>/csv", views.state_claim_csv, name="state_claim_csv"),
    path("stripe/webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
]
