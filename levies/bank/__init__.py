"""Bank statements in: CAMT.053 and MT940 files read into plain, format-free entries, and the
pure helpers that find betalingskenmerken and invoice numbers in them (docs/bank-statements.md).

The parsers (``entries``, ``camt``, ``mt940``, ``parsing``, ``matching``, re-exported here)
hold no models and touch no database: ``levies.bank.services`` stores and books what they
return, and ``levies.bank.selectors`` reads the entries back for the reconciliation desk.
"""

from __future__ import annotations

from levies.bank.entries import (
    BankStatement,
    BankStatementError,
    Direction,
    StatementEntry,
)
from levies.bank.matching import invoice_numbers_in, references_in
from levies.bank.parsing import statement_parse

__all__ = [
    "BankStatement",
    "BankStatementError",
    "Direction",
    "StatementEntry",
    "invoice_numbers_in",
    "references_in",
    "statement_parse",
]
