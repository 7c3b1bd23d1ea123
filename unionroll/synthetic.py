"""Synthetic payroll rosters that look like what agencies really send, for demos and benchmarks.

Everything comes from seeded ``random.Random`` instances, so a seed always gives the same file.
People come from one stream and pay from another, seeded with the period too: the same seed gives
the same workers (names, dates of birth, contact details) in every period and for every hirer
list, and ``worker_number_offset`` only renumbers them. Two agencies' rosters written with one
seed and different offsets therefore contain the same people, which is how a worker looks who
comes through a second agency.

Rows are written one at a time, so memory stays flat whatever the size.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import random
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

HEADER = (
    "worker_number",
    "first_name",
    "last_name",
    "date_of_birth",
    "email",
    "phone",
    "language",
    "period_start",
    "period_end",
    "hirer_kvk",
    "site_code",
    "sector",
    "cao_phase",
    "hours_worked",
    "gross_wages",
    "housing_deduction",
)

# Dates of birth are drawn against a fixed day, not the period, so a person keeps their date of
# birth from one roster to the next (a roster for next year must not "change" who someone is).
BIRTH_REFERENCE = dt.date(2026, 1, 1)

# Statutory minimum wage per hour (WML, from 2026-01-01), in cents.
MINIMUM_WAGE_CENTS = 1471

# Share of workers with a phone number, an e-mail address, a housing deduction, a second row.
PHONE_SHARE = 0.70
EMAIL_SHARE = 0.50
HOUSING_SHARE = 0.35
SECOND_ROW_SHARE = 0.10

_PL_MALE = (
    "Łukasz", "Paweł", "Michał", "Krzysztof", "Tomasz", "Piotr", "Marcin", "Mateusz", "Jakub",
    "Kamil", "Grzegorz", "Wojciech", "Maciej", "Dawid", "Rafał", "Sławomir", "Zbigniew",
    "Mirosław", "Jarosław", "Przemysław", "Bartłomiej", "Adam", "Damian", "Szymon", "Andrzej",
    "Józef", "Stanisław", "Artur", "Radosław", "Jan",
)  # fmt: skip
_PL_FEMALE = (
    "Agnieszka", "Małgorzata", "Katarzyna", "Joanna", "Magdalena", "Anna", "Ewa", "Monika",
    "Żaneta", "Beata", "Dorota", "Renata", "Justyna", "Paulina", "Sylwia", "Aleksandra",
    "Bożena", "Jolanta", "Urszula", "Weronika", "Natalia", "Karolina", "Izabela", "Halina",
)  # fmt: skip
# Polish surnames in their masculine form; feminine forms are derived (-ski -> -ska).
_PL_LAST = (
    "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
    "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur",
    "Wojciechowski", "Kwiatkowski", "Krawczyk", "Kaczmarek", "Piotrowski", "Grabowski",
    "Zając", "Pawłowski", "Michalski", "Król", "Wieczorek", "Jabłoński", "Wróbel", "Nowakowski",
    "Majewski", "Olszewski", "Stępień", "Malinowski", "Jaworski", "Adamczyk", "Dudek", "Nowicki",
    "Pawlak", "Górski", "Witkowski", "Walczak", "Sikora", "Baran", "Rutkowski", "Michalak",
    "Szewczyk", "Ostrowski", "Tomaszewski", "Pietrzak", "Zalewski", "Wróblewski", "Jasiński",
    "Marciniak", "Bąk", "Zawadzki", "Sadowski", "Jakubowski", "Duda", "Włodarczyk", "Chmielewski",
    "Borkowski", "Sokołowski", "Szczepański", "Sobczak", "Czarnecki", "Kubiak", "Maciejewski",
    "Kołodziej", "Żak", "Błaszczyk", "Przybylski", "Łuczak", "Żukowski", "Ślusarczyk",
    "Gołębiowski",
)  # fmt: skip
_RO_MALE = (
    "Andrei", "Alexandru", "Ionuț", "Mihai", "Ștefan", "Florin", "Cristian", "Gheorghe", "Vasile",
    "Constantin", "Marius", "Adrian", "Bogdan", "Răzvan", "Cătălin", "Sorin", "Nicolae", "Dumitru",
    "Costel", "Daniel", "Gabriel", "Ovidiu", "Petru", "Lucian", "Viorel", "Tudor",
)  # fmt: skip
_RO_FEMALE = (
    "Maria", "Elena", "Ioana", "Andreea", "Mihaela", "Cristina", "Gabriela", "Alina", "Florentina",
    "Mădălina", "Ramona", "Simona", "Nicoleta", "Georgiana", "Roxana", "Daniela", "Lăcrămioara",
    "Ștefania", "Raluca", "Violeta", "Larisa", "Oana",
)  # fmt: skip
_RO_LAST = (
    "Popescu", "Ionescu", "Popa", "Pop", "Radu", "Dumitru", "Stan", "Stoica", "Gheorghe", "Matei",
    "Ciobanu", "Rusu", "Mihai", "Constantin", "Marin", "Lungu", "Munteanu", "Ștefan", "Tănase",
    "Moldovan", "Ungureanu", "Barbu", "Preda", "Nistor", "Florea", "Dinu", "Țurcanu", "Cojocaru",
    "Neagu", "Sârbu", "Văduva", "Mocanu", "Lazăr", "Tudose", "Bălan", "Manea", "Avram",
    "Dobre", "Căpraru", "Croitoru", "Pătrașcu", "Enache", "Șerban", "Zăvoianu",
)  # fmt: skip
_BG_MALE = (
    "Georgi", "Ivan", "Dimitar", "Nikolay", "Petar", "Hristo", "Stoyan", "Todor", "Yordan",
    "Angel", "Krasimir", "Plamen", "Vasil", "Stefan", "Atanas", "Lyubomir", "Tsvetan", "Kiril",
    "Martin", "Emil", "Valentin", "Boris",
)  # fmt: skip
_BG_FEMALE = (
    "Maria", "Ivanka", "Elena", "Yordanka", "Petya", "Desislava", "Tsvetelina", "Gergana",
    "Radka", "Snezhana", "Nadezhda", "Milena", "Silviya", "Galina", "Teodora", "Kalina",
    "Vesela", "Rositsa", "Stanislava", "Diana",
)  # fmt: skip
# Bulgarian surnames in their masculine form; feminine forms add -a (Ivanov -> Ivanova).
_BG_LAST = (
    "Ivanov", "Georgiev", "Dimitrov", "Petrov", "Nikolov", "Hristov", "Stoyanov", "Todorov",
    "Iliev", "Vasilev", "Atanasov", "Angelov", "Petkov", "Kolev", "Yordanov", "Marinov",
    "Popov", "Stefanov", "Mihaylov", "Krastev", "Kostov", "Tsvetkov", "Dobrev", "Zhelyazkov",
    "Slavov", "Kirilov", "Kuzmanov", "Bozhilov",
)  # fmt: skip
_UA_MALE = (
    "Oleksandr", "Andrii", "Serhii", "Volodymyr", "Dmytro", "Mykola", "Vasyl", "Yurii",
    "Oleh", "Taras", "Bohdan", "Ihor", "Roman", "Vitalii",
)  # fmt: skip
_UA_FEMALE = (
    "Olena", "Nataliia", "Tetiana", "Iryna", "Oksana", "Yuliia", "Svitlana", "Liudmyla",
    "Halyna", "Kateryna", "Mariia", "Viktoriia",
)  # fmt: skip
_UA_LAST = (
    "Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Oliinyk", "Shevchuk",
    "Kovalchuk", "Polishchuk", "Melnyk", "Boiko", "Tkachuk", "Moroz", "Lysenko", "Savchenko",
    "Rudenko", "Marchenko", "Petrenko", "Kuzmenko", "Pavlenko",
)  # fmt: skip
_NL_MALE = (
    "Jan", "Pieter", "Mark", "Dennis", "Kevin", "Sander", "Bas", "Thijs", "Ruud", "Henk", "Bram",
)  # fmt: skip
_NL_FEMALE = ("Anouk", "Sanne", "Lisa", "Marieke", "Femke", "Ingrid", "Esther", "Kim", "Linda")
_NL_LAST = (
    "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser",
    "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks",
    "van Leeuwen", "Dekker", "Brouwer",
)  # fmt: skip
# Lithuanian workers, who mostly choose English for their notices.
_LT_MALE = ("Tomas", "Mantas", "Darius", "Andrius", "Rokas", "Vytautas", "Mindaugas", "Jonas")
_LT_FEMALE = ("Rūta", "Agnė", "Eglė", "Jurgita", "Inga", "Laura", "Kristina", "Giedrė")
_LT_LAST_MALE = ("Kazlauskas", "Petrauskas", "Jankauskas", "Žukauskas", "Butkus", "Stankevičius")
_LT_LAST_FEMALE = ("Kazlauskienė", "Petrauskaitė", "Jankauskienė", "Žukauskaitė", "Butkienė")


@dataclass(frozen=True, slots=True)
class _Nationality:
    code: str
    weight: int
    language: str
    # Languages other than the native one that some of them choose (English, mostly).
    other_language_share: float
    phone_country: str
    # Mobile prefixes after the country code, with the national number length they give;
    # every combination is one ``phonenumbers`` accepts as a valid mobile number.
    phone_prefixes: tuple[str, ...]
    phone_length: int
    male: tuple[str, ...]
    female: tuple[str, ...]
    last_male: tuple[str, ...]
    last_female: tuple[str, ...] | None  # None: derive from the masculine form


_PL_PREFIXES = ("50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88")
_NL_PREFIXES = ("61", "62", "63", "64", "65", "68")

_NATIONALITIES = (
    _Nationality(
        "PL", 45, "pl", 0.05, "48", _PL_PREFIXES, 9, _PL_MALE, _PL_FEMALE, _PL_LAST, None
    ),
    _Nationality(
        "RO", 24, "ro", 0.05, "40", ("72", "73", "74", "75", "76", "77"), 9,
        _RO_MALE, _RO_FEMALE, _RO_LAST, _RO_LAST,
    ),
    _Nationality(
        "BG", 14, "bg", 0.05, "359", ("87", "88", "89", "98"), 9,
        _BG_MALE, _BG_FEMALE, _BG_LAST, None,
    ),
    _Nationality(
        "UA", 7, "uk", 0.05, "380",
        ("50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99"), 9,
        _UA_MALE, _UA_FEMALE, _UA_LAST, _UA_LAST,
    ),
    _Nationality(
        "NL", 6, "nl", 0.0, "31", _NL_PREFIXES, 9, _NL_MALE, _NL_FEMALE, _NL_LAST, _NL_LAST
    ),
    _Nationality(
        "LT", 4, "en", 0.0, "31", _NL_PREFIXES, 9,
        _LT_MALE, _LT_FEMALE, _LT_LAST_MALE, _LT_LAST_FEMALE,
    ),
)  # fmt: skip
_NATIONALITY_WEIGHTS = tuple(n.weight for n in _NATIONALITIES)

# Reserved for documentation (RFC 2606): generated addresses can never reach a real person.
_EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example.com")

# Characters that NFKD does not take apart into a base letter and an accent.
_ASCII_EXTRA = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "đ": "d", "ß": "ss"})


@dataclass(frozen=True, slots=True)
class SyntheticPerson:
    first_name: str
    last_name: str
    date_of_birth: dt.date
    email: str
    phone: str
    language: str


def ascii_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII_EXTRA))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _feminine(last: str, nationality: str) -> str:
    if nationality == "PL":
        for masculine, feminine in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
            if last.endswith(masculine):
                return last[: -len(masculine)] + feminine
        return last
    if nationality == "BG" and last.endswith(("ov", "ev")):
        return last + "a"
    return last


def _phone(rng: random.Random, nat: _Nationality) -> str:
    prefix = rng.choice(nat.phone_prefixes)
    width = nat.phone_length - len(prefix)
    national = f"{prefix}{rng.randrange(10**width):0{width}d}"
    # Payroll systems store numbers as they were typed: some with spaces, most without.
    if rng.random() < 0.3:
        national = " ".join(national[i : i + 3] for i in range(0, len(national), 3))
        return f"+{nat.phone_country} {national}"
    return f"+{nat.phone_country}{national}"


def people(seed: int) -> Iterator[SyntheticPerson]:
    """An endless, reproducible stream of workers."""
    rng = random.Random(f"unionroll-people:{seed}")
    reference = BIRTH_REFERENCE.toordinal()
    while True:
        nat = rng.choices(_NATIONALITIES, weights=_NATIONALITY_WEIGHTS)[0]
        if rng.random() < 0.62:
            first = rng.choice(nat.male)
            last = rng.choice(nat.last_male)
        else:
            first = rng.choice(nat.female)
            last = (
                rng.choice(nat.last_female)
                if nat.last_female is not None
                else _feminine(rng.choice(nat.last_male), nat.code)
            )
            if nat.code in ("PL", "RO") and rng.random() < 0.08:
                # Double-barrelled surnames, as married women in Poland and Romania often have.
                last = f"{last}-{_feminine(rng.choice(nat.last_male), nat.code)}"
        # Ages 18 to 60 on the reference day.
        age_days = rng.randrange(18 * 366, 60 * 365)
        born = dt.date.fromordinal(reference - age_days)
        phone = _phone(rng, nat) if rng.random() < PHONE_SHARE else ""
        email = ""
        if rng.random() < EMAIL_SHARE:
            local = ascii_fold(f"{first}.{last}").lower().replace(" ", "").replace("-", "")
            if rng.random() < 0.6:
                local += str(born.year % 100 if rng.random() < 0.5 else rng.randrange(1, 999))
            email = f"{local}@{rng.choice(_EMAIL_DOMAINS)}"
        language = nat.language
        if nat.other_language_share and rng.random() < nat.other_language_share:
            language = "en"
        yield SyntheticPerson(first, last, born, email, phone, language)


def _money(cents: int, decimal_comma: bool) -> str:
    text = f"{cents // 100}.{cents % 100:02d}"
    return text.replace(".", ",") if decimal_comma else text


def _date(value: dt.date, date_format: str) -> str:
    return value.strftime(date_format)


def write_roster_csv(
    path: Path | str,
    *,
    rows: int,
    seed: int,
    period_start: dt.date,
    period_end: dt.date,
    organisation_sectors: Sequence[str] = ("meat",),
    hirer_kvks_and_sites: Sequence[tuple[str | None, str | None]] = ((None, None),),
    worker_number_offset: int = 0,
    delimiter: str = ",",
    decimal_comma: bool = False,
    date_format: str = "%Y-%m-%d",
    encoding: str = "utf-8",
    line_ending: str = "\n",
    include_bsn: bool = False,
) -> int:
    """Write a roster of exactly ``rows`` data rows (plus the header); return the worker count.

    ``hirer_kvks_and_sites`` lists where people work: ``(hirer KvK, site code)`` pairs, where
    ``(None, None)`` means "no hirer named" (the row then names one of ``organisation_sectors``).
    With two or more placements, about one worker in ten gets a second row at another one.
    ``encoding="cp1250"`` writes what an old Windows payroll export looks like: Romanian
    comma-below letters become the cedilla forms that code page has, and letters it lacks lose
    their accents.
    """
    if rows < 0:
        raise ValueError("rows must not be negative")
    if period_end < period_start:
        raise ValueError("period_end is before period_start")
    placements = list(hirer_kvks_and_sites)
    if not placements:
        raise ValueError("hirer_kvks_and_sites must name at least one placement")
    sectors = list(organisation_sectors)
    weeks = ((period_end - period_start).days + 1) / 7
    work = random.Random(f"unionroll-work:{seed}:{period_start.isoformat()}")
    persons = people(seed)
    legacy = codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig", "utf-16", "utf-32")
    start_text = _date(period_start, date_format)
    end_text = _date(period_end, date_format)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    workers = 0
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator=line_ending)
        writer.writerow(HEADER + (("bsn",) if include_bsn else ()))
        while written < rows:
            person = next(persons)
            worker_number = f"{worker_number_offset + workers + 1:06d}"
            workers += 1
            first, last = person.first_name, person.last_name
            if legacy:
                first, last = _encodable(first, encoding), _encodable(last, encoding)
            born = _date(person.date_of_birth, date_format)
            phase = work.choices("ABC", weights=(55, 30, 15))[0]
            rate_low, rate_high = {"A": (0, 180), "B": (80, 330), "C": (180, 640)}[phase]
            rate_cents = MINIMUM_WAGE_CENTS + work.randrange(rate_low, rate_high)
            housing_week = work.randrange(9500, 13501) if work.random() < HOUSING_SHARE else None
            bsn = _bsn(work) if include_bsn else None
            row_places = [work.choice(placements)]
            if len(placements) > 1 and work.random() < SECOND_ROW_SHARE:
                row_places.append(work.choice([p for p in placements if p != row_places[0]]))
            for index, (hirer_kvk, site_code) in enumerate(row_places):
                if written >= rows:
                    break
                # Hours per week 8 to 48 in quarter hours (a second job: 8 to 24), scaled to the
                # period's length.
                quarters = work.randrange(32, 193) if index == 0 else work.randrange(32, 97)
                hour_cents = round(quarters * 25 * weeks)
                wage_cents = (hour_cents * rate_cents + 50) // 100
                # Housing is deducted once per worker, on the first row.
                housing = ""
                if housing_week is not None and index == 0:
                    housing = _money(round(housing_week * weeks), decimal_comma)
                sector = "" if site_code else work.choice(sectors)
                hours = _money(hour_cents, decimal_comma)
                record = [
                    worker_number,
                    first,
                    last,
                    born,
                    person.email,
                    person.phone,
                    person.language,
                    start_text,
                    end_text,
                    hirer_kvk or "",
                    site_code or "",
                    sector,
                    phase,
                    hours,
                    _money(wage_cents, decimal_comma),
                    housing,
                ]
                if include_bsn:
                    record.append(bsn)
                writer.writerow(record)
                written += 1
    return workers


# Old code pages have the cedilla forms of the Romanian letters, not the comma-below ones.
_CEDILLA = str.maketrans({"ș": "ş", "Ș": "Ş", "ț": "ţ", "Ț": "Ţ"})


@functools.lru_cache(maxsize=4096)
def _encodable(text: str, encoding: str) -> str:
    """``text`` as a legacy payroll system would store it in ``encoding``.

    Letters the code page lacks lose their accent (Lithuanian "ė" in Windows-1250 becomes "e"),
    as such exports do. Names come from small pools, so the cache makes this free.
    """
    text = text.translate(_CEDILLA)
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for char in text:
        try:
            char.encode(encoding)
            out.append(char)
        except UnicodeEncodeError:
            out.append(ascii_fold(char) or "?")
    return "".join(out)


def _bsn(rng: random.Random) -> str:
    """A random number that passes the BSN 11-proef (weights 9..2 and -1)."""
    while True:
        digits = [rng.randrange(10) for _ in range(8)]
        if digits[0] == 0 and digits[1] == 0:
            continue
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        last = total % 11
        if last <= 9:
            return "".join(map(str, digits)) + str(last)


def write_roster_xlsx(
    path: Path | str,
    *,
    rows: int,
    seed: int,
    period_start: dt.date,
    period_end: dt.date,
    **options,
) -> int:
    """The same roster as an XLSX workbook (first sheet, header in row 1). For small sizes.

    Every cell is written as text, as payroll exports do for worker numbers and phone numbers,
    so leading zeros survive.
    """
    import tempfile

    from openpyxl import Workbook

    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "roster.csv"
        workers = write_roster_csv(
            csv_path,
            rows=rows,
            seed=seed,
            period_start=period_start,
            period_end=period_end,
            **options,
        )
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Roster")
        delimiter = options.get("delimiter", ",")
        with csv_path.open(encoding=options.get("encoding", "utf-8"), newline="") as handle:
            for record in csv.reader(handle, delimiter=delimiter):
                sheet.append(record)
        path.parent.mkdir(parents=True, exist_ok=True)
        workbook.save(path)
    return workers
