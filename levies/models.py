# Levy schemes, charges and the ledger arrive with the levies issue.
