"""Schemes and assessment: levy schemes loaded from files (``schemes``), the period assessment
that turns payroll lines into charges per payer (``services``), and their reads
(``selectors``). See docs/levies.md."""
