from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from enrolment.models import Membership
from enrolment.services import roster_import_path
from notifications import tasks
from notifications.catalogs import LANGUAGES
from notifications.models import Notice
from notifications.rendering import NoticeFacts, notice_render
from notifications.services import (
    notice_deliver,
    phase_change_notices_record,
    rights_reminders_record,
)
from tests.employers.factories import OrganisationFactory
from tests.enrolment.factories import (
    EnrolmentPolicyFactory,
    MembershipFactory,
    PayrollLineFactory,
    PersonFactory,
    RosterUploadFactory,
)
from tests.notifications.factories import NoticeFactory

pytestmark = pytest.mark.django_db
DAYTIME = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


def welcomed(sent_at: dt.datetime, **membership_kwargs) -> Membership:
    """A membership whose welcome notice went out at ``sent_at``."""
    membership = MembershipFactory(status=Membership.Status.ACTIVE, **membership_kwargs)
    NoticeFactory(membership=membership, status=Notice.Status.SENT, sent_at=sent_at)
    return membership


def reminders() -> list[Notice]:
    return list(Notice.objects.filter(kind="rights_reminder").order_by("id"))


# --- Yearly rights reminder ----------------------------------------------------------------------


def test_a_member_welcomed_a_year_ago_is_reminded_of_their_rights_once():
    membership = welcomed(dt.datetime(2025, 11, 20, 9, 0, tzinfo=dt.UTC))

    first = rights_reminders_record(today=dt.date(2026, 11, 20))
    again = rights_reminders_record(today=dt.date(2026, 11, 21))

    assert (first, again) == (1, 0)
    (notice,) = reminders()
    assert notice.membership_id == membership.pk
    assert notice.subject == f"rights:{membership.pk}:2026"


def test_no_reminder_before_the_first_anniversary_of_the_welcome():
    welcomed(dt.datetime(2025, 11, 21, 9, 0, tzinfo=dt.UTC))

    assert rights_reminders_record(today=dt.date(2026, 11, 20)) == 0


def test_a_missed_day_is_caught_up_and_the_next_year_is_told_again():
    membership = welcomed(dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC))

    rights_reminders_record(today=dt.date(2025, 3, 4))
    rights_reminders_record(today=dt.date(2026, 3, 1))

    assert [n.subject for n in reminders()] == [
        f"rights:{membership.pk}:2025",
        f"rights:{membership.pk}:2026",
    ]


@pytest.mark.parametrize(
    "status", [Membership.Status.OPTED_OUT, Membership.Status.LAPSED, Membership.Status.MERGED]
)
def test_no_reminder_for_a_membership_that_is_not_live(status):
    membership = welcomed(dt.datetime(2025, 1, 5, 9, 0, tzinfo=dt.UTC))
    Membership.objects.filter(pk=membership.pk).update(status=status)

    assert rights_reminders_record(today=dt.date(2026, 11, 20)) == 0


def test_no_reminder_where_the_welcome_never_went_out():
    membership = MembershipFactory(status=Membership.Status.ACTIVE)
    NoticeFactory(membership=membership, status=Notice.Status.FAILED)

    assert rights_reminders_record(today=dt.date(2030, 1, 1)) == 0


def test_the_reminder_points_to_the_rights_page_and_is_dropped_if_the_member_left(
    settings, sms_outbox
):
    settings.UNIONROLL_PORTAL_BASE_URL = "https://leden.bond.example"
    staying = welcomed(dt.datetime(2025, 11, 1, 9, 0, tzinfo=dt.UTC))
    leaving = welcomed(dt.datetime(2025, 11, 1, 9, 0, tzinfo=dt.UTC))
    tasks.rights_reminders_record_task.delay().get()
    Membership.objects.filter(pk=leaving.pk).update(status=Membership.Status.OPTED_OUT)

    with time_machine.travel(DAYTIME, tick=False):
        outcomes = {n.membership_id: notice_deliver(notice_id=n.pk).status for n in reminders()}

    assert outcomes == {staying.pk: "sent", leaving.pk: "cancelled"}
    (message,) = sms_outbox()
    assert message["to"] == staying.person.phone
    assert "https://leden.bond.example/my/rights/" in message["text"]
    assert "płaca minimalna" in message["text"]


# --- Phase change ------------------------------------------------------------------------------


def line(person, sector, *, phase, period_start, organisation=None, **kwargs):
    upload = RosterUploadFactory(
        organisation=organisation or OrganisationFactory(),
        period_start=period_start,
        period_end=period_start + dt.timedelta(days=6),
    )
    return PayrollLineFactory(
        upload=upload, person=person, sector=sector, cao_phase=phase, **kwargs
    )


