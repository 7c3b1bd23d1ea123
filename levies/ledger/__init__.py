"""The double-entry ledger: balanced, append-only postings (``services``) and the balances read
from them (``selectors``). Every other sub-domain moves money through here."""
