"""Translation catalogues: compile .po to .mo, and check that every message is translated.

Runs without Django settings (``python -m notifications.catalogs``): the build calls it before
the embedded database exists, and on machines without GNU gettext, which Django's
``compilemessages`` needs. .mo files are build output and are not committed.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
# The six languages of member-facing texts (settings.LANGUAGES).
LANGUAGES = ("en", "nl", "pl", "ro", "uk", "bg")
_PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|\{[a-z_]+\}")


def catalogues(root: Path = ROOT) -> Iterator[Path]:
    """Every django.po of the project: locale/ and any app's own locale/ directory."""
    for pattern in ("locale/*/LC_MESSAGES/*.po", "*/locale/*/LC_MESSAGES/*.po"):
        for path in sorted(root.glob(pattern)):
            if ".venv" not in path.parts:
                yield path


def catalogues_compile(root: Path = ROOT) -> list[Path]:
    """Write a .mo beside every .po; return the .mo paths."""
    written = []
    for po_path in catalogues(root):
        mo_path = po_path.with_suffix(".mo")
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


def catalogue_roots(root: Path = ROOT) -> list[Path]:
    """Every directory that holds catalogues: locale/ and any app's own locale/."""
    found = [root / "locale"]
    found += sorted(p for p in root.glob("*/locale") if p.is_dir() and ".venv" not in p.parts)
    return found


def catalogue_problems(root: Path = ROOT) -> list[str]:
    """What is wrong with the catalogues, in locale/ and in every app's locale/."""
    problems: list[str] = []
    for locale_dir in catalogue_roots(root):
        problems += _root_problems(locale_dir, root)
    return problems


def _root_problems(locale_dir: Path, root: Path) -> list[str]:
    """Missing files, untranslated or fuzzy messages, messages that some language lacks,
    placeholders that differ, English left in place: for the six catalogues in one directory."""
    problems: list[str] = []
    entries: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        path = locale_dir / lang / "LC_MESSAGES" / "django.po"
        if not path.exists():
            problems.append(f"{lang}: {path.relative_to(root)} is missing")
            continue
        catalogue = polib.pofile(str(path))
        entries[lang] = {}
        for entry in catalogue:
            if entry.obsolete:
                continue
            text = entry.msgstr
            if entry.msgid_plural:
                text = (
                    entry.msgstr_plural.get(0, "")
                    if all(v.strip() for v in entry.msgstr_plural.values())
                    else ""
                )
            if not text.strip():
                problems.append(f"{lang}: no translation for {entry.msgid!r}")
            elif entry.fuzzy:
                problems.append(f"{lang}: fuzzy (unchecked) translation for {entry.msgid!r}")
            elif sorted(_PLACEHOLDER.findall(text)) != sorted(_PLACEHOLDER.findall(entry.msgid)):
                problems.append(f"{lang}: placeholders differ in {entry.msgid!r}")
            elif lang != "en" and _same_words(entry.msgid, text):
                problems.append(f"{lang}: English left untranslated: {entry.msgid!r}")
            entries[lang][entry.msgid] = text
    every = set().union(*(set(e) for e in entries.values())) if entries else set()
    for lang, known in entries.items():
        for msgid in sorted(every - set(known)):
            problems.append(f"{lang}: message missing from the catalogue: {msgid!r}")
    return problems


def _same_words(msgid: str, msgstr: str) -> bool:
    """True if the translation is the English text, unless the text has no words to translate
    (only placeholders, numbers, punctuation)."""
    words = re.sub(r"[\W\d_]+", " ", _PLACEHOLDER.sub(" ", msgid)).strip()
    return bool(words) and msgid.strip() == msgstr.strip()


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "compile"
    if command == "compile":
        written = catalogues_compile()
        print(f"compiled {len(written)} message catalogue(s)")
        return 0
    if command == "check":
        problems = catalogue_problems()
        for problem in problems:
            print(problem)
        return 1 if problems else 0
    print("usage: python -m notifications.catalogs [compile|check]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
