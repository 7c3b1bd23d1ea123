"""Domain events: facts a lower app publishes, which a higher app subscribes to.

A lower app never calls up. When something happened that another part of the system may want to
act on (a roster was applied, a member opted out, a visit was moved), the app that made it
happen publishes an event, a small frozen dataclass defined in its own ``events.py`` that
carries ids and plain values. Apps above it subscribe in their ``AppConfig.ready()``; the
publisher does not know who, if anyone, listens (docs/architecture.md, "Events").

An event is handed to its subscribers **after the transaction that published it commits**, and
never for a rollback: a notice is not sent for an opt-out that did not happen. Outside a
transaction that is at once. A subscriber that fails is logged with its traceback and does not
keep the other subscribers from running, nor turn the publisher's committed work into an error.

Events never go into logs: only their type name does. Some carry a contact detail or a token in
memory (a replaced phone number, a sign-in link) that must reach one subscriber and nothing else.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from django.db import transaction

logger = logging.getLogger(__name__)

E = TypeVar("E")
Handler = Callable[[Any], None]

_subscribers: dict[type, list[Handler]] = defaultdict(list)


def subscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    """Call ``handler(event)`` for every ``event_type`` published from now on. Subscribing the
    same handler twice (``ready()`` run again) keeps one subscription."""
    if handler not in _subscribers[event_type]:
        _subscribers[event_type].append(handler)


def subscribers(event_type: type) -> list[Handler]:
    return list(_subscribers.get(event_type, ()))


def publish(event: object) -> None:
    """Hand ``event`` to its subscribers once the current transaction commits."""
    transaction.on_commit(partial(_dispatch, event))


def _dispatch(event: object) -> None:
    for handler in subscribers(type(event)):
        try:
            handler(event)
        except Exception:
            # The publisher's work has committed: a broken or unreachable subscriber (a broker
            # that is down) is an operator's problem, not the member's or the clerk's.
            logger.exception(
                "subscriber %s.%s failed for %s",
                getattr(handler, "__module__", "?"),
                getattr(handler, "__qualname__", repr(handler)),
                type(event).__name__,
            )
