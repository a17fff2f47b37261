"""Worker processes for ``check``: each file is checked in a forked child, so that whatever happens to the
rule engine there (it is C code, and can be killed by a signal) takes only that file with it.

The workers are forked after the rulesets are registered, so each starts at once with its own copy of
the engine. Files are handed out one at a time; a worker that dies (a segmentation fault, an abort, a
``kill``) is noticed at once, because its end of the pipe closes: its file is given back as ``Lost``, a
new worker takes its place, and the run goes on. Results come back in the order of the files, so the
output is the same whatever the number of workers. ``jointgov check`` uses this for every run where the
platform can fork: a one-file run pays for one fork (a few milliseconds), and can then say in one line
that it lost its engine instead of dying with it.

A worker is a plain ``os.fork`` with two pipes (the file's number one way, its pickled result the other): the
``multiprocessing`` package would cost a one-file run more to import (about 12 ms: sockets, temporary files,
subprocesses) than the whole fork.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import select
import signal
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, NoReturn, TypeVar

T = TypeVar("T")
_HEADER = struct.Struct("<Q")
"""Each message on a pipe: its length (8 bytes), then that many bytes."""


@dataclass(frozen=True)
class Lost:
    """A file whose check did not finish: the worker died, or the check raised (a bug)."""

    path: str
    reason: str
    """What happened, in words: ``the rule engine died (SIGSEGV)``, or the exception."""


def can_fork() -> bool:
    """Whether checks can run in forked workers here (not on Windows)."""
    return hasattr(os, "fork")


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the platform says, else all)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def in_process(items: list[str], work: Callable[[str], T]) -> Iterator[T | Lost]:
    """Each item's result, in this process (where nothing can be forked): an exception is a ``Lost`` item."""
    with _collecting():
        for item in items:
            try:
                yield work(item)
            except Exception as exc:  # a bug in one file's check: the others are still checked
                yield Lost(item, f"internal error: {exc.__class__.__name__}: {exc}")


@dataclass
class _Worker:
    """One forked worker, as the parent sees it: its process, the pipe ends the parent holds, its item."""

    pid: int
    send: int
    """The parent's end of the pipe to the worker (item numbers)."""
    receive: int
    """The parent's end of the pipe from the worker (results)."""
    index: int | None = None
    """The item it is checking (None: idle)."""
    status: int | None = None
    """Its exit status once reaped (``os.waitstatus_to_exitcode``: a signal is negative)."""


class Pool(Generic[T]):
    """Forked processes that apply *work* to the items, one item at a time each (``results``); ``close`` stops
    them, whatever happened."""

    def __init__(self, items: list[str], work: Callable[[str], T]) -> None:
        """A pool for *items*; no worker runs until ``results`` starts them."""
        self.items = items
        self.work = work
        self.busy: dict[int, _Worker] = {}
        """The live workers, by the parent's end of their result pipe."""

    def _start(self) -> _Worker:
        from_parent, to_worker = os.pipe()
        from_worker, to_parent = os.pipe()
        with _interrupts_held():  # ^C now would be lost in the fork, or leave a worker nobody stops
            pid = os.fork()
            if pid == 0:  # the worker: it closes every end the parent holds (only the parent may hold them)
                ours = [to_worker, from_worker, *(fd for w in self.busy.values() for fd in (w.send, w.receive))]
                _serve(self.items, self.work, from_parent, to_parent, ours)
            worker = _Worker(pid, to_worker, from_worker)
            self.busy[from_worker] = worker
        os.close(from_parent)  # only the worker holds its ends: when it dies, ours reads end-of-file
        os.close(to_parent)
        return worker

    def results(self, workers: int) -> Iterator[T | Lost]:
        """Each item's result (or ``Lost``), in the order of the items, from *workers* processes (at least one,
        at most one per item)."""
        with _collecting():  # from before the first fork: the workers inherit it
            yield from self._results(workers)

    def _results(self, workers: int) -> Iterator[T | Lost]:
        for _ in range(max(1, min(workers, len(self.items)))):
            self._start()
        pending = list(range(len(self.items)))[::-1]
        done: dict[int, T | Lost] = {}
        following = 0
        for worker in list(self.busy.values()):
            self._give(worker, pending)
        while following < len(self.items):
            while following in done:
                yield done.pop(following)
                following += 1
            if following >= len(self.items):
                break
            poll = select.poll()
            for fd in self.busy:
                poll.register(fd, select.POLLIN)
            for fd, _ in poll.poll():
                worker = self.busy[fd]
                message = _receive(fd)
                if message is None:  # the worker died
                    self._reap(worker)
                    if worker.index is not None:
                        done[worker.index] = Lost(self.items[worker.index], _death(worker.status))
                    if pending:
                        self._give(self._start(), pending)
                    continue
                got, ok, value = pickle.loads(message)  # from this run's own worker: its pickle is ours
                done[got] = value if ok else Lost(self.items[got], value)
                self._give(worker, pending)

    def _give(self, worker: _Worker, pending: list[int]) -> None:
        worker.index = pending.pop() if pending else None
        if worker.index is not None:
            try:
                _send(worker.send, _HEADER.pack(worker.index))
            except OSError:  # it died before it could read: its pipe says so next
                pass

    def _reap(self, worker: _Worker) -> None:
        """Wait for a worker that ended (or is ending) and close the parent's ends of its pipes."""
        del self.busy[worker.receive]
        os.close(worker.send)
        os.close(worker.receive)
        _, status = os.waitpid(worker.pid, 0)
        worker.status = os.waitstatus_to_exitcode(status)

    def close(self) -> None:
        """Stop every worker (also when the run is interrupted)."""
        for worker in list(self.busy.values()):
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGTERM)  # not yet reaped: the pid is still the worker's
            self._reap(worker)


