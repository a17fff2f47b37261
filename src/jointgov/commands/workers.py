"""Worker processes for ``check``: each file is checked in a forked child, so that whatever happens to the
rule engine there (it is C code, and can be killed by a signal) takes only that file with it.

The workers are forked after the rulesets are registered, so each starts at once with its own copy of
the engine. Files are handed out one at a time; a worker that dies (a segmentation fault, an abort, a
``kill``) is noticed at once, because its end of the pipe closes: its file is given back as ``Lost``, a
new worker takes its place, and the run goes on. Results come back in the order of the files, so the
output is the same whatever the number of workers. ``jointgov check`` uses this for every run where the
platform can fork: a one-file run pays for one fork (a few milliseconds), and can then say in one line
that it lost its engine instead of dying with it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")


@dataclass(frozen=True)
class Lost:
    """A file whose check did not finish: the worker died, or the check raised (a bug)."""

    path: str
    reason: str
    """What happened, in words: ``the rule engine died (SIGSEGV)``, or the exception."""


def can_fork() -> bool:
    """Whether checks can run in forked workers here (not on Windows)."""
    return "fork" in multiprocessing.get_all_start_methods()


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the platform says, else all)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def in_process(items: list[str], work: Callable[[str], T]) -> Iterator[T | Lost]:
    """Each item's result, in this process (where nothing can be forked): an exception is a ``Lost`` item."""
    for item in items:
        try:
            yield work(item)
        except Exception as exc:  # a bug in one file's check: the others are still checked
            yield Lost(item, f"internal error: {exc.__class__.__name__}: {exc}")


class Pool(Generic[T]):
    """Forked processes that apply *work* to the items, one item at a time each (``results``); ``close`` stops
    them, whatever happened."""

    def __init__(self, items: list[str], work: Callable[[str], T]) -> None:
        """A pool for *items*; no worker runs until ``results`` starts them."""
        self.items = items
        self.work = work
        self.context = multiprocessing.get_context("fork")
        self.busy: dict[Connection, tuple[Any, int | None]] = {}

    def _start(self) -> None:
        mine, theirs = self.context.Pipe()
        ours = [*self.busy, mine]  # the worker closes its copies of our ends: only we may hold them
        process = self.context.Process(target=_serve, args=(self.items, self.work, theirs, ours), daemon=True)
        with _interrupts_held():  # ^C now would be lost in the fork, or leave a worker nobody stops
            process.start()
            self.busy[mine] = (process, None)
        theirs.close()  # only the worker holds its end: when it dies, ours reads end-of-file

    def results(self, workers: int) -> Iterator[T | Lost]:
        """Each item's result (or ``Lost``), in the order of the items, from *workers* processes (at least one,
        at most one per item)."""
        for _ in range(max(1, min(workers, len(self.items)))):
            self._start()
        pending = list(range(len(self.items)))[::-1]
        done: dict[int, T | Lost] = {}
        following = 0
        for connection in list(self.busy):
            self._give(connection, pending)
        while following < len(self.items):
            while following in done:
                yield done.pop(following)
                following += 1
            if following >= len(self.items):
                break
            for ready in wait(list(self.busy)):
                connection = cast(Connection, ready)  # wait() gives back the pipes it was given
                process, index = self.busy[connection]
                try:
                    got, ok, value = connection.recv()
                except (EOFError, OSError):  # the worker died
                    process.join()
                    del self.busy[connection]
                    connection.close()
                    if index is not None:
                        done[index] = Lost(self.items[index], _death(process.exitcode))
                    if pending:
                        self._start()
                        self._give(next(reversed(self.busy)), pending)
                    continue
                done[got] = value if ok else Lost(self.items[got], value)
                self._give(connection, pending)

    def _give(self, connection: Connection, pending: list[int]) -> None:
        process, _ = self.busy[connection]
        index = pending.pop() if pending else None
        self.busy[connection] = (process, index)
        if index is not None:
            connection.send(index)

    def close(self) -> None:
        """Stop every worker (also when the run is interrupted)."""
        for connection, (process, _) in list(self.busy.items()):
            if process.is_alive():
                process.terminate()
            process.join()
            connection.close()
        self.busy.clear()


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


def _serve(items: list[str], work: Callable[[str], Any], connection: Connection, ours: list[Connection]) -> None:
    """A worker: check the items it is given until its pipe closes (the parent is gone, or done); never returns
    (``os._exit``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ^C reaches the whole group: the parent stops the workers
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    for end in ours:  # copies of the parent's ends, inherited by the fork: holding them, it would wait for ever
        end.close()
    status = 0
    try:
        while True:
            try:
                index = connection.recv()
            except (EOFError, OSError):
                break
            try:
                reply = (index, True, work(items[index]))
            except Exception as exc:  # a bug in one file's check: said, not fatal
                reply = (index, False, f"internal error: {exc.__class__.__name__}: {exc}")
            connection.send(reply)
    except BaseException:  # pragma: no cover - the parent sees the pipe close
        status = 1
    os._exit(status)  # no exit handlers, no flushing of buffers inherited from the parent


def _death(code: int | None) -> str:
    """How a worker ended, in words."""
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"its check was killed by {name} (the rule engine crashed, or the system stopped it)"
    return f"its check ended without a result (the worker process exited with status {code})"
