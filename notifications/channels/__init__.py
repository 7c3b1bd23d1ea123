"""Channels a notice can travel by, and the errors they raise.

A channel either returns a provider's message id (or a stored file name) or raises one of the two
errors below with a stable code. The code is what gets recorded and logged: providers' own
messages quote phone numbers and addresses, so they are never kept.
"""

from __future__ import annotations


class DeliveryError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code[:60]


class TemporaryDeliveryError(DeliveryError):
    """Worth trying again later: a timeout, a 5xx, a rate limit."""


class PermanentDeliveryError(DeliveryError):
    """Trying again will not help: a refused number or address."""
