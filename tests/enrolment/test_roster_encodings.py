"""Text encodings: Cyrillic Windows-1251 is read as written; what cannot be read is refused.

Ukrainian and Bulgarian workers are among the people Unionroll serves; a roster that stored
``Иван Петров`` as ``Èâàí Ïåòðîâ`` would enrol nobody anyone could find.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine

from enrolment.models import Person, RosterUpload
from enrolment.roster.reader import RosterReader
from enrolment.roster.sources import detect_encoding
from enrolment.services import roster_import_path
from tests.enrolment.test_roster_reader import record, reference, write_csv

TODAY = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)

CYRILLIC = [
    ("Иван", "Петров"),  # Russian / Bulgarian
    ("Олександр", "Ковальчук"),  # Ukrainian
    ("Євгенія", "Їжакевич"),  # Ukrainian letters Є, Ї
    ("Ґанна", "Іваненко"),  # Ukrainian letters (Ґ and the Ukrainian I)
    ("Георги", "Димитров"),  # Bulgarian
    ("Цветелина", "Щерева"),  # Bulgarian
]


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


def read(path: Path) -> tuple[RosterReader, list]:
    reader = RosterReader(path, reference=reference(), bsn_matching=False, bsn_secret="")
    return reader, list(reader.rows())


def cyrillic_rows(repeat: int = 1) -> list[dict[str, str]]:
    return [
        record(worker_number=f"{n}-{i}", first_name=first, last_name=last, language="uk")
        for n in range(repeat)
        for i, (first, last) in enumerate(CYRILLIC)
    ]


def test_windows_1251_ukrainian_and_bulgarian_names_are_read_as_written(tmp_path):
    path = write_csv(tmp_path / "r.csv", cyrillic_rows(), encoding="cp1251")
    assert detect_encoding(path) == "cp1251"

    reader, rows = read(path)

    assert reader.errors == []
    assert [(r.first_name, r.last_name) for r in rows] == CYRILLIC
    assert rows[0].first_name_key == "иван"


def test_windows_1251_file_with_one_cyrillic_name_among_latin_ones_is_read(tmp_path):
    rows = [record(worker_number=str(n), first_name="Jan", last_name="Jansen") for n in range(50)]
    rows.append(record(worker_number="x", first_name="Иван", last_name="Петров"))
    path = write_csv(tmp_path / "r.csv", rows, encoding="cp1251")

    reader, parsed = read(path)

    assert reader.errors == []
    assert (parsed[-1].first_name, parsed[-1].last_name) == ("Иван", "Петров")


@pytest.mark.parametrize("encoding", ["cp1250", "cp1252"])
def test_latin_code_pages_are_not_taken_for_cyrillic(tmp_path, encoding):
    names = {
        "cp1250": [
            ("Łukasz", "Wróbel-Żółć"),
            ("Ştefan", "Ţurcanu"),
            ("Jiří", "Dvořák"),
            # Reads as well in Shift-JIS; must not be refused as Japanese.
            ("Ana-Maria", "Ionescu-Ţăran"),
        ],
        "cp1252": [("Hélène", "Lefèvre"), ("Zoë", "Müller"), ("José", "Núñez")],
    }[encoding]
    rows = [
        record(worker_number=str(i), first_name=first, last_name=last)
        for i, (first, last) in enumerate(names)
    ]
    path = write_csv(tmp_path / "r.csv", rows, encoding=encoding)

    reader, parsed = read(path)

    assert reader.errors == []
    assert detect_encoding(path) == encoding
    assert [(r.first_name, r.last_name) for r in parsed] == names


@pytest.mark.parametrize(
    ("encoding", "names"),
    [
        ("koi8_r", [("Иван", "Петров"), ("Ольга", "Смирнова"), ("Георги", "Димитров")]),
        ("shift_jis", [("太郎", "山田"), ("花子", "佐藤"), ("一郎", "鈴木")]),
    ],
)
def test_encodings_that_cannot_be_read_reliably_are_refused_asking_for_utf8(
    tmp_path, encoding, names
):
    rows = [
        record(worker_number=str(i), first_name=first, last_name=last)
        for i, (first, last) in enumerate(names * 5)
    ]
    path = write_csv(tmp_path / "r.csv", rows, encoding=encoding)

    reader, parsed = read(path)

    assert parsed == []
    (error,) = reader.errors
    assert error.code == "unreadable_file"
    assert "UTF-8" in error.message


@pytest.mark.django_db
def test_windows_1251_roster_stores_cyrillic_names(tmp_path, flexwerk):
    rows = cyrillic_rows()
    for row in rows:
        row.update(hirer_kvk="", site_code="")
    path = write_csv(tmp_path / "r.csv", rows, encoding="cp1251")

    upload = roster_import_path(organisation=flexwerk, path=path)

    assert upload.status == RosterUpload.Status.APPLIED, upload.errors
    stored = set(Person.objects.values_list("first_name", "last_name"))
    assert stored == set(CYRILLIC)
