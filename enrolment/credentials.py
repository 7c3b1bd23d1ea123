"""Passwordless sign-in to the member portal: links by SMS or e-mail, and the printed code.

A sign-in link carries a random 256-bit token; only its SHA-256 is stored. It works once, for
UNIONROLL_SIGNIN_LINK_MINUTES, for one membership. The token is in the link's fragment
(``/my/link/ro/#<token>``): browsers never send what follows "#", so the token reaches no web
server, proxy or access log; the link page posts it. The welcome letter carries a personal
access code instead (members without phone or e-mail); with the date of birth it signs in too.

Requests are limited per contact (phone number, e-mail address, code) and per client address in
Django's default cache, which is shared by all server processes (Redis in production and CI;
files on one machine). Cache keys carry a keyed hash of the contact, never the contact itself.

Nothing here tells whether a phone number or address is known: a request for an unknown contact
takes the same path and gets the same answer as one for a known contact, in the same time. The
request only counts the limits and stores what was typed (``SignInRequest``); a task looks it up
afterwards, issues the link and has it sent (``signin_request_process``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import logging
import secrets
import time
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from enrolment.events import SignInLinkRequested
from enrolment.models import AccessCode, Membership, SignInLink, SignInRequest
from enrolment.roster.fields import normalise_email
from enrolment.roster.phones import normalise_phone
from unionroll import events
from unionroll.exceptions import Invalid, Unavailable
from unionroll.i18n import notice_language

logger = logging.getLogger(__name__)

CHANNEL_SMS = "sms"
CHANNEL_EMAIL = "email"
CHANNEL_LETTER = "letter"
CHANNELS = (CHANNEL_SMS, CHANNEL_EMAIL)
# A welcome link also goes in the letter, as a QR code.
WELCOME_CHANNELS = (CHANNEL_SMS, CHANNEL_EMAIL, CHANNEL_LETTER)

# The portal pages a sign-in may lead on to (a member who opened /my/leave/ signed out, or a
# link to the rights page, lands there once signed in). Keys of pages, never addresses: what a
# form or a link carries is checked against this list, so it cannot send anyone elsewhere.
DESTINATIONS = ("membership", "leave", "rejoin", "details", "rights", "visits")

# No 0/O, 1/I: a code read off paper and typed on a phone must not be ambiguous. 32 symbols,
# 8 of them: 40 bits, far beyond what the rate limits let anyone try.
ACCESS_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
ACCESS_CODE_LENGTH = 8

_HMAC_SALT_CODE = "unionroll.portal.access_code"
_HMAC_SALT_LIMIT = "unionroll.portal.signin_limit"


# --- Contacts and codes as the member types them ----------------------------------------------


@dataclass(frozen=True)
class Contact:
    channel: str  # CHANNEL_SMS or CHANNEL_EMAIL
    value: str  # E.164 phone number or lower-case e-mail address


def contact_parse(text: str) -> Contact | None:
    """What the member typed as a phone number ("06 12345678", "+48 600 100 200"; without a
    country code it is Dutch) or an e-mail address; None if it is neither."""
    text = (text or "").strip()
    if not text:
        return None
    if "@" in text:
        email = normalise_email(text)
        return Contact(CHANNEL_EMAIL, email) if email else None
    phone = normalise_phone(text)
    return Contact(CHANNEL_SMS, phone) if phone else None


def access_code_normalise(text: str) -> str | None:
    """ "k7qx-m4pa", "K7QX M4PA" -> "K7QXM4PA"; None if it cannot be a code."""
    compact = "".join((text or "").split()).replace("-", "").upper()
    if len(compact) != ACCESS_CODE_LENGTH or any(c not in ACCESS_CODE_ALPHABET for c in compact):
        return None
    return compact


def access_code_display(code: str) -> str:
    """As printed: two groups of four, "K7QX-M4PA"."""
    half = ACCESS_CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def _access_code_hash(code: str) -> str:
    # Keyed: the table alone (a backup, a leaked dump) does not let anyone try 2^40 codes.
    return salted_hmac(_HMAC_SALT_CODE, code, algorithm="sha256").hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- Selectors --------------------------------------------------------------------------------


def signin_membership_for_contact(
    *, contact: Contact, date_of_birth: dt.date | None = None
) -> Membership | None:
    """The membership a sign-in link for this contact is for: the most recently enrolled,
    non-merged membership of the one non-merged person with this phone number or e-mail
    address (and, when given, this date of birth).

    A phone or address that several persons with a membership share (a family phone) names
    none of them on its own: only the date of birth tells who is asking, and without it, or
    when it does not single one of them out (twins), there is no link. Handing one person's
    membership to another is worse than sending none.
    """
    field = "person__phone" if contact.channel == CHANNEL_SMS else "person__email"
    live = Membership.objects.filter(
        **{field: contact.value}, person__merged_into__isnull=True
    ).exclude(status=Membership.Status.MERGED)
    if date_of_birth is not None:
        live = live.filter(person__date_of_birth=date_of_birth)
    persons = list(live.order_by().values_list("person_id", flat=True).distinct()[:2])
    if len(persons) != 1:
        return None
    return live.filter(person_id=persons[0]).order_by("-enrolled_on", "-id").first()


def destination_clean(value: object) -> str:
    """A page key from DESTINATIONS, or "" for anything else (the member's own page)."""
    return value if isinstance(value, str) and value in DESTINATIONS else ""


def _links(*, token: str, in_path: bool) -> QuerySet[SignInLink]:
    """The link of ``token``; ``in_path``: as the old address form with the token in the path,
    which only links issued in that form are still accepted by."""
    links = SignInLink.objects.filter(token_hash=_token_hash(token))
    return links.filter(token_in_path=True) if in_path else links


def signin_link_language(*, token: str, in_path: bool = False) -> str | None:
    """The language of the member a link was made for, used or not: the page that answers a
    link is in their language, not in the browser's. None for a token that was never issued."""
    return (
        _links(token=token, in_path=in_path)
        .values_list("membership__person__language", flat=True)
        .first()
    )


def signin_link_usable(
    *, token: str, now: dt.datetime | None = None, in_path: bool = False
) -> bool:
    """Whether the link would sign in now (shown before the member presses the button)."""
    return _usable_link(token=token, now=now or timezone.now(), in_path=in_path) is not None


def _usable_link(*, token: str, now: dt.datetime, in_path: bool = False) -> SignInLink | None:
    return (
        _links(token=token, in_path=in_path)
        .filter(
            used_at__isnull=True,
            expires_at__gt=now,
            membership__person__merged_into__isnull=True,
        )
        .exclude(membership__status=Membership.Status.MERGED)
        .first()
    )


def portal_address() -> str:
    """The portal's public address (/my/): the member's own page once signed in, else it leads
    to the sign-in page, where a member asks for a fresh link."""
    return settings.UNIONROLL_PORTAL_BASE_URL + reverse("portal:membership")


# --- Rate limits ------------------------------------------------------------------------------


def client_address(remote_addr: str) -> str:
    """The client part of REMOTE_ADDR that the per-client limit counts: an IPv4 address, or an
    IPv6 /64 (one household or phone gets a whole /64 and could otherwise rotate through it)."""
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return remote_addr or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def signin_rate_limited(*, scope: str, value: str, limit: int) -> bool:
    """Count one attempt for ``value`` in ``scope``; True if that is over ``limit`` in the
    current window.

    Fixed windows of UNIONROLL_SIGNIN_LIMIT_WINDOW_SECONDS, numbered in the key, so a counter
    ends with its window whatever the backend does with timeouts. ``add`` then ``incr`` is
    atomic in Redis: two processes counting at once never both see the last allowed number.
    (The file cache used on a single development machine reads and writes, which is good
    enough there.)
    """
    window = settings.UNIONROLL_SIGNIN_LIMIT_WINDOW_SECONDS
    now = time.time()
    bucket = int(now // window)
    ttl = max(1, int((bucket + 1) * window - now) + 1)
    digest = salted_hmac(_HMAC_SALT_LIMIT, f"{scope}:{value}", algorithm="sha256").hexdigest()
    key = f"portal:signin:{scope}:{digest[:40]}:{bucket}"
    cache.add(key, 0, timeout=ttl)
    try:
        count = cache.incr(key)
    except ValueError:
        # Expired between add and incr (the very end of a window): a fresh count.
        cache.set(key, 1, timeout=ttl)
        count = 1
    # Django's non-Redis backends rewrite the entry on incr with the default timeout; put the
    # window's end back (Redis keeps it; this is one cheap round trip there).
    cache.touch(key, ttl)
    return count > limit


def _limited(*, contact_scope: str, contact_value: str, client: str) -> bool:
    # Both counters move on every attempt, so neither rotating contacts from one address nor
    # rotating addresses for one contact gets more tries.
    by_contact = signin_rate_limited(
        scope=contact_scope,
        value=contact_value,
        limit=settings.UNIONROLL_SIGNIN_LIMIT_PER_CONTACT,
    )
    by_client = signin_rate_limited(
        scope=f"{contact_scope}_client",
        value=client_address(client),
        limit=settings.UNIONROLL_SIGNIN_LIMIT_PER_CLIENT,
    )
    return by_contact or by_client


# --- Sign-in links ----------------------------------------------------------------------------


def signin_link_create(*, membership_id: int, channel: str, now: dt.datetime | None = None) -> str:
    """A new sign-in link for one membership; returns its full URL (the only copy of it)."""
    _, token = _link_new(membership_id=membership_id, channel=channel, now=now)
    return signin_link_url(token, language=_member_language(membership_id))


def _member_language(membership_id: int) -> str:
    return notice_language(
        Membership.objects.filter(pk=membership_id)
        .values_list("person__language", flat=True)
        .first()
    )


def _link_new(
    *,
    membership_id: int,
    channel: str,
    now: dt.datetime | None = None,
    destination: str = "",
    purpose: str = SignInLink.Purpose.REQUEST,
    expires_at: dt.datetime | None = None,
) -> tuple[SignInLink, str]:
    allowed = WELCOME_CHANNELS if purpose == SignInLink.Purpose.WELCOME else CHANNELS
    if channel not in allowed:
        raise Invalid("signin_channel_unknown", "Sign-in links go by SMS or e-mail.")
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    link = SignInLink.objects.create(
        membership_id=membership_id,
        token_hash=_token_hash(token),
        channel=channel,
        purpose=purpose,
        destination=destination_clean(destination),
        expires_at=expires_at or now + dt.timedelta(minutes=settings.UNIONROLL_SIGNIN_LINK_MINUTES),
    )
    return link, token


def _end_of_day(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` in the union's time zone (a window's last day counts)."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


def welcome_link_issue(
    *, membership_id: int, channel: str, valid_until: dt.date, now: dt.datetime | None = None
) -> str:
    """The personal link a welcome notice carries (SMS, e-mail, the letter's QR code): it signs
    in once, spent by a POST, until the end of ``valid_until`` (the last day of the opt-out
    window). It replaces an unused welcome link of the same membership (a retried or reprinted
    welcome), so only the newest one works. Returns the link's full URL (the only copy)."""
    now = now or timezone.now()
    SignInLink.objects.filter(
        membership_id=membership_id,
        purpose=SignInLink.Purpose.WELCOME,
        used_at__isnull=True,
        expires_at__gt=now,
    ).update(expires_at=now)
    link, token = _link_new(
        membership_id=membership_id,
        channel=channel,
        now=now,
        purpose=SignInLink.Purpose.WELCOME,
        expires_at=max(_end_of_day(valid_until), now + dt.timedelta(days=1)),
    )
    logger.info("welcome link %s created for membership %s", link.pk, membership_id)
    return signin_link_url(token, language=_member_language(membership_id))


def welcome_links_extend(*, membership_id: int, valid_until: dt.date) -> int:
    """The opt-out window moved later (it starts when the member was told: a letter handed over
    weeks after printing): the unused welcome link of that membership lives as long."""
    return SignInLink.objects.filter(
        membership_id=membership_id,
        purpose=SignInLink.Purpose.WELCOME,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
        expires_at__lt=_end_of_day(valid_until),
    ).update(expires_at=_end_of_day(valid_until))


def signin_link_url(token: str, *, language: str) -> str:
    """The link's full address: the portal's public address, the link page in the member's
    language, and the token after "#". A browser never sends the fragment to the server, so
    the token is in no request line, no Referer and no access log on the way; the link page's
    script reads it and the member's press on "Sign in" posts it."""
    page = reverse("portal:link_page", kwargs={"language": notice_language(language)})
    return f"{settings.UNIONROLL_PORTAL_BASE_URL}{page}#{token}"


@transaction.atomic
def signin_link_request(
    *,
    contact: Contact,
    client: str,
    date_of_birth: dt.date | None = None,
    destination: str = "",
) -> bool:
    """A member asks for a link, with their date of birth where they share the phone or
    address. False if rate-limited; otherwise True, whether or not the contact is known,
    shared or the date right.

    Nobody is looked up here: what was typed is stored as a ``SignInRequest`` and a task,
    queued when this commits, looks it up and sends a link only when the contact (and date)
    single out one person (``signin_request_process``). So the answer takes the same work, and
    the same time, for a known and an unknown contact. Only the request's id goes to the
    broker; the row lives until the task claims it (seconds).
    """
    if _limited(contact_scope=contact.channel, contact_value=contact.value, client=client):
        logger.info("sign-in link request refused: rate limit")
        return False
    signin_requests_purge(now=timezone.now())
    request = SignInRequest.objects.create(
        channel=contact.channel,
        contact=contact.value,
        date_of_birth=date_of_birth,
        destination=destination_clean(destination),
    )
    # robust: a broker that is down is logged (with its traceback) and does not turn the answer
    # into an error; the member, known or not, sees the same page and may ask again.
    transaction.on_commit(partial(_request_queue, request.pk), robust=True)
    return True


def signin_requests_purge(*, now: dt.datetime) -> int:
    """Requests older than a link's life: their task never ran (a broker that was down) or
    will find them too late. Deleted by every request and every task, so what someone typed
    stays no longer than that while the portal is in use, and by the daily retention run
    when it is not."""
    max_age = dt.timedelta(minutes=settings.UNIONROLL_SIGNIN_LINK_MINUTES)
    return SignInRequest.objects.filter(created_at__lt=now - max_age).delete()[0]


def _request_queue(request_id: int) -> None:
    from enrolment import tasks

    # The notifications queue, as the sending: a link is wanted within seconds, not after a
    # roster import on the ingest queue.
    tasks.signin_request_process_task.apply_async(args=(request_id,), queue="notifications")


def signin_request_process(*, request_id: int, now: dt.datetime | None = None) -> str:
    """The task's half of a link request: claim the request (deleting it, so a redelivered
    task finds nothing), look the contact up and, when it singles out one member, issue the link
    and publish ``SignInLinkRequested`` (notifications sends it once this commits). Returns
    "issued", "no_one" (unknown, shared without the right date, merged), "stale" (older than a
    link's life: the member has moved on) or "gone" (claimed already).

    Requests older than a link's life are deleted on the way (``signin_requests_purge``).
    """
    now = now or timezone.now()
    max_age = dt.timedelta(minutes=settings.UNIONROLL_SIGNIN_LINK_MINUTES)
    with transaction.atomic():
        request = (
            SignInRequest.objects.select_for_update(skip_locked=True).filter(pk=request_id).first()
        )
        signin_requests_purge(now=now)
        if request is None:
            return "gone"
        SignInRequest.objects.filter(pk=request.pk).delete()
        if request.created_at < now - max_age:
            logger.info("sign-in request %s dropped: older than a link's life", request_id)
            return "stale"
        membership = signin_membership_for_contact(
            contact=Contact(request.channel, request.contact),
            date_of_birth=request.date_of_birth,
        )
        if membership is None:
            logger.info("sign-in request %s names no one member", request_id)
            return "no_one"
        link, token = _link_new(
            membership_id=membership.pk,
            channel=request.channel,
            now=now,
            destination=request.destination,
        )
        # Sent once this has committed (notifications listens).
        events.publish(SignInLinkRequested(link_id=link.pk, token=token))
    logger.info("sign-in link %s created for membership %s", link.pk, membership.pk)
    return "issued"


def signin_link_sendable(
    *, link_id: int, token: str, now: dt.datetime | None = None
) -> SignInLink | None:
    """The link, with its membership and person, if ``token`` is its token and it may still be
    sent: not used, not expired. Whether it was sent already is the sender's claim to make."""
    now = now or timezone.now()
    link = SignInLink.objects.select_related("membership__person").filter(pk=link_id).first()
    if (
        link is None
        or link.used_at is not None
        or link.expires_at <= now
        or not hmac.compare_digest(link.token_hash, _token_hash(token))
    ):
        return None
    return link


def signin_link_reissue(*, link_id: int, now: dt.datetime | None = None) -> str | None:
    """A new token for a link that was never sent (its send failed for now), so that a retry
    taken from the database can send it: the old token was never stored and never reached
    anyone. None if the link has been sent, used or has expired meanwhile."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    # The new token goes out in the new form (in the fragment), even for a link first issued
    # with the token in the path.
    renewed = SignInLink.objects.filter(
        pk=link_id, sent_at__isnull=True, used_at__isnull=True, expires_at__gt=now
    ).update(token_hash=_token_hash(token), token_in_path=False)
    return token if renewed else None


@dataclass(frozen=True)
class LinkSignIn:
    membership_id: int
    # The page the member was on their way to when they asked for the link ("" = their own).
    destination: str = ""


def signin_link_consume(
    *, token: str, now: dt.datetime | None = None, in_path: bool = False
) -> LinkSignIn | None:
    """Use the link up; the membership it signs in (and the page it leads to), or None if it
    does not work (unknown, used, expired, merged since; ``in_path``: not issued in the old
    form). One conditional UPDATE: of two clicks, only one signs in."""
    now = now or timezone.now()
    link = _usable_link(token=token, now=now, in_path=in_path)
    if link is None:
        return None
    used = SignInLink.objects.filter(pk=link.pk, used_at__isnull=True, expires_at__gt=now).update(
        used_at=now
    )
    if not used:
        return None
    logger.info("sign-in link %s used", link.pk)
    return LinkSignIn(link.membership_id, destination_clean(link.destination))


# --- Access codes (welcome letter) ------------------------------------------------------------


def access_code_issue(*, membership_id: int) -> str:
    """A new personal code for one membership, replacing any earlier one; returns it as
    printed ("K7QX-M4PA"). Only its keyed hash is stored."""
    for _attempt in range(5):
        code = "".join(
            secrets.choice(ACCESS_CODE_ALPHABET) for _position in range(ACCESS_CODE_LENGTH)
        )
        try:
            with transaction.atomic():
                AccessCode.objects.update_or_create(
                    membership_id=membership_id, defaults={"code_hash": _access_code_hash(code)}
                )
        except IntegrityError:
            continue  # another membership holds this code (1 in 2^40 per code): draw again
        logger.info("access code issued for membership %s", membership_id)
        return access_code_display(code)
    raise Unavailable("access_code_not_issued", "No free access code was found.")


@dataclass(frozen=True)
class CodeSignIn:
    # "ok" (membership_id set), "wrong" (code or date of birth), "limited"
    outcome: str
    membership_id: int | None = None


def access_code_sign_in(*, code_text: str, date_of_birth: dt.date, client: str) -> CodeSignIn:
    """Code + date of birth. Every try counts against the code and the client address, also a
    right one: otherwise a right guess past the limit would still be told apart."""
    code = access_code_normalise(code_text)
    # An unreadable code is counted under what was typed, so it too runs into the limit.
    counted = code or "".join((code_text or "").split()).upper()[:40]
    if _limited(contact_scope="code", contact_value=counted, client=client):
        logger.info("access code sign-in refused: rate limit")
        return CodeSignIn("limited")
    if code is None:
        return CodeSignIn("wrong")
    access = (
        AccessCode.objects.filter(
            code_hash=_access_code_hash(code),
            membership__person__merged_into__isnull=True,
            membership__person__date_of_birth=date_of_birth,
        )
        .exclude(membership__status=Membership.Status.MERGED)
        .first()
    )
    if access is None:
        logger.info("access code sign-in refused: wrong code or date of birth")
        return CodeSignIn("wrong")
    logger.info("access code sign-in for membership %s", access.membership_id)
    return CodeSignIn("ok", access.membership_id)
