from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import factory

from enrolment.models import RightsText


class RightsTextFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RightsText

    topic = RightsText.Topic.HOLIDAY_PAY
    language = "en"
    phase = ""
    valid_from = dt.date(2026, 1, 1)
    title = factory.Sequence(lambda n: f"Rights title {n}")
    body = "First paragraph.\n\nSecond paragraph."


def link_form(contact: str, date_of_birth: dt.date | str | None = None) -> dict[str, str]:
    """The link form as a member fills it in: a phone number or an e-mail address in its own
    box, and the date of birth (when given) in the day, month and year boxes."""
    data = {"form": "link", ("email" if "@" in contact else "phone"): contact}
    return {**data, **date_of_birth_boxes(date_of_birth)}


def date_of_birth_boxes(value: dt.date | str | None) -> dict[str, str]:
    """``date(1990, 5, 17)`` or "1990-05-17" -> the three boxes; None -> nothing typed."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return {
        "date_of_birth_day": str(value.day),
        "date_of_birth_month": str(value.month),
        "date_of_birth_year": str(value.year),
    }


# A sign-in link as a message carries it: the link page in a language, the token after "#".
LINK_URL = r"https?://[^\s/]+/my/link/[a-z]{2}/#[\w-]+"


def link_in(text: str) -> str:
    """The one sign-in link in a message's text (its full URL)."""
    [url] = re.findall(LINK_URL, text)
    return url


def link_token(url: str) -> str:
    """The token of a sign-in link: after "#" only, never in the path or the query, which a
    browser sends to the server (and the server may log)."""
    parts = urlsplit(url)
    assert parts.fragment, url
    assert parts.fragment not in parts.path + parts.query
    return parts.fragment


def link_use(client, url: str, **extra):
    """What the link page does when the member presses "Sign in": its script has put the token
    from the fragment into the form, which posts it to /my/link/."""
    return client.post("/my/link/", {"token": link_token(url)}, **extra)
