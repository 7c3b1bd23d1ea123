"""Reading a large roster in several forked processes, batches coming back in file order.

Each worker process reopens the file itself, passes over the records the others convert and
converts every ``workers``-th batch; the importing process takes the batches from the workers in
turn, so the COPY text, issues and counts come back in file order, the same as reading in one
process. A worker is forked (not spawned) because it needs the reader as it stands after the
first batch: the header, the file's period, the memos; none of that has to be pickled. Messages
come back over a pipe as pickles of our own data, each behind its length.

``multiprocessing`` would add a pickled task per batch and a manager of its own for no gain here:
a worker converts a fixed share of batches known at the fork, and the parent must be able to
stop them all at once (SIGKILL) when reading stops at a limit.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
from collections.abc import Iterator
from typing import Any, BinaryIO, Protocol

from enrolment.roster.sources import READ_ERRORS

# A batch's COPY text and outcome (the reader's to merge), or the end of a worker's share.
Message = tuple[str, bytes, Any]

_LENGTH = struct.Struct("!Q")


class BatchReading(Protocol):
    """What the pool needs of a reader."""

    def reopen(self) -> tuple[Iterator[Any], Any]:
        """The file's data records, read afresh past the header, and what closes them."""

    def skip(self, records: Iterator[Any], count: int) -> int:
        """Pass over up to ``count`` records (another process converts them); how many there
        were."""

    def read_batch(self, records: Iterator[Any]) -> tuple[bytes, bool]:
        """Convert a batch on its own (counts and issues from zero): its COPY text, and
        whether more may follow."""

    def batch_outcome(self) -> Any:
        """The counts and issues of the batch just read, to send to the importing process."""

    def merge(self, outcome: Any) -> None:
        """Add a batch's outcome, as if it had been read here."""

    def stops_after(self, outcome: Any) -> bool:
        """Whether reading stops after this batch (a read failure, a limit)."""


def parallel_batches(
    reading: BatchReading, *, skip: int, batch_rows: int, workers: int
) -> Iterator[bytes]:
    """The COPY text of the batches after the first ``skip`` records, from ``workers``
    processes."""
    children: list[tuple[int, BinaryIO]] = []
    try:
        for index in range(workers):
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker: never returns into the caller's frames
                code = 1
                try:
                    os.close(read_end)
                    with os.fdopen(write_end, "wb") as out:
                        _work(out, reading, skip, batch_rows, index, workers)
                    code = 0
                finally:
                    # No atexit handlers, no finalizers: the parent's database connection
                    # and files are shared and stay the parent's.
                    os._exit(code)
            os.close(write_end)
            children.append((pid, os.fdopen(read_end, "rb")))
        batch = 0
        while True:
            _, pipe = children[batch % workers]
            kind, payload, outcome = _receive(pipe)
            if kind == "end":
                return
            reading.merge(outcome)
            if payload:
                yield payload
            if reading.stops_after(outcome):
                return
            batch += 1
    finally:
        for pid, pipe in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pipe.close()


def _work(
    out: BinaryIO, reading: BatchReading, skip: int, batch_rows: int, index: int, workers: int
) -> None:
    """A worker's share: every ``workers``-th batch from ``index``, after ``skip`` records."""
    records, close = reading.reopen()
    try:
        if reading.skip(records, skip) < skip:
            _send(out, ("end", b"", None))
            return
        batch = 0
        while True:
            if batch % workers != index:
                if reading.skip(records, batch_rows) < batch_rows:
                    break
                batch += 1
                continue
            payload, more = reading.read_batch(records)
            _send(out, ("batch", payload, reading.batch_outcome()))
            if not more:
                break
            batch += 1
    except READ_ERRORS:
        pass  # met while skipping: the worker that owns that batch reports it
    finally:
        close()
    _send(out, ("end", b"", None))


def _send(out: BinaryIO, message: Message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_LENGTH.pack(len(data)))
    out.write(data)
    out.flush()


def _receive(pipe: BinaryIO) -> Message:
    head = pipe.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise RuntimeError("A roster reading process stopped unexpectedly.")
    (size,) = _LENGTH.unpack(head)
    data = pipe.read(size)
    if len(data) < size:
        raise RuntimeError("A roster reading process stopped unexpectedly.")
    return pickle.loads(data)  # noqa: S301 (our own forked child, over our own pipe)
