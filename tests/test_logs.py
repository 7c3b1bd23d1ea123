"""Logged exceptions keep their stack trace and lose their message (unionroll/logs.py)."""

from __future__ import annotations

import io
import logging
import logging.config

from django.conf import settings

from unionroll.logs import WITHHELD, TracebackFormatter

# Built at run time, as a database's or a mail server's message is: a traceback prints the
# source line of each frame, and a literal there would show up in it for that reason alone.
PHONE = "+31 6 " + "1234 5678"
EMAIL = "anna.jansen" + "@example.nl"


class DuplicateKey(Exception):
    pass


class SendFailed(Exception):
    pass


def _store_contact() -> None:
    raise DuplicateKey(f"Key (phone)=({PHONE}) already exists.")


def _send_welcome() -> None:
    try:
        _store_contact()
    except DuplicateKey as exc:
        raise SendFailed(f"Could not send to {EMAIL}") from exc


def _configured_formatter() -> logging.Formatter:
    # Built the way logging.config builds it from settings.LOGGING when Django starts.
    spec = dict(settings.LOGGING["formatters"]["plain"])
    return logging.config.DictConfigurator(settings.LOGGING).configure_formatter(spec)


def _logged(formatter: logging.Formatter) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("tests.logs")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            _send_welcome()
        except SendFailed:
            logger.exception("member %s: welcome not sent", 42)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    return stream.getvalue()


def test_a_chained_exception_is_logged_with_its_frames_and_types_but_not_its_messages():
    text = _logged(_configured_formatter())

    assert "member 42: welcome not sent" in text
    # Where it happened, through the whole chain of causes...
    assert "Traceback (most recent call last):" in text
    assert "in _store_contact" in text
    assert "in _send_welcome" in text
    assert "The above exception was the direct cause of the following exception:" in text
    assert f"tests.test_logs.DuplicateKey {WITHHELD}" in text
    assert f"tests.test_logs.SendFailed {WITHHELD}" in text
    # ...the cause before the error it led to, as Python prints it...
    assert text.index("DuplicateKey") < text.index("SendFailed")
    # ...and nothing of what the exceptions said.
    assert PHONE not in text
    assert EMAIL not in text
    assert f"Key (phone)=({PHONE}) already exists." not in text
    assert f"Could not send to {EMAIL}" not in text


def test_an_exception_raised_while_handling_another_is_logged_with_both():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_configured_formatter())
    logger = logging.getLogger("tests.logs.context")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            try:
                _store_contact()
            except DuplicateKey:
                raise SendFailed(f"Also failed for {EMAIL}")  # noqa: B904 (the point here)
        except SendFailed:
            logger.exception("welcome not sent")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    text = stream.getvalue()

    assert "During handling of the above exception, another exception occurred:" in text
    assert "DuplicateKey" in text and "SendFailed" in text
    assert PHONE not in text and EMAIL not in text


def test_a_record_without_an_exception_is_formatted_as_usual():
    formatter = _configured_formatter()
    record = logging.LogRecord("tests.logs", logging.INFO, __file__, 1, "upload %s", (7,), None)

    assert formatter.format(record).endswith("INFO tests.logs upload 7")


def test_every_handler_of_the_deployed_logging_uses_the_traceback_formatter():
    formatters = settings.LOGGING["formatters"]

    assert formatters["plain"]["()"] == "unionroll.logs.TracebackFormatter"
    assert isinstance(_configured_formatter(), TracebackFormatter)
    for handler in settings.LOGGING["handlers"].values():
        assert formatters[handler["formatter"]]["()"] == "unionroll.logs.TracebackFormatter"
