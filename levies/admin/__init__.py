"""Levies in the admin, one module per sub-domain: schemes, runs and charges (``assessment``),
the ledger, invoices and claims (``billing``), payments, bank statements, and the levies' action
on enrolment's roster uploads (``rosters``). Nearly everything is read-only here: schemes come
from reviewable files and money moves only through the services. Django imports this package;
importing the modules registers their admins.
"""

from __future__ import annotations

from levies.admin import assessment, bank, billing, ledger, payments, rosters

__all__ = ["assessment", "bank", "billing", "ledger", "payments", "rosters"]
