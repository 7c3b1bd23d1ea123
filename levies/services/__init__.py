"""Writes of the levies app: schemes, assessment, ledger. Views, tasks, commands and the admin
call these."""

from __future__ import annotations

from levies.services.assessment import levies_assess, levies_assess_held_periods
from levies.services.ledger import ledger_post
from levies.services.schemes import levy_scheme_apply, levy_scheme_load, levy_scheme_parse

__all__ = [
    "ledger_post",
    "levies_assess",
    "levies_assess_held_periods",
    "levy_scheme_apply",
    "levy_scheme_load",
    "levy_scheme_parse",
]
