"""The union's pages for letters: the Letters admin, a letter's PDF, a visit's letters (one PDF
for the print run, the handover list). Union staff with the permissions only."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.urls import reverse
from pypdf import PdfReader

from enrolment.models import Membership
from notifications.models import Notice
from notifications.services import notice_deliver
from tests.employers.factories import (
    OrganisationFactory,
    SectorFactory,
    SiteFactory,
    UnionAdminFactory,
    UserFactory,
)
from tests.enrolment.factories import MembershipFactory, PersonFactory
from tests.notifications.factories import NoticeFactory, WorkplaceVisitFactory, recent_line

pytestmark = pytest.mark.django_db

PRINTED = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
# The visit (WorkplaceVisitFactory) runs on Thursday 3 December 2026, 12:00-14:00 Dutch time.
DURING_VISIT = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


def pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def letter_for(person, *, sector, status=Membership.Status.ENROLLED) -> Notice:
    membership = MembershipFactory(person=person, sector=sector, status=status)
    notice = NoticeFactory(membership=membership)
    with time_machine.travel(PRINTED, tick=False):
        notice_deliver(notice_id=notice.pk)
    notice.refresh_from_db()
    return notice


def member_at(site, *, last_name: str, **kw) -> Notice:
    """A member without phone or e-mail, with a recent line at ``site`` and a printed welcome
    letter."""
    person = PersonFactory(phone=None, email=None, last_name=last_name)
    notice = letter_for(person, sector=site.sector, **kw)
    recent_line(person=person, site=site, period_end=dt.date(2026, 11, 22))
    return notice


@pytest.fixture
def site():
    return SiteFactory(name="Vleesfabriek Oss", sector=SectorFactory(code="meat"))


@pytest.fixture
def ula(client):
    client.force_login(UnionAdminFactory(username="ula"))
    return client


def visit_url(name: str, visit) -> str:
    return reverse(f"admin:notifications_workplacevisit_{name}", args=[visit.pk])


# --- A visit's letters ------------------------------------------------------------------------


def test_the_visit_pdf_has_one_page_per_waiting_member_at_the_site_and_no_one_else(ula, site):
    here_a = member_at(site, last_name="Albu")
    here_b = member_at(site, last_name="Barbu")
    handed = member_at(site, last_name="Cazacu")
    Notice.objects.filter(pk=handed.pk).update(handed_over_at=PRINTED, handed_over_how="post")
    member_at(site, last_name="Dinu", status=Membership.Status.OPTED_OUT)
    elsewhere = SiteFactory(name="Slachthuis Boxtel", sector=site.sector)
    member_at(elsewhere, last_name="Enache")
    old_line = PersonFactory(phone=None, email=None, last_name="Florea")
    letter_for(old_line, sector=site.sector)
    recent_line(person=old_line, site=site, period_end=dt.date(2026, 9, 6))  # 12 weeks before
    visit = WorkplaceVisitFactory(site=site)

    response = ula.get(visit_url("letters_pdf", visit))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="visit-{visit.pk}-letters.pdf"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    printed = pages(body(response))
    assert len(printed) == 2
    assert "Albu" in printed[0] and f"welcome {here_a.pk}" in printed[0]
    assert "Barbu" in printed[1] and f"welcome {here_b.pk}" in printed[1]
    for name in ("Cazacu", "Dinu", "Enache", "Florea"):
        assert not any(name in page for page in printed)


def test_the_visit_page_links_to_its_letters(ula, site):
    visit = WorkplaceVisitFactory(site=site)

    page = ula.get(reverse("admin:notifications_workplacevisit_change", args=[visit.pk]))

    assert visit_url("letters", visit) in page.content.decode()
    assert visit_url("letters_pdf", visit) in page.content.decode()


def test_ticked_letters_are_recorded_as_handed_over_at_the_visit(ula, site):
    ticked = member_at(site, last_name="Albu")
    left = member_at(site, last_name="Barbu")
    elsewhere = member_at(SiteFactory(sector=site.sector), last_name="Enache")
    visit = WorkplaceVisitFactory(site=site)

    with time_machine.travel(DURING_VISIT, tick=False):
        listing = ula.get(visit_url("letters", visit)).content.decode()
        response = ula.post(visit_url("letters", visit), {"letter": [ticked.pk, elsewhere.pk]})

    assert f'value="{ticked.pk}"' in listing and f'value="{left.pk}"' in listing
    # Names are masked in the list; the letter's number is on the printed page.
    assert "Albu" not in listing and "A****" in listing
    assert response.status_code == 302
    ticked.refresh_from_db()
    assert (ticked.handed_over_how, ticked.handed_over_visit_id) == ("visit", visit.pk)
    assert ticked.handed_over_at == DURING_VISIT
    # The window starts on the day of the visit.
    membership = Membership.objects.get(pk=ticked.membership_id)
    assert membership.window_ends == dt.date(2027, 1, 3)
    # Not offered on this page: not recorded through it.
    assert Notice.objects.get(pk=elsewhere.pk).handed_over_at is None
    assert Notice.objects.get(pk=left.pk).handed_over_at is None


def test_letters_cannot_be_recorded_at_a_visit_that_has_not_begun(ula, site):
    letter = member_at(site, last_name="Albu")
    visit = WorkplaceVisitFactory(site=site)

    with time_machine.travel(PRINTED, tick=False):
        ula.post(visit_url("letters", visit), {"letter": [letter.pk]})

    assert Notice.objects.get(pk=letter.pk).handed_over_at is None


# --- The Letters admin ------------------------------------------------------------------------


def test_the_letters_admin_lists_waiting_letters_and_serves_each_pdf(ula, site):
    waiting = member_at(site, last_name="Albu")
    handed = member_at(site, last_name="Barbu")
    Notice.objects.filter(pk=handed.pk).update(handed_over_at=PRINTED, handed_over_how="post")
    NoticeFactory(status="sent", channel="sms")

    listing = ula.get(reverse("admin:notifications_letter_changelist"), {"handover": "waiting"})
    pdf = ula.get(reverse("admin:notifications_letter_pdf", args=[waiting.pk]))

    html = listing.content.decode()
    assert listing.status_code == 200
    assert reverse("admin:notifications_letter_pdf", args=[waiting.pk]) in html
    assert reverse("admin:notifications_letter_pdf", args=[handed.pk]) not in html
    assert "Albu" not in html
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert f'filename="letter-{waiting.pk}.pdf"' in pdf["Content-Disposition"]
    with default_storage.open(waiting.document, "rb") as handle:
        assert body(pdf) == handle.read()


def test_the_posted_action_refuses_letters_without_an_address_and_records_nothing(ula, site):
    letter = member_at(site, last_name="Albu")

    response = ula.post(
        reverse("admin:notifications_letter_changelist"),
        {"action": "posted_today", "_selected_action": [letter.pk]},
        follow=True,
    )

    assert "gave the union no postal address" in response.content.decode()
    assert Notice.objects.get(pk=letter.pk).handed_over_at is None


def test_the_information_point_action_records_the_handover(ula, site):
    letter = member_at(site, last_name="Albu")

    with time_machine.travel(dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC), tick=False):
        ula.post(
            reverse("admin:notifications_letter_changelist"),
            {"action": "handed_over_at_information_point_today", "_selected_action": [letter.pk]},
        )

    letter.refresh_from_db()
    assert letter.handed_over_how == "info_point"
    assert timezone_date(letter.handed_over_at) == dt.date(2026, 12, 1)


def timezone_date(moment: dt.datetime) -> dt.date:
    from django.utils import timezone

    return timezone.localtime(moment).date()


def test_a_union_admin_sets_a_members_postal_address_on_the_person_page(ula):
    person = PersonFactory(phone=None, email=None)
    url = reverse("admin:enrolment_person_change", args=[person.pk])

    # The read-only inlines' management forms, as the page sends them.
    inlines = {
        f"{prefix}-{field}": 0
        for prefix in ("worker_numbers", "memberships")
        for field in ("TOTAL_FORMS", "INITIAL_FORMS")
    }

    page = ula.get(url)
    saved = ula.post(url, {"postal_address": "Dorpsstraat 1\r\n1234 AB  Ergens\r\n", **inlines})
    refused = ula.post(url, {"postal_address": "\n".join(["Kerkstraat 9"] * 7), **inlines})

    assert 'name="postal_address"' in page.content.decode()
    assert 'name="first_name"' not in page.content.decode()
    assert saved.status_code == 302
    assert refused.status_code == 200 and "at most 6 lines" in refused.content.decode()
    person.refresh_from_db()
    assert person.postal_address == "Dorpsstraat 1\n1234 AB Ergens"


# --- Who may ----------------------------------------------------------------------------------


def _login(client, who: str) -> None:
    if who == "agency_user":
        client.force_login(UserFactory(organisation=OrganisationFactory()))
    elif who == "agency_staff_superuser":
        # A staff flag on an organisation's user does not make it union staff.
        client.force_login(
            UserFactory(organisation=OrganisationFactory(), is_staff=True, is_superuser=True)
        )
    elif who == "staff_without_permission":
        client.force_login(UserFactory(organisation=None, is_staff=True))
    elif who == "staff_who_may_only_view":
        user = UserFactory(organisation=None, is_staff=True)
        user.user_permissions.add(
            Permission.objects.get(codename="view_letter"),
            Permission.objects.get(codename="view_workplacevisit"),
        )
        client.force_login(user)


@pytest.mark.parametrize(
    "who", ["anonymous", "agency_user", "agency_staff_superuser", "staff_without_permission"]
)
def test_letters_and_their_pdfs_are_refused_to_anyone_but_permitted_union_staff(client, site, who):
    letter = member_at(site, last_name="Albu")
    person = letter.person
    visit = WorkplaceVisitFactory(site=site)
    _login(client, who)

    with time_machine.travel(DURING_VISIT, tick=False):
        responses = [
            client.get(reverse("admin:notifications_letter_changelist")),
            client.get(reverse("admin:notifications_letter_change", args=[letter.pk])),
            client.get(reverse("admin:notifications_letter_pdf", args=[letter.pk])),
            client.get(visit_url("letters", visit)),
            client.get(visit_url("letters_pdf", visit)),
            client.post(visit_url("letters", visit), {"letter": [letter.pk]}),
            client.post(
                reverse("admin:notifications_letter_changelist"),
                {
                    "action": "handed_over_at_information_point_today",
                    "_selected_action": [letter.pk],
                },
            ),
            client.post(
                reverse("admin:enrolment_person_change", args=[person.pk]),
                {"postal_address": "Agencyweg 1"},
            ),
        ]

    for response in responses:
        assert response.status_code in (302, 403), response.status_code
        if response.status_code == 302:
            assert "/login/" in response["Location"]
        assert response.get("Content-Type", "").split(";")[0] != "application/pdf"
    assert Notice.objects.get(pk=letter.pk).handed_over_at is None
    person.refresh_from_db()
    assert person.postal_address == ""


def test_staff_who_may_only_view_letters_cannot_record_a_handover(client, site):
    letter = member_at(site, last_name="Albu")
    visit = WorkplaceVisitFactory(site=site)
    _login(client, "staff_who_may_only_view")

    with time_machine.travel(DURING_VISIT, tick=False):
        pdf = client.get(visit_url("letters_pdf", visit))
        posted = client.post(visit_url("letters", visit), {"letter": [letter.pk]})

    assert pdf.status_code == 200
    assert posted.status_code == 403
    assert Notice.objects.get(pk=letter.pk).handed_over_at is None