def test_a_member_whose_phase_changed_since_the_previous_period_is_told_once(meat):
    membership = MembershipFactory(sector=meat, status=Membership.Status.ACTIVE)
    line(membership.person, meat, phase="A", period_start=dt.date(2026, 11, 2))
    current = line(membership.person, meat, phase=" b ", period_start=dt.date(2026, 11, 9))

    first = phase_change_notices_record(upload_id=current.upload_id)
    again = phase_change_notices_record(upload_id=current.upload_id)

    assert (first, again) == (1, 0)
    notice = Notice.objects.get(kind="phase_change")
    assert notice.subject == f"phase:{membership.pk}:B"
    assert notice.data == {"phase": "B", "previous": "A"}


@pytest.mark.parametrize(
    ("previous", "now"), [("A", "A"), ("a", "A"), ("", "B"), ("A", ""), (None, "B")]
)
def test_no_phase_notice_without_a_change_between_two_filled_in_phases(meat, previous, now):
    membership = MembershipFactory(sector=meat, status=Membership.Status.ACTIVE)
    if previous is not None:
        line(membership.person, meat, phase=previous, period_start=dt.date(2026, 11, 2))
    current = line(membership.person, meat, phase=now, period_start=dt.date(2026, 11, 9))

    assert phase_change_notices_record(upload_id=current.upload_id) == 0


def test_no_phase_notice_for_someone_who_opted_out(meat):
    membership = MembershipFactory(sector=meat, status=Membership.Status.OPTED_OUT)
    line(membership.person, meat, phase="A", period_start=dt.date(2026, 11, 2))
    current = line(membership.person, meat, phase="B", period_start=dt.date(2026, 11, 9))

    assert phase_change_notices_record(upload_id=current.upload_id) == 0


def test_the_phase_notice_explains_the_new_phase_in_the_members_language(meat, sms_outbox):
    membership = MembershipFactory(
        sector=meat,
        status=Membership.Status.ACTIVE,
        person=PersonFactory(language="ro", phone=None),
    )
    line(membership.person, meat, phase="B", period_start=dt.date(2026, 11, 2))
    current = line(membership.person, meat, phase="C", period_start=dt.date(2026, 11, 9))
    phase_change_notices_record(upload_id=current.upload_id)
    notice = Notice.objects.get(kind="phase_change")

    from django.core import mail

    with time_machine.travel(DAYTIME, tick=False):
        assert notice_deliver(notice_id=notice.pk).status == "sent"

    (message,) = mail.outbox
    assert message.subject == "Acum ești în faza C"
    assert "contract pe perioadă nedeterminată" in message.body
    assert "/my/rights/" in message.body


def test_a_roster_that_moves_a_worker_to_the_next_phase_records_the_notice_on_commit(
    tmp_path, meat, django_capture_on_commit_callbacks
):
    EnrolmentPolicyFactory(sector=meat)
    agency = OrganisationFactory(sectors=[meat])
    header = (
        "worker_number,first_name,last_name,date_of_birth,period_start,period_end,"
        "cao_phase,hours_worked,gross_wages\n"
    )
    weeks = [
        ("2026-11-02", "2026-11-08", "A"),
        ("2026-11-09", "2026-11-15", "B"),
    ]
    for start, end, phase in weeks:
        path = tmp_path / f"week-{start}.csv"
        path.write_text(
            header + f"004211,Łukasz,Wróbel,1990-05-17,{start},{end},{phase},38.00,558.98\n",
            encoding="utf-8",
        )
        with django_capture_on_commit_callbacks(execute=True):
            upload = roster_import_path(organisation=agency, path=path)
        assert upload.status == "applied", upload.errors

    notice = Notice.objects.get(kind="phase_change")
    assert notice.data["phase"] == "B"


# --- Texts ----------------------------------------------------------------------------------------

RIGHTS_FACTS = [
    (
        "rights_reminder",
        NoticeFacts(first_name="Ana", extra={"rights_url": "https://x/my/rights/"}),
    ),
    *[
        (
            "phase_change",
            NoticeFacts(
                first_name="Ana",
                extra={
                    "phase": phase,
                    "phase_explained": explained,
                    "rights_url": "https://x/my/rights/",
                },
            ),
        )
        for phase, explained in [("A", "A"), ("B", "B"), ("C", "C"), ("3", "")]
    ],
]


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_no_line_of_a_rights_notice_is_left_in_english(language):
    for kind, facts in RIGHTS_FACTS:
        english = notice_render(kind=kind, language="en", facts=facts, today=DAYTIME.date())
        other = notice_render(kind=kind, language=language, facts=facts, today=DAYTIME.date())
        english_lines = {line for p in english.paragraphs for line in p.splitlines()}
        other_lines = {line for p in other.paragraphs for line in p.splitlines()}
        assert english_lines & other_lines <= {"Bond voor Uitzendkrachten (demo)"}, kind
        assert other.subject != english.subject
        assert other.sms != english.sms
