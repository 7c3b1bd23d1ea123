"""The public rights pages: the general rights of every agency worker, in six languages, with no
sign-in (``/rights/<lang>/``; ``/rights/`` sends the browser to its own language).

Made to be shared (a link in a chat, a QR code on a poster) and cached: these pages name nobody,
read no session and set no cookie, so nothing here may touch ``request.session``,
``request.user``, messages or a CSRF token (a form on the page would set the CSRF cookie; the
language switch is therefore made of links). The member's own rights stay at ``/my/rights/``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from enrolment.rights import (
    MinimumWageTable,
    minimum_wage_table,
    minimum_wage_unknown_text,
    money_text,
    rights_general,
)
from portal.context import LANGUAGE_NAMES
from unionroll.i18n import date_text, notice_language

LANGUAGES = [code for code, _ in settings.LANGUAGES]
# Short: a new minimum wage or an admin's new text shows within minutes, while a poster's
# worth of phones opening the same page is served by a cache.
CACHE_SECONDS = 300
PUBLIC_CACHE_CONTROL = f"public, max-age={CACHE_SECONDS}"


@require_safe
def rights_choose_language(request: HttpRequest) -> HttpResponse:
    """To the page in the browser's language, as LocaleMiddleware read it from Accept-Language
    (English for a language we do not have). Never from the session: a shared cache keys this
    answer on Accept-Language alone."""
    language = notice_language(translation.get_language())
    response = redirect("public:rights_page", language=language)
    response.headers["Cache-Control"] = PUBLIC_CACHE_CONTROL
    patch_vary_headers(response, ("Accept-Language",))
    return response


@require_safe
def rights_page(request: HttpRequest, language: str) -> HttpResponse:
    if language not in LANGUAGES:
        raise Http404("No such language.")
    today = timezone.localdate()
    with translation.override(language):
        response = render(
            request,
            "portal/rights_public.html",
            {
                "sections": rights_general(language=language, on=today),
                "language": language,
                "wage": _wage_view(minimum_wage_table(on=today), language),
                "wage_unknown": minimum_wage_unknown_text(language),
                "other_languages": [
                    {"code": code, "name": name, "url": reverse("public:rights_page", args=[code])}
                    for code, name in LANGUAGE_NAMES
                    if code != language
                ],
                # Empty on purpose: reading the message store could touch the session.
                "messages": (),
            },
        )
    response.headers["Cache-Control"] = PUBLIC_CACHE_CONTROL
    # LocaleMiddleware would name the browser's language; the page is in the path's.
    response.headers["Content-Language"] = language
    return response


def _wage_view(table: MinimumWageTable | None, language: str) -> dict[str, Any] | None:
    """The table's words in the active language: "21 and older", "€ 14,71"."""
    if table is None:
        return None
    rows = []
    for row in table.rows:
        if row.age is None:
            label = _("Every age")
        elif row.and_older:
            label = _("%(age)s and older") % {"age": row.age}
        else:
            label = str(row.age)
        rows.append({"label": label, "amount": money_text(row.hourly, language)})
    return {"from_text": date_text(table.valid_from), "rows": rows}
