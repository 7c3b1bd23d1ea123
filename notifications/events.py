"""Facts about workplace visits (unionroll.events), published by the visit services.

Each change members must hear about makes a new version of the visit; the notices name the
version they announce, so a change is told again and one version never twice.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VisitScheduled:
    visit_id: int
    version: int


@dataclass(frozen=True)
class VisitChanged:
    visit_id: int
    version: int


@dataclass(frozen=True)
class VisitCancelled:
    visit_id: int
    version: int
