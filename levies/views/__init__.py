"""The levies pages, one module per audience: ``invoices`` (payers' invoices, claims and
statements), ``direct_debit`` (the SEPA mandate page), ``desk`` (the union's reconciliation
desk) and ``webhooks`` (Stripe's endpoint). Views only check who asks and render; reads come from
the sub-domains' selectors, writes from their services, downloads from
``levies.billing.responses`` (which the API uses too: an API never imports a page module).
"""
