"""The payer's SEPA Direct Debit mandate page (docs/payments.md, "SEPA Direct Debit mandate").

Only the payer's own users give a mandate; union staff can look, and see the list of payers
that hold one. The mandate becomes active when Stripe's webhook reports it, not when the browser
says so.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from employers.access import organisation_staff_required
from employers.models import Organisation
from levies.payments.direct_debit import sepa_mandate_start
from levies.payments.selectors import sepa_mandate_of, sepa_mandates_active
from levies.payments.stripe_gateway import stripe_enabled
from levies.views.stripe_page import stripe_js_page
from unionroll.exceptions import ApplicationError


def _mandate_organisation(request: HttpRequest) -> Organisation | None:
    """Whose mandate the page is about: the user's own organisation; for union staff the payer
    named by ``?organisation=`` (None: the list of mandates). Naming another organisation
    as a payer's user is a 404, so its existence is not revealed."""
    wanted = request.GET.get("organisation")
    if request.user.is_union_admin:
        if not wanted:
            return None
        if not wanted.isdigit():
            raise Http404
        return get_object_or_404(Organisation, pk=int(wanted))
    if wanted and wanted != str(request.user.organisation_id):
        raise Http404
    return request.user.organisation


@stripe_js_page
@organisation_staff_required
@require_http_methods(["GET", "POST"])
def direct_debit(request: HttpRequest) -> HttpResponse:
    """The payer's SEPA Direct Debit mandate: whether one is active and, with Stripe on, a
    button that starts one (a SetupIntent, completed in Stripe's element on this page). The
    mandate becomes active when Stripe's webhook reports it, not when the browser says so.
    Only the payer's own users give a mandate; union staff can look."""
    organisation = _mandate_organisation(request)
    context = {
        "organisation": organisation,
        "stripe_enabled": stripe_enabled(),
        "own": organisation is not None and organisation.pk == request.user.organisation_id,
    }
    if organisation is None:
        return render(
            request,
            "levies/direct_debit.html",
            {**context, "mandates": list(sepa_mandates_active())},
        )
    context["mandate"] = sepa_mandate_of(organisation=organisation)
    context["returned"] = request.GET.get("redirect_status") == "succeeded"
    if request.method == "POST":
        if not context["own"]:
            raise PermissionDenied
        if not context["stripe_enabled"]:
            return redirect("levies:direct_debit")
        try:
            context["setup"] = sepa_mandate_start(organisation=organisation)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("levies:direct_debit")
        context["publishable_key"] = settings.STRIPE_PUBLISHABLE_KEY
    return render(request, "levies/direct_debit.html", context)
