"""python manage.py levy_scheme_load FILE

Loads a levy scheme from YAML or JSON (docs/levies.md). Idempotent; an overlap or a changed
version is refused and nothing is changed. Exit status 0 loaded or unchanged, 1 refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from levies.assessment.schemes import levy_scheme_load
from unionroll.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Load a levy scheme (YAML or JSON): new versions supersede the old from valid_from."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}", returncode=2)
        try:
            result = levy_scheme_load(path=path)
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} Nothing was changed.", returncode=1) from exc
        if result["unchanged"]:
            self.stdout.write(f"Scheme {result['scheme']}: unchanged.")
            return
        verb = "created" if result["created"] else "updated"
        self.stdout.write(
            f"Scheme {result['scheme']} {verb}: {result['versions_added']} version(s) added, "
            f"{result['versions_ended']} earlier version(s) ended."
        )
