"""Demo data for ``make demo``: a sector, two agencies, a hirer with a site, users, rosters of
two fixed weeks, the meat sector's levy scheme, each week's assessment, invoices and state claim,
the example bank statements of docs/examples/ matched against them, and the payment reminders:
what the reconciliation desk (/desk/) needs to show a paid, a partly paid and an overdue invoice
and the unmatched queue.

The weeks are fixed (ISO weeks 41 and 47 of 2026), not relative to today: the example statements
are static files that pay invoices by number and amount, and only fixed rosters give the same
invoice totals on every machine. Each week is billed on the Monday after it, as the daily task
would have; numbers follow from that order (the October week first).

Safe to run again and again: every object is found before it is made, the generated rosters are
the same files, a billed period bills nothing new, and the statements are answered as duplicates.
Refuses to run with ``DJANGO_ENV=production``: the demo passwords below are public.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from employers.models import Organisation, Sector, Site, User
from employers.selectors import organisation_by_kvk
from employers.services import organisation_add, site_add, user_add
from enrolment.credentials import signin_link_create
from enrolment.models import Membership, Person, RosterUpload
from enrolment.services import roster_import_path, sector_add
from levies.bank.services import bank_statement_import
from levies.models import BankEntry, Invoice, InvoiceReminder, LevySchemeVersion, StateClaim
from levies.selectors import (
    bank_entries_unmatched,
    document_settlement,
    documents_to_match,
    invoices_overdue,
)
from levies.services import levies_assess, levy_scheme_load, period_billing_issue
from notifications.models import WorkplaceVisit
from notifications.services import visit_schedule
from notifications.services.reminders import invoice_reminders_send
from unionroll.exceptions import ApplicationError
from unionroll.synthetic import write_roster_csv

SECTOR = {"code": "meat", "name": "Vleessector", "collective_agreement": "CAO Vleessector"}
FLEXKRACHT_KVK = "61234565"
BRABANT_KVK = "73518204"
AGENCIES = (
    {
        "kvk": FLEXKRACHT_KVK,
        "name": "Flexkracht Oost Uitzendbureau B.V.",
        "address": "Stationsplein 4, 7511 JD Enschede",
        "user": "agency1",
    },
    {
        "kvk": BRABANT_KVK,
        "name": "Brabant Personeelsdiensten B.V.",
        "address": "Vughterweg 23, 5211 CK 's-Hertogenbosch",
        "user": "agency2",
    },
)
HIRER = {
    "kvk": "17042981",
    "name": "Vleesverwerking De Meierij B.V.",
    # Told ahead of union visits (the access notice, to the demo outbox).
    "contact_email": "receptie@demeierij.example",
}
SITE = {
    "code": "OSS-01",
    "name": "Slachterij Oss",
    "address": "Industrieweg 12, 5349 AB Oss",
}
# Demo only, printed on every run. Never use these anywhere else.
PASSWORDS = {
    "admin": "demo-union-2026",
    "agency1": "demo-flexkracht",
    "agency2": "demo-brabant",
}
SEED = 2026
# About one row in ten is a second job at the hirer; 1,100 rows give about 1,000 workers.
MAIN_ROSTER_ROWS = 1_100
# The second agency's roster starts with the same people as the first's (same seed): workers who
# came through both agencies, matched to one person each without a BSN.
SECOND_ROSTER_ROWS = 120
SECOND_ROSTER_OFFSET = 50_000


@dataclass(frozen=True)
class DemoWeek:
    label: str
    start: dt.date
    end: dt.date
    # (agency kvk, rows, worker number offset), imported in this order.
    rosters: tuple[tuple[str, int, int], ...]

    @property
    def issue_date(self) -> dt.date:
        # The Monday after the week: the first day the daily task bills a closed period.
        return self.end + dt.timedelta(days=1)


# Week 41 first, and only the second agency: its invoice (2026-000001, due 11 November) is the
# overdue one, its workers' memberships count from that week, and its claim is S2026-000001.
# Then week 47, the week the example statements pay: 2026-000002 (Flexkracht), 2026-000003
# (Brabant), S2026-000002.
WEEKS = (
    DemoWeek(
        "week 41",
        dt.date(2026, 10, 5),
        dt.date(2026, 10, 11),
        ((BRABANT_KVK, SECOND_ROSTER_ROWS, SECOND_ROSTER_OFFSET),),
    ),
    DemoWeek(
        "week 47",
        dt.date(2026, 11, 16),
        dt.date(2026, 11, 22),
        (
            (FLEXKRACHT_KVK, MAIN_ROSTER_ROWS, 0),
            (BRABANT_KVK, SECOND_ROSTER_ROWS, SECOND_ROSTER_OFFSET),
        ),
    ),
)

# The demo's notices go out as the dispatcher would have sent them: on the Monday after the
# last demo week, at 10:00 Dutch time (outside quiet hours).
DEMO_NOTICE_TIME = dt.datetime.combine(
    WEEKS[-1].issue_date, dt.time(10, 0), tzinfo=ZoneInfo("Europe/Amsterdam")
)

# The documents the example statements name, by number: (payer kvk or None for the state
# funder, the week it bills). The statements are imported only when these are what the
# database holds under those numbers.
STATEMENT_DOCUMENTS = {
    "2026-000001": (BRABANT_KVK, WEEKS[0]),
    "2026-000002": (FLEXKRACHT_KVK, WEEKS[1]),
    "2026-000003": (BRABANT_KVK, WEEKS[1]),
    "S2026-000001": (None, WEEKS[0]),
}
# What the desk should show once the statements are in (a check printed, not enforced: the
# statements' amounts are set for the invoice totals of the fixed weeks).
EXPECTED_STATUS = {
    "2026-000001": "open",
    "2026-000002": "paid",
    "2026-000003": "partially_paid",
    "S2026-000001": "paid",
}
EXAMPLES = settings.BASE_DIR / "docs" / "examples"
STATEMENTS = (EXAMPLES / "camt053-example.xml", EXAMPLES / "mt940-example.sta")

# The upload's counts worth a line in the summary, in this order; zeros are left out.
SUMMARY_COUNTS = (
    "persons_created",
    "persons_matched",
    "memberships_enrolled",
    "memberships_kept",
    "possible_duplicates",
    "payroll_lines",
)
# Backends that never reach a mail server: the demo may run the reminders with them.
OFFLINE_EMAIL_BACKENDS = {
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}
DESK_URL = "http://127.0.0.1:8000/desk/"

LEVY_SCHEME = settings.BASE_DIR / "levies" / "examples" / "meat-default-membership.yaml"


def demo_levy_as_of(*, sector: Sector, today: dt.date) -> dt.date:
    """The day the demo assesses its periods as of: today for a scheme that holds nothing (the
    shipped one charges every covered worker at once, base covered_workers); for a per-member
    scheme that holds charges during the opt-out window, the day after the last open window of
    the sector closes (or today, once all are closed).

    Every demo member was enrolled by today's rosters, so a holding scheme assessed as of today
    would hold everything and bill nothing. Assessing as of that later day shows the charges as
    they become due. Only the demo does this: the daily task assesses as of the real date.
    """
    holds = LevySchemeVersion.objects.filter(
        scheme__sector=sector, collect_during_window=False
    ).exists()
    if not holds:
        return today
    last = Membership.objects.filter(sector=sector, status=Membership.Status.ENROLLED).aggregate(
        last=Max("window_ends")
    )["last"]
    return max(today, last + dt.timedelta(days=1)) if last else today


def _shown(path: Path) -> Path:
    return path.relative_to(settings.BASE_DIR) if path.is_relative_to(settings.BASE_DIR) else path


def _status_label(status: str) -> str:
    return {"partially_paid": "partly paid"}.get(status, status.replace("_", " "))


class Command(BaseCommand):
    help = (
        "Load demo data (idempotent): rosters of the fixed weeks 41 and 47 of 2026, their "
        "invoices and state claims (each week billed on the Monday after it), the example bank "
        "statements of docs/examples/ and the payment reminders, so that the reconciliation "
        "desk shows a paid, a partly paid and an overdue invoice and unmatched entries."
    )

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError("demo_load refuses to run with DJANGO_ENV=production.")
        if options["verbosity"] < 2:
            # The summary says what happened; a log line per object would bury it.
            for name in ("employers", "enrolment", "levies", "notifications", "celery"):
                logging.getLogger(name).setLevel(logging.WARNING)

        with transaction.atomic():
            sector = self._sector()
            hirer, site = self._hirer(sector)
            agencies = {spec["kvk"]: self._agency(spec, sector) for spec in AGENCIES}
            self._user("admin", organisation=None)
            for spec in AGENCIES:
                self._user(spec["user"], organisation=agencies[spec["kvk"]])

        imports = [
            (week, *self._roster(week, agencies[kvk], rows, offset, sector, hirer, site))
            for week in WEEKS
            for kvk, rows, offset in week.rosters
        ]
        levies = self._levies(sector)
        statements = self._statements()
        reminders = self._reminders()
        self._notice_counts = self._notices()
        self._visit = self._workplace_visit(site)
        self._summary(imports, levies, statements, reminders)
        self._portal_summary()

    # Each helper finds the object first and creates it through the employers services only
    # when it is missing: that is what makes a second run a no-op.

    def _sector(self) -> Sector:
        sector = Sector.objects.filter(code=SECTOR["code"]).first()
        if sector is None:
            sector = sector_add(**SECTOR)
        return sector

    def _hirer(self, sector: Sector) -> tuple[Organisation, Site]:
        hirer = organisation_by_kvk(HIRER["kvk"]) or organisation_add(
            kvk=HIRER["kvk"],
            name=HIRER["name"],
            kind=Organisation.Kind.HIRER,
            sector_codes=[sector.code],
            contact_email=HIRER["contact_email"],
        )
        site = Site.objects.filter(hirer=hirer, code=SITE["code"]).first() or site_add(
            hirer_kvk=hirer.kvk,
            code=SITE["code"],
            name=SITE["name"],
            sector_code=sector.code,
            address=SITE["address"],
        )
        return hirer, site

    def _agency(self, spec: dict[str, str], sector: Sector) -> Organisation:
        # No billing e-mail: the overdue invoice's reminder is recorded as "no contact", which
        # the desk lists, and the demo never mails anyone.
        return organisation_by_kvk(spec["kvk"]) or organisation_add(
            kvk=spec["kvk"],
            name=spec["name"],
            kind=Organisation.Kind.AGENCY,
            sector_codes=[sector.code],
            address=spec["address"],
        )

    def _user(self, username: str, *, organisation: Organisation | None) -> User:
        # A demo user whose password was changed keeps it: the password below is set only once.
        return User.objects.filter(username=username).first() or user_add(
            username=username,
            email=f"{username}@example.org",
            password=PASSWORDS[username],
            organisation=organisation,
            union_admin=organisation is None,
        )

    def _roster(
        self,
        week: DemoWeek,
        agency: Organisation,
        rows: int,
        offset: int,
        sector: Sector,
        hirer: Organisation,
        site: Site,
    ) -> tuple[Organisation, Path, int, int, RosterUpload]:
        placements = ((hirer.kvk, site.code),) * 4 + ((None, None),)
        path = settings.DATA_DIR / "demo" / f"roster-{agency.kvk}-{week.start:%G-W%V}.csv"
        workers = write_roster_csv(
            path,
            rows=rows,
            seed=SEED,
            period_start=week.start,
            period_end=week.end,
            organisation_sectors=(sector.code,),
            hirer_kvks_and_sites=placements,
            worker_number_offset=offset,
        )
        upload = roster_import_path(organisation=agency, path=path, source="cli")
        if upload.status == RosterUpload.Status.REJECTED:
            codes = Counter(error.get("code") for error in upload.errors)
            raise CommandError(
                f"The generated roster {path} was rejected with {upload.error_count} "
                f"errors ({dict(codes)}); this is a bug in the demo or the importer."
            )
        return agency, path, rows, workers, upload

    def _levies(self, sector: Sector) -> dict[str, Any]:
        # Each step is idempotent: the scheme file loads once, an unchanged period is not
        # assessed again, and a billed period bills nothing new. Both weeks are assessed as of
        # the same day, after all the demo members' windows have closed.
        try:
            levy_scheme_load(path=LEVY_SCHEME)
        except ApplicationError as exc:
            if exc.code != "levy_scheme_version_changed":
                raise
            # A database from the demo of an earlier release, whose example scheme had other
            # terms: a loaded version is never rewritten, so the demo cannot go on in it.
            raise CommandError(
                "This database holds the demo of an earlier release, with a levy scheme whose "
                f"terms have changed since ({_shown(LEVY_SCHEME)}). Start the demo afresh: "
                "delete the embedded database (.data/pg) or set UNIONROLL_DB_NAME to a new "
                "name, then run make demo again."
            ) from exc
        today = timezone.localdate()
        as_of = demo_levy_as_of(sector=sector, today=today)
        weeks = []
        for week in WEEKS:
            assessed = levies_assess(period_start=week.start, period_end=week.end, today=as_of)
            billed = period_billing_issue(
                period_start=week.start, period_end=week.end, issue_date=week.issue_date
            )
            weeks.append((week, assessed, billed))
        return {"as_of": as_of, "today": today, "weeks": weeks}

    def _statement_documents_mismatch(self) -> list[str]:
        """The numbers the example statements pay that name something else in this database
        (an earlier demo billed other weeks first): importing would pay the wrong documents."""
        wrong = []
        for number, (kvk, week) in STATEMENT_DOCUMENTS.items():
            if kvk is None:
                document = StateClaim.objects.filter(reference=number).first()
                payer_ok = True
            else:
                document = (
                    Invoice.objects.filter(number=number, kind=Invoice.Kind.INVOICE)
                    .select_related("payer_organisation")
                    .first()
                )
                payer_ok = document is not None and document.payer_organisation.kvk == kvk
            if (
                document is None
                or not payer_ok
                or (document.period_start, document.period_end) != (week.start, week.end)
            ):
                wrong.append(number)
        return wrong

    def _statements(self) -> dict[str, Any]:
        wrong = self._statement_documents_mismatch()
        if wrong:
            return {"skipped": wrong, "files": []}
        files = []
        for path in STATEMENTS:
            try:
                result = bank_statement_import(data=path.read_bytes(), filename=path.name)
            except ApplicationError as exc:
                raise CommandError(
                    f"The example statement {_shown(path)} was refused: {exc.message}"
                ) from exc
            files.append((path, result))
        return {"skipped": [], "files": files}

    def _reminders(self) -> dict[str, Any]:
        """Run the daily reminders task, unless it could reach a real mail server: with the
        SMTP backend it runs only when no overdue invoice has a billing e-mail to send to."""
        backend = settings.EMAIL_BACKEND
        if backend not in OFFLINE_EMAIL_BACKENDS:
            today = timezone.localdate()
            if any(
                row["invoice"].payer_organisation.billing_email
                for row in invoices_overdue(today=today)
            ):
                return {"skipped": backend}
        return {"skipped": None, "counts": invoice_reminders_send()}

    def _workplace_visit(self, site: Site) -> WorkplaceVisit:
        # A union visit a week from today at the demo site, so the members' portal shows one;
        # its notices to members are due three days before it. One upcoming visit is enough:
        # a second run finds it.
        now = timezone.now()
        upcoming = WorkplaceVisit.objects.filter(
            site=site, status=WorkplaceVisit.Status.SCHEDULED, starts_at__gt=now
        ).first()
        if upcoming is not None:
            return upcoming
        day = timezone.localdate(now) + dt.timedelta(days=7)
        if day.isoweekday() > 5:  # a weekday: Saturday and Sunday move to Monday
            day += dt.timedelta(days=8 - day.isoweekday())
        starts_at = dt.datetime.combine(day, dt.time(12, 0), tzinfo=ZoneInfo("Europe/Amsterdam"))
        return visit_schedule(
            site=site,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=2),
            place="Kantine, gebouw B",
            languages=["pl", "ro", "nl"],
            note="De vertegenwoordigers zijn er in de lunchpauze.",
            # Phrases every member reads in their own language (docs/notifications.md).
            place_phrase="canteen",
            note_phrases=["break", "private"],
        )

    def _portal_summary(self) -> None:
        # A member with a phone who is still inside the opt-out window: the portal then says they
        # can leave at any time, and that leaving by the window's end is as if they had never
        # been a member. The link is single-use and valid for 15 minutes.
        out = self.stdout.write
        enrolled = Membership.objects.filter(
            status=Membership.Status.ENROLLED, person__phone__isnull=False
        ).order_by("id")
        # Preferably one who reads Romanian or Polish, as most of the demo's workers.
        membership = enrolled.filter(person__language__in=["ro", "pl"]).first() or enrolled.first()
        visit = self._visit
        out(self.style.MIGRATE_HEADING("\nMember portal (for members, on a phone)"))
        starts = timezone.localtime(visit.starts_at)
        out(f"  union visit at {visit.site.name}: {starts:%A} {starts.day} {starts:%B %Y, %H:%M}")
        if membership is None:
            out("  no enrolled member with a phone number: no sign-in link to print")
            return
        link = signin_link_create(membership_id=membership.pk, channel="sms")
        minutes = settings.UNIONROLL_SIGNIN_LINK_MINUTES
        out(
            f"  sign-in link for demo member #{membership.pk}, who reads "
            f"{membership.person.language} (once, within {minutes} minutes):"
        )
        out(f"  {link}")
        out(
            "  a new one: run demo_load again, or ask for one at http://127.0.0.1:8000/my/ with "
            "the member's phone number (the SMS lands in the outbox above)"
        )
        out("")

    # --- the summary ---------------------------------------------------------------------------

    def _notices(self) -> dict[str, int]:
        # What the dispatcher (beat, every few minutes) would have done on the Monday morning
        # after the last demo week: hand the due notices (the welcomes) to delivery, which runs
        # at once here (no broker). The demo keeps that fixed clock, like its billing days, so
        # the outbox fills whatever the hour of the run; real runs wait out quiet hours
        # (21:00-08:00 Dutch time), which tests/notifications prove.
        from notifications.models import Notice
        from notifications.services import notice_deliver, notices_dispatch_batch

        while ids := notices_dispatch_batch(now=DEMO_NOTICE_TIME):
            for notice_id in ids:
                notice_deliver(notice_id=notice_id, now=DEMO_NOTICE_TIME)
        return dict(Notice.objects.values_list("status").annotate(n=models.Count("id")).order_by())

    def _notices_summary(self, notices: dict[str, int]) -> None:
        out = self.stdout.write
        out(self.style.MIGRATE_HEADING("\nNotices to members (welcome, in their own language)"))
        out(f"  delivered as on {DEMO_NOTICE_TIME:%A %d %B %Y, %H:%M} Dutch time (demo clock)")
        for status, count in sorted(notices.items()):
            out(f"  {status}: {count}")
        out(
            f"  outbox: {settings.UNIONROLL_SMS_FILE_PATH} (SMS), {settings.EMAIL_FILE_PATH} "
            f"(e-mail), {settings.MEDIA_ROOT}/letters (letters to print)"
        )

    def _summary(self, imports, levies, statements, reminders) -> None:
        out = self.stdout.write
        style = self.style
        periods = " and ".join(f"{week.start} to {week.end}" for week in WEEKS)
        out(style.MIGRATE_HEADING(f"\nDemo data loaded (pay periods {periods})"))
        for week, agency, path, rows, workers, upload in imports:
            counts = upload.counts or {}
            detail = ", ".join(
                f"{key.replace('_', ' ')} {counts[key]}"
                for key in SUMMARY_COUNTS
                if counts.get(key)
            )
            out(f"  {week.label}  {agency.name} ({agency.kvk}): {_shown(path)}")
            out(f"    {rows} rows, {workers} workers -> upload #{upload.pk} {upload.status}")
            if upload.status == RosterUpload.Status.DUPLICATE:
                out("    (the same file was imported before: nothing changed)")
            elif detail:
                out(f"    {detail}")
        statuses = Counter(Membership.objects.values_list("status", flat=True))
        uploads = Counter(RosterUpload.objects.values_list("status", flat=True))
        out(f"\n  persons: {Person.objects.count()}")
        out(
            "  memberships: "
            + (", ".join(f"{status} {n}" for status, n in sorted(statuses.items())) or "none")
        )
        out(
            "  roster uploads: "
            + (", ".join(f"{status} {n}" for status, n in sorted(uploads.items())) or "none")
        )
        self._levies_summary(levies)
        self._statements_summary(statements)
        self._desk_summary(reminders)
        self._notices_summary(self._notice_counts)
        out(style.MIGRATE_HEADING("\nLog in (demo passwords: for this demo only)"))
        out("  web:   http://127.0.0.1:8000/")
        out("  admin: http://127.0.0.1:8000/admin/")
        out(f"  desk:  {DESK_URL}")
        out(f"  union admin   admin / {PASSWORDS['admin']}")
        for spec in AGENCIES:
            out(f"  agency user   {spec['user']} / {PASSWORDS[spec['user']]}   ({spec['name']})")
        out("")

    def _levies_summary(self, levies: dict[str, Any]) -> None:
        out = self.stdout.write
        out(
            self.style.MIGRATE_HEADING(
                "\nLevies (scheme levies/examples/meat-default-membership.yaml)"
            )
        )
        if levies["as_of"] != levies["today"]:
            out(
                f"  both weeks assessed as of {levies['as_of']}, the day after the demo members' "
                "opt-out windows close (held charges become due then)"
            )
        for week, assessed, billed in levies["weeks"]:
            out(
                f"  {week.label} ({week.start} to {week.end}): total EUR {assessed['total']}, "
                f"billed on {week.issue_date}"
            )
            invoices = Invoice.objects.filter(period_start=week.start, period_end=week.end)
            for invoice in invoices.select_related("payer_organisation").order_by(
                "year", "sequence"
            ):
                out(
                    f"    {invoice.get_kind_display().lower()} {invoice.number}  "
                    f"{invoice.payer_organisation.name}  EUR {invoice.total}"
                    + (f"  due {invoice.due_date}" if invoice.due_date else "")
                )
            claims = StateClaim.objects.filter(period_start=week.start, period_end=week.end)
            for claim in claims.order_by("year", "sequence"):
                out(f"    state claim {claim.reference}  EUR {claim.total}  due {claim.due_date}")
            if not billed["invoices"] and not billed["state_claim"] and invoices.exists():
                out("    (billed before: nothing new to invoice)")
        out("  see them: http://127.0.0.1:8000/invoices/ (agency users: their own; admin: all)")
        out("            http://127.0.0.1:8000/admin/levies/invoice/ (claims: .../stateclaim/)")
        week = WEEKS[-1]
        out(
            "  again:    python manage.py invoices_issue "
            f"--period-start {week.start} --period-end {week.end} --json"
        )

    def _statements_summary(self, statements: dict[str, Any]) -> None:
        out = self.stdout.write
        out(self.style.MIGRATE_HEADING("\nBank statements (docs/examples/, 23-27 November 2026)"))
        if statements["skipped"]:
            out(
                self.style.WARNING(
                    "  not imported: in this database "
                    + ", ".join(statements["skipped"])
                    + " are not the documents the example statements pay (an earlier demo "
                    "billed other weeks first). Start from an empty database to see them "
                    "matched: stop the server, remove .data/pg (or set UNIONROLL_DB_NAME to a "
                    "new name) and run make demo again."
                )
            )
            return
        for path, result in statements["files"]:
            out(f"  {_shown(path)}")
            if result["new"] == 0:
                why = (
                    "the same file was imported before"
                    if result["duplicate_file"]
                    else "the same entries came in an earlier statement of the same days"
                )
                out(
                    f"    {result['entries']} entries, all {result['duplicates']} already "
                    f"imported ({why}): nothing changed"
                )
                continue
            out(
                f"    {result['entries']} entries: {result['new']} new, {result['duplicates']} "
                f"already imported; {result['matched']} matched (EUR {result['total_matched']}), "
                f"{result['unmatched']} unmatched, {result['ignored']} "
                + ("debit" if result["ignored"] == 1 else "debits")
                + " ignored"
            )
        out("  again:    python manage.py bank_statement_import docs/examples/camt053-example.xml")
        out("            python manage.py bank_statement_import docs/examples/mt940-example.sta")
        out("            (add --json for counts; every entry is then a duplicate)")

    def _desk_summary(self, reminders: dict[str, Any]) -> None:
        out = self.stdout.write
        today = timezone.localdate()
        out(self.style.MIGRATE_HEADING(f"\nReconciliation desk: {DESK_URL} (log in as admin)"))
        overdue = {row["invoice"].pk: row for row in invoices_overdue(today=today)}
        documents: list[Invoice | StateClaim] = []
        for week in WEEKS:
            span = {"period_start": week.start, "period_end": week.end}
            documents += (
                Invoice.objects.filter(kind=Invoice.Kind.INVOICE, **span)
                .select_related("payer_organisation")
                .order_by("year", "sequence")
            )
            documents += StateClaim.objects.filter(total__gt=0, **span).order_by("year", "sequence")
        unexpected = []
        for document in sorted(documents, key=lambda d: (isinstance(d, StateClaim), d.sequence)):
            settlement = document_settlement(document=document)
            if isinstance(document, Invoice):
                label = f"invoice {document.number}  {document.payer_organisation.name}"
                number = document.number
            else:
                label = f"state claim {document.reference}"
                number = document.reference
            state = _status_label(settlement["status"])
            if settlement["status"] == "partially_paid":
                state += f": EUR {settlement['paid']} paid, EUR {settlement['outstanding']} open"
            row = overdue.get(document.pk) if isinstance(document, Invoice) else None
            if row is not None:
                state += f", overdue {row['days_overdue']} days (due {document.due_date})"
                reminder = (
                    InvoiceReminder.objects.filter(invoice=document).order_by("-step").first()
                )
                if reminder is not None:
                    state += f"; reminder {reminder.step}: {reminder.get_status_display().lower()}"
            elif document.due_date and settlement["outstanding"] > 0:
                state += f", due {document.due_date}"
            out(f"  {label}  EUR {document.total}  {state}")
            expected = EXPECTED_STATUS.get(number)
            if expected and expected != settlement["status"]:
                unexpected.append(f"{number} is {settlement['status']}, not {expected}")
        if unexpected:
            out(
                self.style.WARNING(
                    "  not as the example statements intend: "
                    + "; ".join(unexpected)
                    + " (were these documents paid or matched by hand before?)"
                )
            )
        unmatched = list(bank_entries_unmatched())
        out(f"  unmatched bank entries: {len(unmatched)}")
        for entry in unmatched:
            out(f"    {entry.booking_date}  EUR {entry.amount}  {self._entry_hint(entry)}")
        if reminders["skipped"]:
            out(
                f"  reminders not run: EMAIL_BACKEND is {reminders['skipped']} and an overdue "
                "invoice's payer has a billing e-mail; the demo sends no real e-mail"
            )
        else:
            counts = {key: n for key, n in reminders["counts"].items() if n}
            out(
                "  reminders (the daily task, run now): "
                + (
                    ", ".join(f"{key.replace('_', ' ')} {n}" for key, n in counts.items())
                    or "none due that was not recorded before"
                )
                + (
                    " (the payer has no billing e-mail; the desk lists it)"
                    if counts.get("no_contact")
                    else ""
                )
            )

    def _entry_hint(self, entry: BankEntry) -> str:
        url = f"{DESK_URL}entries/{entry.pk}/"
        candidates = documents_to_match(entry=entry)
        best = candidates[0] if candidates else None
        if best is not None and best["outstanding"] == entry.amount:
            return f"{url}  the amount open on {best['number']}: match it there"
        return f"{url}  no invoice fits: park it or match it by hand"
