"""Levy schemes are data: loaded from a reviewable YAML or JSON file, versioned by date.

Loading is idempotent: the same file twice changes nothing. A version whose ``valid_from`` is
new is added; if the version before it is open-ended it ends the day before (it is superseded).
A version that already exists must have the same terms: a loaded version may already have been
used to assess, so changing it in place would rewrite history — add a new version instead.
Overlapping versions are refused and nothing is changed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction

from employers.models import Sector
from levies.models import LevyScheme, LevySchemeVersion
from unionroll.exceptions import Conflict, Invalid, NotFound

BASES = {choice.value for choice in LevySchemeVersion.Basis}
# ``base`` (who is charged for) is not ``basis`` (how the amount is computed).
CHARGE_BASES = tuple(choice.value for choice in LevySchemeVersion.Base)
PAYERS = ("agency", "hirer", "state")
TERMS = (
    "base",
    "basis",
    "rate",
    "min_per_period",
    "max_per_period",
    "funding_agency",
    "funding_hirer",
    "funding_state",
    "collect_during_window",
)


@dataclass(frozen=True)
class VersionSpec:
    valid_from: dt.date
    valid_to: dt.date | None
    base: str
    basis: str
    rate: Decimal
    min_per_period: Decimal | None
    max_per_period: Decimal | None
    funding_agency: Decimal
    funding_hirer: Decimal
    funding_state: Decimal
    collect_during_window: bool

    def terms(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in TERMS)


def _invalid(message: str, **detail: Any) -> Invalid:
    return Invalid("levy_scheme_invalid", message, detail)


def _decimal(value: Any, field: str, where: str, *, places: int) -> Decimal:
    # Floats are refused: 0.1 in YAML is a binary float, and money must be exact. Quote it.
    if isinstance(value, float | bool):
        raise _invalid(f'{where}: {field} must be a quoted decimal, e.g. "0.50".', field=field)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError):
        raise _invalid(f"{where}: {field} is not a number.", field=field) from None
    if not number.is_finite() or number < 0:
        raise _invalid(f"{where}: {field} must be zero or more.", field=field)
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise _invalid(f"{where}: {field} has more than {places} decimal places.", field=field)
    return number.quantize(Decimal(1).scaleb(-places))


def _date(value: Any, field: str, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _invalid(f"{where}: {field} must be a date YYYY-MM-DD.", field=field) from None


def _version(raw: Any, index: int) -> VersionSpec:
    where = f"version {index + 1}"
    if not isinstance(raw, dict):
        raise _invalid(f"{where} must be a mapping.")
    known = {"valid_from", "valid_to", "basis", "rate", "min_per_period", "max_per_period"}
    known |= {"funding", "collect_during_window", "base"}
    if unknown := sorted(set(raw) - known):
        raise _invalid(f"{where}: unknown field(s) {', '.join(unknown)}.", fields=unknown)
    for field in ("valid_from", "basis", "rate", "funding"):
        if raw.get(field) in (None, ""):
            raise _invalid(f"{where}: {field} is required.", field=field)
    basis = raw["basis"]
    if basis not in BASES:
        raise _invalid(f"{where}: basis must be one of {', '.join(sorted(BASES))}.", field="basis")
    funding = raw["funding"]
    if not isinstance(funding, dict) or set(funding) - set(PAYERS):
        raise _invalid(f"{where}: funding must map agency, hirer and state to percentages.")
    shares = {p: _decimal(funding.get(p, 0), f"funding.{p}", where, places=2) for p in PAYERS}
    if sum(shares.values()) != 100:
        raise _invalid(
            f"{where}: funding shares must sum to exactly 100 (they sum to "
            f"{sum(shares.values())}).",
            field="funding",
        )
    minimum = raw.get("min_per_period")
    maximum = raw.get("max_per_period")
    minimum = None if minimum is None else _decimal(minimum, "min_per_period", where, places=2)
    maximum = None if maximum is None else _decimal(maximum, "max_per_period", where, places=2)
    if minimum is not None and maximum is not None and minimum > maximum:
        raise _invalid(f"{where}: min_per_period is above max_per_period.")
    valid_from = _date(raw["valid_from"], "valid_from", where)
    valid_to = None if raw.get("valid_to") is None else _date(raw["valid_to"], "valid_to", where)
    if valid_to is not None and valid_to < valid_from:
        raise _invalid(f"{where}: valid_to is before valid_from.")
    base = raw.get("base", LevySchemeVersion.Base.MEMBERS)
    if base not in CHARGE_BASES:
        raise _invalid(
            f"{where}: base must be {' or '.join(CHARGE_BASES)} (it is {base!r}).", field="base"
        )
    collect = raw.get("collect_during_window", False)
    if not isinstance(collect, bool):
        raise _invalid(f"{where}: collect_during_window must be true or false.")
    if base == LevySchemeVersion.Base.COVERED_WORKERS:
        # Every covered worker is charged at once, whatever their union status: holding
        # charges while a member's window is open would make the invoice depend on it.
        if raw.get("collect_during_window") is False:
            raise _invalid(
                f"{where}: with base covered_workers nothing is held while an opt-out window is "
                "open, so collect_during_window cannot be false; leave it out.",
                field="collect_during_window",
            )
        collect = True
    return VersionSpec(
        valid_from=valid_from,
        valid_to=valid_to,
        base=base,
        basis=basis,
        rate=_decimal(raw["rate"], "rate", where, places=4),
        min_per_period=minimum,
        max_per_period=maximum,
        funding_agency=shares["agency"],
        funding_hirer=shares["hirer"],
        funding_state=shares["state"],
        collect_during_window=collect,
    )


def levy_scheme_parse(*, text: str, filename: str = "") -> dict[str, Any]:
    """Parse a scheme file (JSON, or YAML when PyYAML is installed) into checked values."""
    data: Any
    if filename.endswith(".json") or text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _invalid(f"The file is not valid JSON (line {exc.lineno}).") from None
    else:
        try:
            import yaml
        except ImportError:  # pragma: no cover - PyYAML is installed with drf-spectacular
            raise _invalid("YAML needs PyYAML; give the scheme as JSON instead.") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            raise _invalid("The file is not valid YAML.") from None
    if not isinstance(data, dict):
        raise _invalid("A scheme file holds one mapping with code, sector and versions.")
    for field in ("code", "sector", "versions"):
        if not data.get(field):
            raise _invalid(f"{field} is required.", field=field)
    if not isinstance(data["versions"], list):
        raise _invalid("versions must be a list.")
    versions = sorted(
        (_version(raw, i) for i, raw in enumerate(data["versions"])), key=lambda v: v.valid_from
    )
    return {"code": str(data["code"]), "sector": str(data["sector"]), "versions": versions}


def _ends(specs: list[VersionSpec | LevySchemeVersion]) -> list[dt.date | None]:
    """Each version's last day: its own valid_to, else the day before the next one starts."""
    ends: list[dt.date | None] = []
    for i, v in enumerate(specs):
        if v.valid_to is not None:
            ends.append(v.valid_to)
        elif i + 1 < len(specs):
            ends.append(specs[i + 1].valid_from - dt.timedelta(days=1))
        else:
            ends.append(None)
    return ends


