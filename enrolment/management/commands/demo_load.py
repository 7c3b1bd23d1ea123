"""Demo data for ``make demo``: a sector, two agencies, a hirer with a site, users, a roster,
the meat sector's levy scheme, and the demo period's assessment, invoices and state claim.

Safe to run again and again: every object is found before it is made, and the generated roster is
the same file for the same week, so a second run's import is answered as a duplicate.
Refuses to run with ``DJANGO_ENV=production``: the demo passwords below are public.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from employers.models import Organisation, Sector, Site, User
from employers.selectors import organisation_by_kvk
from employers.services import organisation_add, sector_add, site_add, user_add
from enrolment.models import Membership, Person, RosterUpload
from enrolment.services import roster_import_path
from levies.models import Invoice
from levies.services import levies_assess, levy_scheme_load, period_billing_issue
from unionroll.synthetic import write_roster_csv

SECTOR = {"code": "meat", "name": "Vleessector", "collective_agreement": "CAO Vleessector"}
AGENCIES = (
    {
        "kvk": "61234565",
        "name": "Flexkracht Oost Uitzendbureau B.V.",
        "address": "Stationsplein 4, 7511 JD Enschede",
        "user": "agency1",
    },
    {
        "kvk": "73518204",
        "name": "Brabant Personeelsdiensten B.V.",
        "address": "Vughterweg 23, 5211 CK 's-Hertogenbosch",
        "user": "agency2",
    },
)
HIRER = {"kvk": "17042981", "name": "Vleesverwerking De Meierij B.V."}
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

# The upload's counts worth a line in the summary, in this order; zeros are left out.
SUMMARY_COUNTS = (
    "persons_created",
    "persons_matched",
    "memberships_enrolled",
    "memberships_kept",
    "possible_duplicates",
    "payroll_lines",
)


LEVY_SCHEME = settings.BASE_DIR / "levies" / "examples" / "meat-default-membership.yaml"


def demo_levy_as_of(*, sector: Sector, today: dt.date) -> dt.date:
    """The day the demo assesses its period as of: the day after the last open opt-out window
    of the sector closes (or today, once all are closed).

    The scheme holds the charges of members still inside their window, and every demo member
    was enrolled by today's roster, so an assessment as of today would hold everything and
    bill nothing. Assessing as of that later day shows the charges as they become due. Only
    the demo does this: the daily task assesses as of the real date.
    """
    last = Membership.objects.filter(sector=sector, status=Membership.Status.ENROLLED).aggregate(
        last=Max("window_ends")
    )["last"]
    return max(today, last + dt.timedelta(days=1)) if last else today


def last_complete_iso_week(today: dt.date) -> tuple[dt.date, dt.date]:
    monday = today - dt.timedelta(days=today.weekday() + 7)
    return monday, monday + dt.timedelta(days=6)


class Command(BaseCommand):
    help = "Load demo data and import a generated roster (idempotent)."

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError("demo_load refuses to run with DJANGO_ENV=production.")
        if options["verbosity"] < 2:
            # The summary says what happened; a log line per object would bury it.
            for name in ("employers", "enrolment", "notifications", "celery"):
                logging.getLogger(name).setLevel(logging.WARNING)

        with transaction.atomic():
            sector = self._sector()
            hirer, site = self._hirer(sector)
            agencies = [self._agency(spec, sector) for spec in AGENCIES]
            self._user("admin", organisation=None)
            for spec, agency in zip(AGENCIES, agencies, strict=True):
                self._user(spec["user"], organisation=agency)

        period_start, period_end = last_complete_iso_week(timezone.localdate())
        placements = ((hirer.kvk, site.code),) * 4 + ((None, None),)
        demo_dir = settings.DATA_DIR / "demo"
        imports = []
        for agency, rows, offset in (
            (agencies[0], MAIN_ROSTER_ROWS, 0),
            (agencies[1], SECOND_ROSTER_ROWS, 50_000),
        ):
            path = demo_dir / f"roster-{agency.kvk}-{period_start:%G-W%V}.csv"
            workers = write_roster_csv(
                path,
                rows=rows,
                seed=SEED,
                period_start=period_start,
                period_end=period_end,
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
            imports.append((agency, path, rows, workers, upload))

        levies = self._levies(sector, period_start, period_end)
        self._summary(imports, period_start, period_end, levies)

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

    def _levies(self, sector: Sector, period_start: dt.date, period_end: dt.date) -> dict:
        # Each step is idempotent: the scheme file loads once, an unchanged period is not
        # assessed again, and a billed period bills nothing new.
        levy_scheme_load(path=LEVY_SCHEME)
        today = timezone.localdate()
        as_of = demo_levy_as_of(sector=sector, today=today)
        assessed = levies_assess(period_start=period_start, period_end=period_end, today=as_of)
        billed = period_billing_issue(
            period_start=period_start, period_end=period_end, issue_date=today
        )
        return {
            "as_of": as_of,
            "today": today,
            "assessed": assessed,
            "billed": billed,
            "period": (period_start, period_end),
        }

    def _levies_summary(self, levies: dict) -> None:
        out = self.stdout.write
        period_start, period_end = levies["period"]
        out(
            self.style.MIGRATE_HEADING(
                "\nLevies (scheme levies/examples/meat-default-membership.yaml)"
            )
        )
        if levies["as_of"] != levies["today"]:
            out(
                f"  assessed as of {levies['as_of']}, the day after the demo members' opt-out "
                "windows close (held charges become due then)"
            )
        out(f"  period total EUR {levies['assessed']['total']}")
        invoices = Invoice.objects.filter(period_start=period_start, period_end=period_end)
        for invoice in invoices.select_related("payer_organisation").order_by("year", "sequence"):
            out(
                f"  {invoice.get_kind_display().lower()} {invoice.number}  "
                f"{invoice.payer_organisation.name}  EUR {invoice.total}"
            )
        claim = levies["billed"]["state_claim"]
        if claim:
            out(f"  state claim {claim['reference']}  EUR {claim['total']}")
        if not levies["billed"]["invoices"] and invoices.exists():
            out("  (billed before: nothing new to invoice)")
        out("  see them: http://127.0.0.1:8000/invoices/ (agency users: their own; admin: all)")
        out("            http://127.0.0.1:8000/admin/levies/invoice/ (claims: .../stateclaim/)")
        out(
            "  again:    python manage.py invoices_issue "
            f"--period-start {period_start} --period-end {period_end} --json"
        )

    def _summary(self, imports, period_start: dt.date, period_end: dt.date, levies) -> None:
        out = self.stdout.write
        style = self.style
        out(
            style.MIGRATE_HEADING(f"\nDemo data loaded (pay period {period_start} to {period_end})")
        )
        for agency, path, rows, workers, upload in imports:
            counts = upload.counts or {}
            detail = ", ".join(
                f"{key.replace('_', ' ')} {counts[key]}"
                for key in SUMMARY_COUNTS
                if counts.get(key)
            )
            shown = (
                path.relative_to(settings.BASE_DIR)
                if path.is_relative_to(settings.BASE_DIR)
                else path
            )
            out(f"  {agency.name} ({agency.kvk}): {shown}")
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
        out(style.MIGRATE_HEADING("\nLog in (demo passwords: for this demo only)"))
        out("  web:   http://127.0.0.1:8000/")
        out("  admin: http://127.0.0.1:8000/admin/")
        out(f"  union admin   admin / {PASSWORDS['admin']}")
        for spec in AGENCIES:
            out(f"  agency user   {spec['user']} / {PASSWORDS[spec['user']]}   ({spec['name']})")
        out("")
