from __future__ import annotations

from django.urls import path
from django.views.generic import RedirectView
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularSwaggerSplitView,
)

from api import bank_statements, levy_schemes, views

app_name = "api"

urlpatterns = [
    # Schema and docs need an API key or a login (SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]).
    # The docs page's start-up script is served as a file by the same view (?script), so the
    # page runs under script-src 'self' without an inline script (docs/security.md).
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # Redoc is not served: it needs a worker from a blob: URL, an image from its makers' host
    # and styles written before it can take a nonce, none of which the policy allows; the one
    # documentation page is Swagger UI (docs/security.md).
    path("redoc/", RedirectView.as_view(pattern_name="api:docs"), name="redoc"),
    path("levy-schemes/", levy_schemes.LevySchemeListView.as_view(), name="levy-scheme-list"),
    path(
        "levy-schemes/<slug:code>/",
        levy_schemes.LevySchemeDetailView.as_view(),
        name="levy-scheme-detail",
    ),
    path("rosters/", views.RosterListCreateView.as_view(), name="roster-list"),
    path("rosters/<int:pk>/", views.RosterDetailView.as_view(), name="roster-detail"),
    path(
        "rosters/<int:pk>/errors.csv",
        views.RosterErrorsCsvView.as_view(),
        name="roster-errors-csv",
    ),
    path("invoices/", views.InvoiceListView.as_view(), name="invoice-list"),
    path("invoices/<int:pk>/", views.InvoiceDetailView.as_view(), name="invoice-detail"),
    path("invoices/<int:pk>/pdf", views.InvoicePdfView.as_view(), name="invoice-pdf"),
    path(
        "bank-statements/",
        bank_statements.BankStatementUploadView.as_view(),
        name="bank-statement-import",
    ),
]