def _terms_of(version: LevySchemeVersion) -> tuple[Any, ...]:
    return tuple(getattr(version, name) for name in TERMS)


def levy_scheme_load(*, path: Path | str) -> dict[str, Any]:
    """Load a scheme file. Returns {"scheme", "created", "versions_added", "versions_ended",
    "unchanged"}. Raises ApplicationError (``levy_scheme_invalid``, ``levy_scheme_overlap``,
    ``levy_scheme_version_changed``, ``levy_scheme_sector_unknown``) and then changes nothing."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise _invalid("The scheme file cannot be read as UTF-8 text.") from None
    spec = levy_scheme_parse(text=text, filename=path.name)
    return levy_scheme_apply(spec=spec)


def levy_scheme_apply(*, spec: dict[str, Any]) -> dict[str, Any]:
    sector = Sector.objects.filter(code=spec["sector"]).first()
    if sector is None:
        raise NotFound(
            "levy_scheme_sector_unknown",
            f"There is no sector with code {spec['sector']!r}; add it first (sector_add).",
            {"sector": spec["sector"]},
        )
    new_specs: list[VersionSpec] = spec["versions"]
    for a, b in itertools.pairwise(new_specs):
        if a.valid_from == b.valid_from:
            raise Invalid(
                "levy_scheme_overlap",
                f"Two versions in the file start on {a.valid_from}.",
                {"valid_from": a.valid_from.isoformat()},
            )
    with transaction.atomic():
        scheme = LevyScheme.objects.select_for_update().filter(code=spec["code"]).first()
        other = LevyScheme.objects.filter(sector=sector).exclude(code=spec["code"]).first()
        if other is not None:
            raise Conflict(
                "levy_scheme_overlap",
                f"Sector {sector.code} already has levy scheme {other.code}; a sector has one "
                "scheme (give the new terms as a new version of it).",
                {"sector": sector.code, "scheme": other.code},
            )
        if scheme is not None and scheme.sector_id != sector.pk:
            raise _invalid(f"Scheme {scheme.code} belongs to another sector.")
        created = scheme is None
        if created:
            scheme = LevyScheme.objects.create(code=spec["code"], sector=sector)
        existing = {v.valid_from: v for v in scheme.versions.all()}

        to_add: list[VersionSpec] = []
        for v in new_specs:
            old = existing.get(v.valid_from)
            if old is None:
                to_add.append(v)
            elif _terms_of(old) != v.terms() or (
                v.valid_to is not None and v.valid_to != old.valid_to
            ):
                raise Conflict(
                    "levy_scheme_version_changed",
                    f"The version from {v.valid_from} is already loaded with other terms; a "
                    "loaded version may have been used to assess, so add a new version with a "
                    "later valid_from instead of changing it.",
                    {"valid_from": v.valid_from.isoformat()},
                )

        merged: list[VersionSpec | LevySchemeVersion] = sorted(
            [*existing.values(), *to_add], key=lambda v: v.valid_from
        )
        ends = _ends(merged)
        for i in range(len(merged) - 1):
            end = ends[i]
            if end is not None and end >= merged[i + 1].valid_from:
                raise Conflict(
                    "levy_scheme_overlap",
                    f"The version from {merged[i].valid_from} runs to {end}, past the start of "
                    f"the version from {merged[i + 1].valid_from}: versions may not overlap.",
                    {
                        "valid_from": merged[i].valid_from.isoformat(),
                        "next_valid_from": merged[i + 1].valid_from.isoformat(),
                    },
                )

        ended = 0
        for version, end in zip(merged, ends, strict=True):
            if isinstance(version, LevySchemeVersion):
                if version.valid_to is None and end is not None:
                    # Superseded from the new version's valid_from.
                    version.valid_to = end
                    version.save(update_fields=["valid_to"])
                    ended += 1
            else:
                LevySchemeVersion.objects.create(
                    scheme=scheme,
                    valid_from=version.valid_from,
                    valid_to=end,
                    **{name: getattr(version, name) for name in TERMS},
                )
    return {
        "scheme": scheme.code,
        "created": created,
        "versions_added": len(to_add),
        "versions_ended": ended,
        "unchanged": not created and not to_add and not ended,
    }
