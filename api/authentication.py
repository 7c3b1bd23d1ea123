"""API-key authentication: ``Authorization: Api-Key ur_<prefix>_<secret>``.

A key belongs to an organisation, not to a person, so a request made with one is represented by
an ``ApiPrincipal`` rather than a ``User``. The principal carries the attributes that the
visibility rules read (``is_authenticated``, ``is_union_admin``, ``organisation_id``), so
``roster_uploads_visible_to(user=principal)`` scopes it to its organisation like an agency user.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from employers.models import ApiKey, Organisation
from employers.selectors import api_key_authenticate

KEYWORD = "Api-Key"


@dataclass(frozen=True, eq=False)
class ApiPrincipal:
    """Who is calling when an organisation's API key is used."""

    api_key: ApiKey
    organisation: Organisation = field(init=False)

    # A key is never a union admin: union staff use their own login.
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    is_union_admin = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "organisation", self.api_key.organisation)

    @property
    def organisation_id(self) -> int:
        return self.api_key.organisation_id

    @property
    def pk(self) -> None:
        # Not a user row; code that records "uploaded by" must look at the key instead.
        return None

    def __str__(self) -> str:
        return f"API key {self.api_key.prefix}"


class ApiKeyAuthentication(BaseAuthentication):
    """Authenticates ``Authorization: Api-Key <key>``; any other header is left to the next class.

    A request that names a key which is unknown, malformed or revoked is refused with 401, never
    passed on as anonymous: a client with a broken key must find out.
    """

    def authenticate(self, request: Request) -> tuple[ApiPrincipal, ApiKey] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the header as: Authorization: Api-Key <your key>.")
            )
        try:
            raw_key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This API key is not valid.")) from None
        api_key = api_key_authenticate(raw_key)
        if api_key is None:
            # One message for unknown and revoked keys: don't tell a guesser which prefixes exist.
            raise exceptions.AuthenticationFailed(_("This API key is not valid or was revoked."))
        return ApiPrincipal(api_key=api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (with WWW-Authenticate), not 403, when no credentials were sent.
        return KEYWORD


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "An organisation's API key, sent as `Authorization: Api-Key ur_xxxxxxxx_...`. "
                "Keys are created and revoked by the organisation's users or union staff."
            ),
        }
