"""Who may use the organisation-scoped endpoints.

Which rows a caller sees is decided by the selectors (``roster_uploads_visible_to``); these
classes only keep out callers who have no organisation to act for at all.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from employers.access import acts_for_an_organisation


class IsOrganisationMemberOrUnionAdmin(BasePermission):
    message = _("Only an organisation's users and API keys, or union staff, may do this.")
    code = "permission_denied"

    def has_permission(self, request: Request, view: object) -> bool:
        return acts_for_an_organisation(request.user)


class IsUnionAdmin(BasePermission):
    """Union staff only (a logged-in union admin); never an organisation's user or API key."""

    message = _("Only union staff may do this.")
    code = "permission_denied"

    def has_permission(self, request: Request, view: object) -> bool:
        user = request.user
        return bool(
            user is not None
            and getattr(user, "is_authenticated", False)
            and getattr(user, "is_union_admin", False)
        )
