"""What every portal page shows around its content: the union's name and how to reach it.

``portal_context`` works as a template context processor (add
``"portal.context.portal_context"`` to TEMPLATES' context_processors, then the sign-in
pages get it too); the portal's own pages also pass it explicitly.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

# The six languages, each in its own name: a reader who does not understand the page's
# current language still finds theirs.
LANGUAGE_NAMES = [
    ("nl", "Nederlands"),
    ("en", "English"),
    ("pl", "Polski"),
    ("ro", "Română"),
    ("uk", "Українська"),
    ("bg", "Български"),
]

# The word "Language" in each of the six, shown together on the folded switch before sign-in:
# a visitor who cannot read the page yet still recognises their own word.
LANGUAGE_WORDS = [
    ("nl", "Taal"),
    ("en", "Language"),
    ("pl", "Język"),
    ("ro", "Limba"),
    ("uk", "Мова"),
    ("bg", "Език"),
]


def union_hours() -> str:
    """When a representative can be reached: the configured text, else office hours in the
    reader's language."""
    return settings.UNIONROLL_UNION_HOURS.strip() or _("Monday to Friday, 9:00 to 17:00")


def union_contact() -> dict[str, Any]:
    phone = settings.UNIONROLL_UNION_PHONE
    return {
        "name": settings.UNIONROLL_UNION_NAME,
        "phone": phone,
        # tel: links want the digits only ("+31300000000").
        "phone_link": "".join(ch for ch in phone if ch.isdigit() or ch == "+"),
        "email": settings.UNIONROLL_UNION_EMAIL,
        "address_lines": [
            line.strip() for line in settings.UNIONROLL_UNION_ADDRESS.split("|") if line.strip()
        ],
        "hours": union_hours(),
    }


def portal_context(request: HttpRequest) -> dict[str, Any]:
    return {
        "union_name": settings.UNIONROLL_UNION_NAME,
        "union_contact": union_contact(),
        "language_names": LANGUAGE_NAMES,
        "language_words": LANGUAGE_WORDS,
    }
