from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from enrolment.models import Person, PersonAccess
from enrolment.services import person_access_record
from enrolment.services.access import command_line_reader
from privacy.export import person_export
from privacy.export_pdf import person_export_pdf
from unionroll.exceptions import Refused


class Command(BaseCommand):
    help = (
        "Everything the union holds about one person (GDPR art. 15 and 20), for union staff "
        "answering a request by post or phone: JSON, or a PDF in the person's language."
    )

    def add_arguments(self, parser):
        parser.add_argument("--person", type=int, required=True, help="the person's number")
        parser.add_argument("--format", choices=("json", "pdf"), default="json")
        parser.add_argument(
            "--output", help="file to write (a PDF needs one); JSON goes to the screen without"
        )
        parser.add_argument(
            "--language", help="the PDF's language (default: the person's own language)"
        )
        parser.add_argument(
            "--staff",
            metavar="USERNAME",
            help="the union staff member exporting it, as in the admin (default: the account "
            "running this command); recorded in the person's access log",
        )

    def handle(self, *args, **options):
        kind, output = options["format"], options["output"]
        if kind == "pdf" and not output:
            raise CommandError("A PDF needs --output FILE.")
        try:
            staff, account = command_line_reader(options["staff"])
        except Refused as exc:
            raise CommandError(exc.message) from None
        person_id = options["person"]
        with transaction.atomic():
            if not Person.objects.filter(pk=person_id).exists():
                raise CommandError(f"There is no person number {person_id}.")
            # Who read what: the export is a read of everything, recorded before it is read so
            # the member's export names it too.
            person_access_record(
                user=staff,
                username=account,
                person_ids=[person_id],
                through=PersonAccess.Through.EXPORT,
                detail=f"export as {kind}",
            )
            export = person_export(person_id)
        if kind == "pdf":
            body = person_export_pdf(export, language=options["language"])
        else:
            body = (json.dumps(export, ensure_ascii=False, indent=2) + "\n").encode()
        if output:
            path = Path(output)
            try:
                # Only the person running the command may read it: it is special-category data.
                with open(path, "xb") as f:
                    path.chmod(0o600)
                    f.write(body)
            except FileExistsError:
                raise CommandError(f"{output} exists already; choose another file.") from None
            except OSError as exc:
                raise CommandError(f"{output} could not be written ({exc.strerror}).") from None
            self.stdout.write(f"Written: {output} ({len(body)} bytes).")
        else:
            self.stdout.write(body.decode(), ending="")
