"""One validator per kind of roster column: what a value must look like, and what it becomes.

Each validator is a plain function from the cell's value (text, or a date / Decimal an XLSX cell
already held) to the converted value, and raises ``Refused`` for a value the column does not
accept: a stable code, the sentence a payroll clerk reads, and the value as it may be shown
back. They know nothing of rows, files or where issues are collected; ``enrolment.roster.rows``
calls them for each row (only for values it has not met before: the common values of a large
file are memoised there) and records what they refuse. The codes and sentences are part of the
roster format, written up in docs/roster-format.md.

- ``text``: the worker number, first and last names, the CAO phase;
- ``dates``: dates (the period), the date of birth;
- ``numbers``: hours worked, amounts of money;
- ``contact``: e-mail address, phone number, language;
- ``places``: the hirer's KvK number, the site code, the sector;
- ``bsn``: the citizen service number.
"""

from enrolment.roster.columns.base import Refused

__all__ = ["Refused"]
