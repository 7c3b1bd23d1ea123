"""Printed letters reach members through the union only (handed over or posted, never by way of
an employer), the handover is recorded once, and a welcome letter's opt-out window starts at the
handover, not at printing."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.files.storage import default_storage
from pypdf import PdfReader

from enrolment.models import Membership, MembershipEvent, Person
from enrolment.services import roster_import_path
from enrolment.services.member_details import person_postal_address_set
from enrolment.services.memberships import (
    membership_inside_window,
    membership_opt_out,
    memberships_advance,
)
from notifications import tasks
from notifications.models import DeliveryAttempt, Notice, OrganisationNotice
from notifications.services import notice_deliver, window_closing_notices_record
from notifications.services.letters import letters_hand_over
from tests.employers.factories import (
    HirerFactory,
    OrganisationFactory,
    SectorFactory,
    SiteFactory,
    UnionAdminFactory,
)
from tests.enrolment.factories import EnrolmentPolicyFactory, MembershipFactory, PersonFactory
from tests.enrolment.rosters import worker, write_roster
from tests.notifications.factories import NoticeFactory
from unionroll.exceptions import ApplicationError

pytestmark = pytest.mark.django_db

# Friday 20 November 2026, 11:00 in Amsterdam: the letter is printed.
PRINTED = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
# Tuesday 1 December 2026, 11:00 in Amsterdam: it is handed over.
HANDED = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def stored_text(notice: Notice) -> str:
    with default_storage.open(notice.document, "rb") as handle:
        return pdf_text(handle.read())


def printed_letter(**person) -> Notice:
    """A welcome letter printed on 20 November for a member without phone or e-mail, enrolled
    on 10 November (provisional window end 10 December)."""
    membership = MembershipFactory(
        person=PersonFactory(phone=None, email=None, **person),
        enrolled_on=dt.date(2026, 11, 10),
        window_ends=dt.date(2026, 12, 10),
    )
    notice = NoticeFactory(membership=membership)
    with time_machine.travel(PRINTED, tick=False):
        assert notice_deliver(notice_id=notice.pk).status == "queued_for_print"
    notice.refresh_from_db()
    return notice


@pytest.fixture
def admin_user():
    return UnionAdminFactory()


# --- Never through the employer -------------------------------------------------------------------


def test_a_member_an_agency_enrols_without_phone_or_email_is_written_to_by_the_union_alone(
    tmp_path, settings, sms_outbox, django_capture_on_commit_callbacks
):
    meat = SectorFactory(code="meat")
    EnrolmentPolicyFactory(sector=meat)
    agency = OrganisationFactory(
        sectors=[meat],
        name="Flexkracht Oost Uitzendbureau B.V.",
        billing_email="salaris@flexkracht.example",
        contact_email="planning@flexkracht.example",
    )
    hirer = HirerFactory(name="Vleesfabriek Oss B.V.", contact_email="receptie@vlees.example")
    site = SiteFactory(hirer=hirer, sector=meat, code="OSS1", name="Vleesfabriek Oss")
    roster = write_roster(
        tmp_path / "week.csv",
        [
            worker(
                1,
                first_name="Ioana",
                last_name="Popescu",
                language="ro",
                hirer_kvk=hirer.kvk,
                site_code=site.code,
            )
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        upload = roster_import_path(organisation=agency, path=roster)
    assert upload.status == "applied", upload.errors
    person = Person.objects.get()
    assert (person.phone, person.email, person.postal_address) == (None, None, "")

    with time_machine.travel(PRINTED, tick=False):
        tasks.notices_dispatch_task()

    notice = Notice.objects.get(person=person, kind="welcome")
    assert (notice.channel, notice.status) == ("letter", "queued_for_print")
    assert notice.handed_over_at is None
    # Nothing went to any organisation, by any channel.
    organisation_addresses = {
        agency.billing_email,
        agency.contact_email,
        hirer.contact_email,
    }
    assert not [m for m in mail.outbox if set(m.to) & organisation_addresses]
    assert mail.outbox == [] and sms_outbox() == []
    assert not OrganisationNotice.objects.exists()
    attempts = list(DeliveryAttempt.objects.values_list("item", "item_id", "channel", "result"))
    assert attempts == [("notice", notice.pk, "letter", "sent")]
    # The letter names the member and the union, and no organisation.
    text = stored_text(notice)
    assert "Ioana Popescu" in text
    assert settings.UNIONROLL_UNION_NAME in text
    for name in (agency.name, agency.kvk, hirer.name, hirer.kvk, site.name, site.code):
        assert name not in text
    for address in organisation_addresses:
        assert address not in text


def test_the_letter_is_addressed_to_the_postal_address_the_member_gave_the_union():
    membership = MembershipFactory(person=PersonFactory(phone=None, email=None, language="pl"))
    person_postal_address_set(
        person_id=membership.person_id, address="  ul. Długa 5 m. 3 \n\n 5611 AB  Eindhoven "
    )
    notice = NoticeFactory(membership=membership)

    with time_machine.travel(PRINTED, tick=False):
        notice_deliver(notice_id=notice.pk)

    notice.refresh_from_db()
    text = stored_text(notice)
    assert "ul. Długa 5 m. 3\n5611 AB Eindhoven" in text
    assert Person.objects.get(pk=membership.person_id).postal_address == (
        "ul. Długa 5 m. 3\n5611 AB Eindhoven"
    )


def test_a_postal_address_too_long_for_an_envelope_is_refused_and_nothing_changes():
    person = PersonFactory(postal_address="Dorpsstraat 1\n1234 AB Ergens")

    with pytest.raises(ApplicationError) as refused:
        person_postal_address_set(person_id=person.pk, address="\n".join(["Kerkstraat 9"] * 7))

    assert refused.value.code == "postal_address_too_long"
    assert "Kerkstraat" not in refused.value.message
    person.refresh_from_db()
    assert person.postal_address == "Dorpsstraat 1\n1234 AB Ergens"


# --- The window starts at the handover ------------------------------------------------------------


def test_printing_a_welcome_letter_does_not_start_the_opt_out_window():
    notice = printed_letter()

    membership = Membership.objects.get(pk=notice.membership_id)
    assert membership.window_ends == dt.date(2026, 12, 10)
    assert not MembershipEvent.objects.filter(reason="window_started").exists()


def test_handing_over_a_welcome_letter_starts_the_window_on_that_day(admin_user):
    notice = printed_letter()

    with time_machine.travel(HANDED, tick=False):
        result = letters_hand_over(notice_ids=[notice.pk], how="info_point", by=admin_user)

    assert result.handed_over == [notice.pk] and result.on == dt.date(2026, 12, 1)
    notice.refresh_from_db()
    assert notice.handed_over_at == HANDED
    assert (notice.handed_over_how, notice.handed_over_by_id) == ("info_point", admin_user.pk)
    assert notice.handed_over_visit_id is None
    assert notice.status == "queued_for_print"
    membership = Membership.objects.get(pk=notice.membership_id)
    assert membership.window_ends == dt.date(2027, 1, 1)
    event = MembershipEvent.objects.get(membership=membership, reason="window_started")
    assert event.data["sent_on"] == "2026-12-01"


def test_a_window_whose_letter_was_not_handed_over_yet_does_not_run_out(admin_user):
    # Printed on 20 November; the provisional window end (10 December) passes while the union
    # still holds the letter: the member has not been told, so the window has not started.
    notice = printed_letter()
    membership = Membership.objects.get(pk=notice.membership_id)
    assert membership.window_waits_for_letter is True

    memberships_advance(today=dt.date(2026, 12, 20))

    membership.refresh_from_db()
    assert membership.status == Membership.Status.ENROLLED
    assert membership_inside_window(membership, today=dt.date(2026, 12, 20))

    # Handed over on 21 December: the window runs from then, and closes a month later.
    with time_machine.travel(dt.datetime(2026, 12, 21, 10, 0, tzinfo=dt.UTC), tick=False):
        letters_hand_over(notice_ids=[notice.pk], how="info_point", by=admin_user)
    membership.refresh_from_db()
    assert (membership.window_waits_for_letter, membership.window_ends) == (
        False,
        dt.date(2027, 1, 21),
    )
    memberships_advance(today=dt.date(2027, 1, 21))
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ENROLLED
    memberships_advance(today=dt.date(2027, 1, 22))
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE


def test_leaving_before_the_letter_was_handed_over_is_as_if_never_a_member():
    notice = printed_letter()
    membership = Membership.objects.get(pk=notice.membership_id)

    membership_opt_out(
        membership=membership, actor="admin", reason="phoned", today=dt.date(2026, 12, 20)
    )

    membership.refresh_from_db()
    assert (membership.status, membership.void) == (Membership.Status.OPTED_OUT, True)


def test_a_letter_is_handed_over_once(admin_user):
    notice = printed_letter()
    with time_machine.travel(HANDED, tick=False):
        letters_hand_over(notice_ids=[notice.pk], how="info_point", by=admin_user)

    with time_machine.travel(HANDED + dt.timedelta(days=9), tick=False):
        again = letters_hand_over(notice_ids=[notice.pk], how="info_point", by=UnionAdminFactory())

    assert (again.handed_over, again.already) == ([], [notice.pk])
    notice.refresh_from_db()
    assert notice.handed_over_at == HANDED and notice.handed_over_by_id == admin_user.pk
    assert Membership.objects.get(pk=notice.membership_id).window_ends == dt.date(2027, 1, 1)
    assert MembershipEvent.objects.filter(reason="window_started").count() == 1


def test_a_handover_never_shortens_a_window(admin_user):
    notice = printed_letter()
    Membership.objects.filter(pk=notice.membership_id).update(window_ends=dt.date(2027, 3, 1))

    with time_machine.travel(HANDED, tick=False):
        letters_hand_over(notice_ids=[notice.pk], how="info_point", by=admin_user)

    assert Membership.objects.get(pk=notice.membership_id).window_ends == dt.date(2027, 3, 1)


def test_posting_needs_a_postal_address_and_a_refusal_records_nothing(admin_user):
    with_address = printed_letter(postal_address="Dorpsstraat 1\n1234 AB Ergens")
    without = printed_letter()

    with time_machine.travel(HANDED, tick=False):
        with pytest.raises(ApplicationError) as refused:
            letters_hand_over(notice_ids=[with_address.pk, without.pk], how="post", by=admin_user)
        assert refused.value.code == "letter_no_postal_address"
        assert refused.value.detail == {"ids": [without.pk]}
        assert not Notice.objects.filter(handed_over_at__isnull=False).exists()

        posted = letters_hand_over(notice_ids=[with_address.pk], how="post", by=admin_user)

    assert posted.handed_over == [with_address.pk]
    assert Notice.objects.get(pk=with_address.pk).handed_over_how == "post"
    assert Notice.objects.get(pk=without.pk).handed_over_at is None


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("sms", "not_a_printed_letter"),
        ("future", "letter_handover_in_future"),
        ("before_print", "letter_handover_before_print"),
        ("how", "letter_handover_unknown"),
        ("visit_missing", "letter_handover_visit_missing"),
    ],
)
def test_a_handover_that_cannot_be_true_is_refused_and_changes_nothing(admin_user, case, code):
    notice = printed_letter()
    arguments = {"notice_ids": [notice.pk], "how": "info_point", "by": admin_user}
    if case == "sms":
        sent = NoticeFactory(status="sent", channel="sms")
        arguments["notice_ids"] = [notice.pk, sent.pk]
    elif case == "future":
        arguments["on"] = dt.date(2026, 12, 2)
    elif case == "before_print":
        arguments["on"] = dt.date(2026, 11, 19)
    elif case == "how":
        arguments["how"] = "through the agency"
    elif case == "visit_missing":
        arguments["how"] = "visit"

    with time_machine.travel(HANDED, tick=False), pytest.raises(ApplicationError) as refused:
        letters_hand_over(**arguments)

    assert refused.value.code == code
    assert not Notice.objects.filter(handed_over_at__isnull=False).exists()
    assert not MembershipEvent.objects.filter(reason="window_started").exists()


def test_window_closing_notice_waits_until_the_welcome_letter_was_handed_over(admin_user):
    notice = printed_letter()
    Membership.objects.filter(pk=notice.membership_id).update(window_ends=dt.date(2027, 1, 1))
    today = dt.date(2026, 12, 30)

    before = window_closing_notices_record(today=today)
    with time_machine.travel(HANDED, tick=False):
        letters_hand_over(notice_ids=[notice.pk], how="info_point", by=admin_user)
    after = window_closing_notices_record(today=today)

    assert before == []
    assert len(after) == 1


def test_an_earlier_handover_day_counts_from_that_day(admin_user):
    notice = printed_letter(postal_address="Dorpsstraat 1\n1234 AB Ergens")

    with time_machine.travel(HANDED, tick=False):
        result = letters_hand_over(
            notice_ids=[notice.pk], how="post", by=admin_user, on=dt.date(2026, 11, 27)
        )

    assert result.on == dt.date(2026, 11, 27)
    assert Membership.objects.get(pk=notice.membership_id).window_ends == dt.date(2026, 12, 27)
    notice.refresh_from_db()
    assert notice.handed_over_at == dt.datetime(2026, 11, 27, 11, 0, tzinfo=dt.UTC)


def test_letters_are_stored_under_ids_only(tmp_path):
    notice = printed_letter(first_name="Ștefan", last_name="Țăranu")

    assert notice.document == f"letters/notice-{notice.pk}.pdf"
    assert Path(default_storage.path(notice.document)).exists()


def test_undoing_a_leave_withdraws_its_letter_only_while_the_union_still_holds_it(admin_user):
    from notifications.services.records import opt_out_notice_withdraw

    held, handed = (
        NoticeFactory(
            kind="opt_out",
            status="queued_for_print",
            channel="letter",
            membership=MembershipFactory(status=Membership.Status.ENROLLED),
        )
        for _ in range(2)
    )
    Notice.objects.filter(pk=handed.pk).update(handed_over_at=HANDED, handed_over_how="post")

    for notice in (held, handed):
        opt_out_notice_withdraw(membership_id=notice.membership_id, spell=1)

    assert Notice.objects.get(pk=held.pk).status == "cancelled"
    assert Notice.objects.get(pk=handed.pk).status == "queued_for_print"
