"""The welcome letter fits one page in every language, even with a fifth more text, with the
code in a box, a QR code of the member's link, the union's contact and a Dutch/English line."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pytest
import time_machine
from django.conf import settings
from django.core.files.storage import default_storage
from pypdf import PdfReader

from enrolment.models import Person
from notifications.catalogs import LANGUAGES
from notifications.channels import letter as letter_channel
from notifications.rendering import NoticeFacts, notice_render
from notifications.services import notice_deliver
from notifications.services.letters import letter_parts
from tests.browser import SCREENSHOTS
from tests.enrolment.factories import MembershipFactory, PersonFactory
from tests.notifications.factories import NoticeFactory

PRINTED = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
CODE = "K7QX-M4PA"
# A personal sign-in link, as long as the real ones.
LINK = "https://leden.bond.example/my/link/ro/#Xk3v9QpL2mN8rT5wY7zA1bC4dE6fG0hJsUuVvWwXxYz"


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def welcome_letter(language: str, *, grow: float = 0.0) -> bytes:
    """The welcome letter for a member with a long name and a postal address, its body grown by
    ``grow`` (0.2: a fifth more text, as a reworded body might be)."""
    person = Person(
        first_name="Ștefan-Alexandru",
        last_name="Żółtowski-Țăranu-Константинов",
        language=language,
        postal_address="Strada Mihai Eminescu 112, bloc 4, scara B\n5611 AB Eindhoven\nNederland",
    )
    facts = NoticeFacts(
        first_name=person.first_name,
        window_ends=dt.date(2026, 12, 20),
        access_link=LINK,
        access_code=CODE,
        extra={"access_link_personal": True},
    )
    rendered = notice_render(kind="welcome", language=language, facts=facts, today=PRINTED.date())
    paragraphs = list(rendered.paragraphs)
    if grow:
        # More of the same language's text, as long as a fifth of the body, before the end.
        extra = int(sum(len(p) for p in paragraphs) * grow)
        filler = " ".join(p for p in paragraphs if CODE not in p and LINK not in p)
        paragraphs.insert(len(paragraphs) - 2, (filler * 2)[:extra])
    return letter_channel.letter_pdf(
        sender=[settings.UNIONROLL_UNION_NAME, *settings.UNIONROLL_UNION_ADDRESS.split("|")],
        recipient=f"{person.first_name} {person.last_name}",
        date_text=rendered.dated,
        title=rendered.subject,
        paragraphs=paragraphs,
        reference="welcome 123456",
        **letter_parts(person=person, facts=facts, language=language),
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("grow", [0.0, 0.2])
def test_the_welcome_letter_is_one_page_in_every_language(language, grow):
    [page] = pdf_pages(welcome_letter(language, grow=grow))

    assert CODE in page
    assert "Strada Mihai Eminescu 112" in page
    assert settings.UNIONROLL_UNION_PHONE in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_letter_has_a_line_in_dutch_and_english_for_a_helper(language):
    [page] = pdf_pages(welcome_letter(language))

    flat = " ".join(page.split())
    assert f"Brief van de vakbond {settings.UNIONROLL_UNION_NAME}" in flat
    assert f"Letter from the union {settings.UNIONROLL_UNION_NAME}" in flat


def test_the_qr_code_holds_the_members_link_and_the_code_stands_in_a_box(monkeypatch):
    encoded = []

    class RecordingQrCode(letter_channel.QrCode):
        def __init__(self, data: str, size: float) -> None:
            encoded.append(data)
            super().__init__(data, size)

    monkeypatch.setattr(letter_channel, "QrCode", RecordingQrCode)

    [page] = pdf_pages(welcome_letter("ro"))

    assert set(encoded) == {LINK}
    # The code is in the sentence that explains it and again, large, in its own box.
    assert page.count(CODE) == 2
    assert "Scanează pătratul cu camera telefonului tău." in " ".join(page.split())


def test_a_letter_too_long_for_one_page_runs_on_rather_than_losing_text():
    text = "Dit is een lange zin die de brief vult. " * 40

    pdf = letter_channel.letter_pdf(
        sender=["Bond"],
        recipient="Ana",
        date_text="20 november 2026",
        title="Welkom",
        paragraphs=[text] * 8,
        reference="welcome 1",
    )

    pages = pdf_pages(pdf)
    assert len(pages) > 1
    assert "welcome 1" in pages[-1]
    assert " ".join(" ".join(pages).split()).count("de brief vult.") == 40 * 8


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_delivered_welcome_letter_is_one_page_with_the_union_contact(language):
    membership = MembershipFactory(person=PersonFactory(phone=None, email=None, language=language))
    notice = NoticeFactory(membership=membership)

    with time_machine.travel(PRINTED, tick=False):
        notice_deliver(notice_id=notice.pk)

    notice.refresh_from_db()
    with default_storage.open(notice.document, "rb") as handle:
        [page] = pdf_pages(handle.read())
    assert settings.UNIONROLL_UNION_EMAIL in page
    assert "Hertogswetering 159" in page


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm (poppler-utils)")
def test_the_romanian_welcome_letter_as_printed_for_the_readme(tmp_path):
    """The letter as paper shows it: one page turned into a picture (docs/screenshots/)."""
    person = Person(
        first_name="Ioana",
        last_name="Popescu",
        language="ro",
        postal_address="Kerkstraat 12\n5611 AB Eindhoven",
    )
    facts = NoticeFacts(
        first_name=person.first_name,
        window_ends=dt.date(2026, 12, 20),
        access_link=LINK,
        access_code=CODE,
        extra={"access_link_personal": True},
    )
    rendered = notice_render(kind="welcome", language="ro", facts=facts, today=PRINTED.date())
    pdf = letter_channel.letter_pdf(
        sender=[settings.UNIONROLL_UNION_NAME, *settings.UNIONROLL_UNION_ADDRESS.split("|")],
        recipient=f"{person.first_name} {person.last_name}",
        date_text=rendered.dated,
        title=rendered.subject,
        paragraphs=rendered.paragraphs,
        reference="welcome 12",
        **letter_parts(person=person, facts=facts, language="ro"),
    )
    (tmp_path / "letter.pdf").write_bytes(pdf)

    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", str(tmp_path / "letter.pdf"), str(tmp_path / "page")],
        check=True,
    )

    [png] = sorted(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 10_000  # a page with text and a QR code, not a blank sheet
    shutil.copyfile(png, SCREENSHOTS / "letter-welcome-ro.png")