@contextlib.contextmanager
def _collecting() -> Iterator[None]:
    """Garbage collection for the file pass. What start-up made (modules, the catalogue, the registered rulesets)
    lives as long as the run: it is frozen (``gc.freeze``), so no collection traverses it again and a forked
    worker's collections do not write to (and so copy) the memory that holds it. Collection is turned on (the
    command line turns it off for start-up, which makes no garbage: ``jointgov.cli.check``); after the pass,
    the frozen objects can be collected again."""
    gc.freeze()
    gc.enable()
    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold SIGINT for the duration (it is delivered after), where the platform can."""
    block = getattr(signal, "pthread_sigmask", None)
    if block is None:
        yield
        return
    previous = block(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        block(signal.SIG_SETMASK, previous)


def _serve(items: list[str], work: Callable[[str], Any], receive: int, send: int, ours: list[int]) -> NoReturn:
    """A worker: check the items it is given until its pipe closes (the parent is gone, or done); never returns
    (``os._exit``)."""
    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # ^C reaches the whole group: the parent stops the workers
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        for end in ours:  # copies of the parent's ends, inherited by the fork: holding them, it would wait for ever
            os.close(end)
        while True:
            message = _receive(receive)
            if message is None:
                break
            (index,) = _HEADER.unpack(message)
            try:
                reply = _dumps((index, True, work(items[index])))
            except Exception as exc:  # a bug in one file's check (or a result that cannot be sent): said, not fatal
                reply = _dumps((index, False, f"internal error: {exc.__class__.__name__}: {exc}"))
            _send(send, reply)
    except BaseException:  # pragma: no cover - the parent sees the pipe close
        status = 1
    os._exit(status)  # no exit handlers, no flushing of buffers inherited from the parent


def _dumps(value: Any) -> bytes:
    return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


def _send(fd: int, payload: bytes) -> None:
    """Write one message: its length, then *payload*."""
    data = memoryview(_HEADER.pack(len(payload)) + payload)
    while data:
        data = data[os.write(fd, data):]


def _receive(fd: int) -> bytes | None:
    """Read one message; None at end-of-file (the other end closed, or its process died, even mid-message)."""
    header = _read_exactly(fd, _HEADER.size)
    if header is None:
        return None
    return _read_exactly(fd, _HEADER.unpack(header)[0])


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks: list[bytes] = []
    left = size
    while left:
        try:
            chunk = os.read(fd, min(left, 1 << 20))
        except OSError:
            return None
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _death(code: int | None) -> str:
    """How a worker ended, in words."""
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"its check was killed by {name} (the rule engine crashed, or the system stopped it)"
    return f"its check ended without a result (the worker process exited with status {code})"
