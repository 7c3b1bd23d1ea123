from __future__ import annotations

from django.core.management.base import BaseCommand

from enrolment.rights import rights_texts_load


class Command(BaseCommand):
    help = (
        "Insert the shipped rights texts that are missing (never changes a text already there, "
        "so admins' edits stay)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--path",
            help="a directory of <language>.json files, or one such file (default: the shipped "
            "content in enrolment/rights_content/)",
        )

    def handle(self, *args, **options):
        inserted = rights_texts_load(path=options["path"])
        self.stdout.write(f"Inserted {inserted} rights text(s).")
