"""Billing: invoices, credit notes and state claims issued from due charges (``services``),
their numbering and betalingskenmerk (``payment_reference``), their documents (``documents``
builds the PDF and CSV from plain values, ``printing`` fills those from the models,
``responses`` serves them as downloads), and the reads of invoices and arrears
(``selectors``)."""
