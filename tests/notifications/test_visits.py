from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from enrolment.models import Membership
from notifications import tasks
from notifications.catalogs import LANGUAGES
from notifications.models import Notice, OrganisationNotice, WorkplaceVisit
from notifications.rendering import NoticeFacts, notice_render
from notifications.services import (
    notice_deliver,
    notices_dispatch_batch,
    visit_cancel,
    visit_notices_record,
    visit_reschedule,
    visit_schedule,
)
from notifications.services.visits import LanguageNames
from tests.employers.factories import OrganisationFactory, SectorFactory, SiteFactory
from tests.enrolment.factories import MembershipFactory, PersonFactory, RosterUploadFactory
from tests.notifications.factories import recent_line

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
# Friday 20 November 2026, 11:00 in Amsterdam.
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
# Thursday 3 December 2026, 12:00-14:00 in Amsterdam.
STARTS = dt.datetime(2026, 12, 3, 11, 0, tzinfo=dt.UTC)
ENDS = dt.datetime(2026, 12, 3, 13, 0, tzinfo=dt.UTC)
# Monday 30 November, 13:00 in Amsterdam: after the notices' not_before (3 days ahead).
NOTICE_DAY = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def site():
    hirer = OrganisationFactory(
        kind="hirer", name="Vleesfabriek Oss B.V.", contact_email="receptie@vlees.example"
    )
    return SiteFactory(
        hirer=hirer,
        name="Vleesfabriek Oss",
        address="Industrieweg 1, 5349 AB Oss",
        sector=SectorFactory(code="meat"),
    )


def member_at(site, *, status=Membership.Status.ACTIVE, period_end=dt.date(2026, 11, 22), **kw):
    """A person with a live membership in the site's sector and a recent line at the site."""
    person = kw.pop("person", None) or PersonFactory()
    membership = MembershipFactory(person=person, sector=site.sector, status=status)
    recent_line(person=person, site=site, period_end=period_end, **kw)
    return membership


def schedule(site, capture, **kwargs):
    arguments = {
        "site": site,
        "starts_at": STARTS,
        "ends_at": ENDS,
        "place": "Kantine, gebouw B",
        "languages": ["pl", "ro"],
        "note": "Koffie staat klaar.",
    } | kwargs
    with capture(execute=True):
        return visit_schedule(**arguments)


def visit_notices(visit, version=None):
    subject = f"visit:{visit.pk}:v{version or visit.version}"
    return Notice.objects.filter(kind="visit", subject=subject)


def send_all(at):
    """Deliver every due notice the dispatcher hands out at ``at``."""
    with time_machine.travel(at, tick=False):
        for notice_id in notices_dispatch_batch(now=at):
            notice_deliver(notice_id=notice_id, now=at)


# --- Who is told --------------------------------------------------------------------------------


def test_recipients_are_live_members_with_recent_current_payroll_lines_at_the_site(
    now, site, django_capture_on_commit_callbacks
):
    told = member_at(site)
    on_the_boundary = member_at(site, period_end=dt.date(2026, 10, 8))  # visit day - 8 weeks
    enrolled = member_at(site, status=Membership.Status.ENROLLED)
    rejoined = member_at(site, status=Membership.Status.OPTED_IN)
    too_long_ago = member_at(site, period_end=dt.date(2026, 10, 4))
    opted_out = member_at(site, status=Membership.Status.OPTED_OUT)
    lapsed = member_at(site, status=Membership.Status.LAPSED)
    merged_away = member_at(site, person=PersonFactory(merged_into=PersonFactory()))
    elsewhere = MembershipFactory(sector=site.sector)
    recent_line(person=elsewhere.person, site=SiteFactory(sector=site.sector))
    corrected = member_at(site)
    corrected.person.payroll_lines.update(superseded_by=RosterUploadFactory())
    # A line at the site in another sector than the person's membership: no live membership
    # in the sector the person worked in there.
    other_sector = MembershipFactory(sector=SectorFactory(code="dc"))
    recent_line(person=other_sector.person, site=site)

    visit = schedule(site, django_capture_on_commit_callbacks)

    assert set(visit_notices(visit).values_list("membership_id", flat=True)) == {
        told.pk,
        on_the_boundary.pk,
        enrolled.pk,
        rejoined.pk,
    }
    excluded = {too_long_ago, opted_out, lapsed, merged_away, elsewhere, corrected, other_sector}
    assert not Notice.objects.filter(
        kind="visit", membership_id__in=[m.pk for m in excluded]
    ).exists()


