"""Writes of the employers app: sectors, organisations, sites, users and API keys.

Commands, admin actions and the API call these; nothing else writes these tables.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from employers.models import ApiKey, Organisation, Sector, Site, User
from unionroll.exceptions import Conflict, Invalid, NotFound, Unavailable

logger = logging.getLogger(__name__)

KVK_RE = re.compile(r"^\d{8}$")
API_KEY_PREFIX_LENGTH = 8
# The fixed start lets secret scanners (and people) recognise a leaked key as ours.
API_KEY_MARKER = "ur_"


def hash_api_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def sector_add(*, code: str, name: str, collective_agreement: str = "") -> Sector:
    """Create a sector, and only the sector: its enrolment policy is enrolment's, which adds
    both in one transaction (``enrolment.services.sector_add``, what the ``sector_add`` command
    and the demo use). Called inside that transaction, a refusal here leaves nothing behind."""
    code = code.strip()
    if not code or not re.fullmatch(r"[-a-zA-Z0-9_]+", code):
        raise Invalid(
            "invalid_sector_code",
            "A sector code uses only letters, digits, hyphens and underscores.",
            {"code": code},
        )
    if not name.strip():
        raise Invalid("invalid_name", "A sector needs a name.")
    if Sector.objects.filter(code=code).exists():
        raise Conflict(
            "sector_exists", f"A sector with code {code} already exists.", {"code": code}
        )
    try:
        with transaction.atomic():
            sector = Sector.objects.create(
                code=code, name=name.strip(), collective_agreement=collective_agreement.strip()
            )
    except IntegrityError as exc:
        # Another process created the same code between our check and our insert.
        raise Conflict(
            "sector_exists", f"A sector with code {code} already exists.", {"code": code}
        ) from exc
    logger.info("sector %s added", code)
    return sector


def _sectors_by_code(codes: Iterable[str]) -> list[Sector]:
    wanted = list(dict.fromkeys(c.strip() for c in codes))
    found = {s.code: s for s in Sector.objects.filter(code__in=wanted)}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise NotFound(
            "unknown_sector",
            f"No sector with code {', '.join(missing)}.",
            {"sectors": missing},
        )
    return [found[c] for c in wanted]


def organisation_add(
    *,
    kvk: str,
    name: str,
    kind: str,
    sector_codes: Iterable[str],
    address: str = "",
    billing_email: str = "",
    contact_email: str = "",
) -> Organisation:
    """Register an agency (employer) or a hirer with the sectors it works in. ``billing_email``
    is where payment reminders for its invoices go; ``contact_email`` is told ahead of union
    workplace visits (the billing address if empty)."""
    kvk = kvk.strip()
    if not KVK_RE.fullmatch(kvk):
        raise Invalid("invalid_kvk", "A KvK number has exactly 8 digits.", {"kvk": kvk[:20]})
    if kind not in Organisation.Kind.values:
        raise Invalid(
            "invalid_kind",
            f"The kind of organisation must be one of: {', '.join(Organisation.Kind.values)}.",
            {"kind": kind},
        )
    if not name.strip():
        raise Invalid("invalid_name", "An organisation needs a name.")
    billing_email = billing_email.strip()
    if billing_email:
        try:
            validate_email(billing_email)
        except ValidationError:
            raise Invalid(
                "invalid_billing_email", "The billing e-mail address is not valid."
            ) from None
    contact_email = contact_email.strip()
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError:
            raise Invalid(
                "invalid_contact_email", "The contact e-mail address is not valid."
            ) from None
    sectors = _sectors_by_code(sector_codes)
    exists_error = Conflict(
        "organisation_exists",
        f"An organisation with KvK number {kvk} already exists.",
        {"kvk": kvk},
    )
    if Organisation.objects.filter(kvk=kvk).exists():
        raise exists_error
    try:
        with transaction.atomic():
            organisation = Organisation.objects.create(
                kvk=kvk,
                name=name.strip(),
                kind=kind,
                address=address.strip(),
                billing_email=billing_email,
                contact_email=contact_email,
            )
            organisation.sectors.set(sectors)
    except IntegrityError as exc:
        raise exists_error from exc
    logger.info("organisation %s (%s) added", kvk, kind)
    return organisation


def site_add(*, hirer_kvk: str, code: str, name: str, sector_code: str, address: str = "") -> Site:
    """Register a hirer's workplace. The code is the hirer's own and unique per hirer."""
    hirer_kvk = hirer_kvk.strip()
    code = code.strip()
    hirer = Organisation.objects.filter(kvk=hirer_kvk).first()
    if hirer is None:
        raise NotFound(
            "unknown_hirer", f"No organisation with KvK number {hirer_kvk}.", {"kvk": hirer_kvk}
        )
    if hirer.kind != Organisation.Kind.HIRER:
        raise Invalid(
            "not_a_hirer",
            f"{hirer.name} is not registered as a hirer; only hirers have sites.",
            {"kvk": hirer_kvk},
        )
    if not code:
        raise Invalid("invalid_site_code", "A site needs a code.")
    if not name.strip():
        raise Invalid("invalid_name", "A site needs a name.")
    (sector,) = _sectors_by_code([sector_code])
    exists_error = Conflict(
        "site_exists",
        f"{hirer.name} already has a site with code {code}.",
        {"kvk": hirer_kvk, "code": code},
    )
    if Site.objects.filter(hirer=hirer, code=code).exists():
        raise exists_error
    try:
        with transaction.atomic():
            site = Site.objects.create(
                hirer=hirer, code=code, name=name.strip(), sector=sector, address=address.strip()
            )
    except IntegrityError as exc:
        raise exists_error from exc
    logger.info("site %s of hirer %s added", code, hirer_kvk)
    return site


def user_add(
    *,
    username: str,
    email: str,
    password: str,
    organisation: Organisation | None = None,
    union_admin: bool = False,
) -> User:
    """Create a login: staff of one organisation, or (``union_admin``) union staff.

    Union admins are Django superusers without an organisation; organisation staff are not
    Django staff, so the admin site stays closed to them.
    """
    if (organisation is None) == (not union_admin):
        raise Invalid(
            "invalid_user_role",
            "A user belongs to exactly one organisation, or is a union admin without one.",
        )
    username = username.strip()
    if not username:
        raise Invalid("invalid_username", "A user needs a username.")
    if User.objects.filter(username=username).exists():
        raise Conflict(
            "user_exists", f"A user named {username} already exists.", {"username": username}
        )
    user = User(
        username=username,
        email=email.strip(),
        organisation=organisation,
        is_staff=union_admin,
        is_superuser=union_admin,
    )
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise Invalid("weak_password", " ".join(exc.messages), {"problems": exc.messages}) from exc
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise Conflict(
            "user_exists", f"A user named {username} already exists.", {"username": username}
        ) from exc
    logger.info("user %s added (union admin: %s)", user.pk, union_admin)
    return user


def api_key_create(
    *, organisation: Organisation, name: str, created_by: User | None = None
) -> tuple[ApiKey, str]:
    """Create a key and return it with the plain key, which is never available again."""
    if not name.strip():
        raise Invalid("invalid_name", "An API key needs a name.")
    # A 32-bit prefix collides rarely; a handful of retries makes a failure practically
    # impossible while the unique constraint keeps it correct.
    for _attempt in range(5):
        prefix = secrets.token_hex(API_KEY_PREFIX_LENGTH // 2)
        raw_key = f"{API_KEY_MARKER}{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                api_key = ApiKey.objects.create(
                    organisation=organisation,
                    name=name.strip(),
                    prefix=prefix,
                    key_hash=hash_api_key(raw_key),
                    created_by=created_by,
                )
        except IntegrityError:
            continue
        logger.info("api key %s created for organisation %s", prefix, organisation.kvk)
        return api_key, raw_key
    raise Unavailable("api_key_failed", "Could not create a unique API key; try again.")


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revoke a key from now on. Revoking a revoked key keeps its first revocation time."""
    with transaction.atomic():
        ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    api_key.refresh_from_db(fields=["revoked_at"])
    logger.info("api key %s revoked", api_key.prefix)
    return api_key