def test_a_member_with_several_lines_and_agencies_at_the_site_gets_one_notice(
    now, site, django_capture_on_commit_callbacks
):
    membership = member_at(site)
    recent_line(person=membership.person, site=site, period_end=dt.date(2026, 11, 15))
    recent_line(person=membership.person, site=site, period_end=dt.date(2026, 11, 22))

    visit = schedule(site, django_capture_on_commit_callbacks)

    assert visit_notices(visit).filter(person=membership.person).count() == 1


def test_members_are_told_the_configured_days_ahead_or_at_once_when_that_has_passed(
    now, site, django_capture_on_commit_callbacks
):
    member_at(site)

    ahead = schedule(site, django_capture_on_commit_callbacks)
    soon = schedule(
        site,
        django_capture_on_commit_callbacks,
        starts_at=NOW + dt.timedelta(days=1),
        ends_at=NOW + dt.timedelta(days=1, hours=2),
    )

    assert visit_notices(ahead).get().not_before == STARTS - dt.timedelta(days=3)
    assert visit_notices(soon).get().not_before == NOW


def test_recording_twice_adds_no_second_notice(now, site, django_capture_on_commit_callbacks):
    agency = OrganisationFactory()
    member_at(site, organisation=agency)
    member_at(site, organisation=agency, period_end=dt.date(2026, 11, 15))
    visit = schedule(site, django_capture_on_commit_callbacks)

    again = tasks.visit_notices_record_task.delay(visit.pk, visit.version).get()

    assert again == 0
    assert visit_notices(visit).count() == 2
    # The hirer and the one agency, once each.
    assert OrganisationNotice.objects.filter(subject=f"visit:{visit.pk}:v1").count() == 2


def test_a_task_for_a_replaced_version_records_nothing(
    now, site, django_capture_on_commit_callbacks
):
    member_at(site)
    visit = schedule(site, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        visit_reschedule(visit_id=visit.pk, place="Poort 3")

    assert visit_notices_record(visit_id=visit.pk, version=1) == 0


# --- Sending ----------------------------------------------------------------------------------


def test_nothing_is_sent_before_the_notice_day(now, site, django_capture_on_commit_callbacks):
    member_at(site)
    schedule(site, django_capture_on_commit_callbacks)

    assert notices_dispatch_batch(now=NOW) == []


def test_the_notice_names_the_visit_in_the_members_language(
    now, site, django_capture_on_commit_callbacks, sms_outbox
):
    membership = member_at(site, person=PersonFactory(language="pl", phone=None))
    schedule(site, django_capture_on_commit_callbacks)

    send_all(NOTICE_DAY)

    (message,) = [m for m in mail.outbox if m.to == [membership.person.email]]
    assert message.subject == "Wizyta związku w Twoim miejscu pracy w dniu 3 grudnia 2026"
    body = message.body
    assert "Kiedy: 3 grudnia 2026, od 12:00 do 14:00" in body
    assert "Gdzie: Vleesfabriek Oss, Industrieweg 1, 5349 AB Oss" in body
    assert "Miejsce spotkania: Kantine, gebouw B" in body
    assert "Ludzie ze związku znają języki: polski, rumuński" in body
    assert "Wiadomość od związku: Koffie staat klaar." in body
    assert "Udział jest dobrowolny" in body
    assert Notice.objects.get(kind="visit").status == Notice.Status.SENT


def test_quiet_hours_hold_visit_notices_back_until_eight(
    site, django_capture_on_commit_callbacks, sms_outbox
):
    member_at(site)
    evening = dt.datetime(2026, 12, 2, 21, 30, tzinfo=AMS)
    with time_machine.travel(evening - dt.timedelta(hours=1), tick=False):
        visit = schedule(
            site,
            django_capture_on_commit_callbacks,
            starts_at=dt.datetime(2026, 12, 3, 12, 0, tzinfo=AMS),
            ends_at=dt.datetime(2026, 12, 3, 14, 0, tzinfo=AMS),
            notify_days_ahead=0,
        )
    notice = visit_notices(visit).get()

    with time_machine.travel(evening, tick=False):
        assert notices_dispatch_batch(now=evening) == []
        outcome = notice_deliver(notice_id=notice.pk, now=evening)

    assert outcome.status == Notice.Status.DEFERRED
    assert outcome.retry_at == dt.datetime(2026, 12, 3, 8, 0, tzinfo=AMS)
    assert sms_outbox() == []


# --- Rescheduling and cancelling ----------------------------------------------------------------


def test_rescheduling_tells_those_told_at_once_and_replaces_unsent_notices(
    now, site, django_capture_on_commit_callbacks, sms_outbox
):
    early = member_at(site)
    visit = schedule(site, django_capture_on_commit_callbacks)
    send_all(NOTICE_DAY)
    late = member_at(site, period_end=dt.date(2026, 11, 29))
    with time_machine.travel(NOTICE_DAY, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            visit_reschedule(visit_id=visit.pk, place="Poort 3")
        # Moved again while the v2 notices still wait.
        with django_capture_on_commit_callbacks(execute=True):
            visit_reschedule(
                visit_id=visit.pk,
                starts_at=STARTS + dt.timedelta(days=1),
                ends_at=ENDS + dt.timedelta(days=1),
            )

    v2 = {n.person_id: n for n in visit_notices(visit, 2)}
    v3 = {n.person_id: n for n in visit_notices(visit, 3)}
    assert v2[early.person_id].data["change"] == "rescheduled"
    assert v2[early.person_id].not_before == NOTICE_DAY
    assert v2[late.person_id].data["change"] == "new"
    assert v2[late.person_id].status == Notice.Status.CANCELLED
    assert v3[late.person_id].data["change"] == "new"
    assert v3[late.person_id].data["visit"]["place"] == "Poort 3"
    # "early" heard of v2 (Poort 3, 3 December) only if its notice went out; it has not yet,
    # so v3 tells them as someone told of v1.
    assert v3[early.person_id].data["change"] == "rescheduled"
    assert v2[early.person_id].status == Notice.Status.CANCELLED


def test_a_rescheduled_visit_reaches_a_member_told_before_who_has_left_the_site(
    now, site, django_capture_on_commit_callbacks, sms_outbox
):
    membership = member_at(site)
    visit = schedule(site, django_capture_on_commit_callbacks)
    send_all(NOTICE_DAY)
    membership.person.payroll_lines.update(superseded_by=RosterUploadFactory())

    with (
        time_machine.travel(NOTICE_DAY, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        visit_reschedule(visit_id=visit.pk, place="Poort 3")
    send_all(NOTICE_DAY + dt.timedelta(minutes=5))

    notice = visit_notices(visit).get()
    assert notice.status == Notice.Status.SENT
    assert "Poort 3" in sms_outbox()[-1]["text"]
    assert "przeniesiona" in sms_outbox()[-1]["text"]


def test_a_member_who_opted_out_since_hears_nothing_more_about_the_visit(
    now, site, django_capture_on_commit_callbacks, sms_outbox
):
    membership = member_at(site)
    visit = schedule(site, django_capture_on_commit_callbacks)
    send_all(NOTICE_DAY)
    Membership.objects.filter(pk=membership.pk).update(status=Membership.Status.OPTED_OUT)

    with (
        time_machine.travel(NOTICE_DAY, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        visit_cancel(visit_id=visit.pk)

    assert not visit_notices(visit, 2).exists()


def test_changing_only_the_note_does_not_message_those_already_told(
    now, site, django_capture_on_commit_callbacks, sms_outbox
):
    member_at(site)
    visit = schedule(site, django_capture_on_commit_callbacks)
    send_all(NOTICE_DAY)

    with (
        time_machine.travel(NOTICE_DAY, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        visit = visit_reschedule(visit_id=visit.pk, note="Ook thee.")

    assert visit.version == 2
    assert not visit_notices(visit).exists()


def test_cancelling_tells_only_those_told_and_cancels_what_is_still_waiting(
    now, site, django_capture_on_commit_callbacks, sms_outbox
):
    told = member_at(site)
    visit = schedule(site, django_capture_on_commit_callbacks)
    send_all(NOTICE_DAY)
    waiting = member_at(site, period_end=dt.date(2026, 11, 29))
    with (
        time_machine.travel(NOTICE_DAY, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasks.visit_notices_record_task.delay(visit.pk, visit.version)
        with django_capture_on_commit_callbacks(execute=True):
            visit_cancel(visit_id=visit.pk)
    send_all(NOTICE_DAY + dt.timedelta(minutes=5))

    cancelled = visit_notices(visit, 2).get()
    assert cancelled.person_id == told.person_id
    assert cancelled.status == Notice.Status.SENT
    assert "odwołana" in sms_outbox()[-1]["text"]
    assert visit_notices(visit, 1).get(person=waiting.person).status == Notice.Status.CANCELLED


def test_a_pending_notice_whose_visit_changed_since_is_cancelled_when_its_turn_comes(
    now, site, django_capture_on_commit_callbacks, sms_outbox
):
    member_at(site)
    visit = schedule(site, django_capture_on_commit_callbacks)
    notice = visit_notices(visit).get()
    # The version moved on without the task having run yet (a lost message).
    WorkplaceVisit.objects.filter(pk=visit.pk).update(version=2)

    outcome = notice_deliver(notice_id=notice.pk, now=NOTICE_DAY)

    assert outcome.status == Notice.Status.CANCELLED
    assert sms_outbox() == []


# --- Access notices ------------------------------------------------------------------------------


def test_access_notices_go_to_the_hirer_and_the_agencies_supplying_the_site(
    now, site, django_capture_on_commit_callbacks
):
    agency = OrganisationFactory(name="Flexwerk B.V.", billing_email="finance@flexwerk.example")
    member = member_at(site, organisation=agency)
    unrelated = OrganisationFactory(billing_email="x@other.example")
    recent_line(person=member.person, site=SiteFactory(), organisation=unrelated)

    schedule(site, django_capture_on_commit_callbacks)

    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"receptie@vlees.example", "finance@flexwerk.example"}
    hirer_mail = by_address["receptie@vlees.example"]
    assert hirer_mail.subject.startswith("Aankondiging vakbondsbezoek Vleesfabriek Oss")
    assert "Datum: 3 december 2026" in hirer_mail.body
    assert "Date: 3 December 2026" in hirer_mail.body
    assert "Plek op de locatie: Kantine, gebouw B" in hirer_mail.body
    agency_mail = by_address["finance@flexwerk.example"]
    assert "waar uw uitzendkrachten werken" in agency_mail.body
    # Nothing about members, not even who or how many.
    for message in mail.outbox:
        assert member.person.last_name not in message.body
        assert member.person.first_name not in message.body
    assert set(OrganisationNotice.objects.values_list("status", flat=True)) == {"sent"}


def test_an_organisation_without_an_address_is_marked_failed_not_retried(
    now, site, django_capture_on_commit_callbacks
):
    site.hirer.contact_email = ""
    site.hirer.save()

    schedule(site, django_capture_on_commit_callbacks)

    notice = OrganisationNotice.objects.get(organisation=site.hirer)
    assert (notice.status, notice.last_error) == ("failed", "no_address")


def test_an_access_notice_that_failed_for_now_is_retried_with_the_notices_back_off(
    now, site, django_capture_on_commit_callbacks, monkeypatch, settings
):
    from notifications import tasks
    from notifications.channels import TemporaryDeliveryError
    from notifications.channels import mail as mail_channel

    settings.UNIONROLL_NOTICE_RETRY_SECONDS = 60
    real_send = mail_channel.email_send

    def mail_server_down(**kwargs):
        raise TemporaryDeliveryError("email_temporary")

    monkeypatch.setattr(mail_channel, "email_send", mail_server_down)
    schedule(site, django_capture_on_commit_callbacks)
    notice = OrganisationNotice.objects.get(organisation=site.hirer)
    assert (notice.status, notice.last_error) == ("deferred", "email_temporary")
    assert notice.not_before == NOW + dt.timedelta(seconds=60)
    assert tasks.organisation_notices_retry_task.delay().get() == 0  # not yet

    monkeypatch.setattr(mail_channel, "email_send", real_send)
    now.move_to(NOW + dt.timedelta(seconds=61))
    retried = tasks.organisation_notices_retry_task.delay().get()

    notice.refresh_from_db()
    assert retried == 1
    assert (notice.status, notice.attempts) == ("sent", 2)
    assert [m.to for m in mail.outbox] == [["receptie@vlees.example"]]


def test_an_access_notice_whose_channel_raised_is_failed_with_its_type_and_logged_without_its_text(
    now, site, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    from notifications.channels import mail as mail_channel

    address = "receptie" + "@vlees.example"

    def broken_template(**kwargs):
        raise KeyError(f"no greeting for {address}")

    monkeypatch.setattr(mail_channel, "email_send", broken_template)
    schedule(site, django_capture_on_commit_callbacks)

    notice = OrganisationNotice.objects.get(organisation=site.hirer)
    assert (notice.status, notice.last_error) == ("failed", "error_KeyError")
    assert f"organisation_notice {notice.pk}: attempt 1 raised" in caplog.text
    assert "in broken_template" in caplog.text and "builtins.KeyError" in caplog.text
    assert address not in caplog.text


def test_organisations_hear_of_a_move_and_a_cancellation_each_once(
    now, site, django_capture_on_commit_callbacks
):
    visit = schedule(site, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        visit_reschedule(visit_id=visit.pk, note="Andere tekst")
    with django_capture_on_commit_callbacks(execute=True):
        visit_reschedule(visit_id=visit.pk, place="Poort 3")
    with django_capture_on_commit_callbacks(execute=True):
        visit_cancel(visit_id=visit.pk)
    tasks.visit_notices_record_task.delay(visit.pk, 4).get()

    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == 3
    assert "verplaatst" in subjects[1]
    assert "gaat niet door" in subjects[2]


# --- Texts ---------------------------------------------------------------------------------------


VISIT_FACTS = [
    NoticeFacts(
        first_name="Ana",
        extra={
            "change": change,
            "visit_date": dt.date(2026, 12, 3),
            "visit_start": "12:00",
            "visit_end": "14:00",
            "site": "Vleesfabriek Oss",
            "address": address,
            "place": "Kantine",
            "languages": LanguageNames(languages),
            "note": note,
        },
    )
    for change, address, languages, note in [
        ("new", "Industrieweg 1, Oss", ["pl", "ro"], "Koffie."),
        ("new", "", [], ""),
        ("rescheduled", "Industrieweg 1, Oss", ["bg"], ""),
        ("rescheduled", "", [], ""),
        ("cancelled", "", [], ""),
    ]
]


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_no_line_of_a_visit_notice_is_left_in_english(language):
    for facts in VISIT_FACTS:
        english = notice_render(kind="visit", language="en", facts=facts, today=NOW.date())
        other = notice_render(kind="visit", language=language, facts=facts, today=NOW.date())
        english_lines = {line for p in english.paragraphs for line in p.splitlines()}
        other_lines = {line for p in other.paragraphs for line in p.splitlines()}
        assert english_lines & other_lines <= {"Bond voor Uitzendkrachten (demo)"}
        assert other.subject != english.subject
        assert other.sms != english.sms


def test_the_representatives_languages_are_named_in_the_readers_language():
    facts = VISIT_FACTS[0]

    texts = {
        lang: notice_render(kind="visit", language=lang, facts=facts, today=NOW.date()).body
        for lang in ("en", "nl", "ro", "uk")
    }

    assert "Polish, Romanian" in texts["en"]
    assert "Pools, Roemeens" in texts["nl"]
    assert "poloneză, română" in texts["ro"]
    assert "польська, румунська" in texts["uk"]
