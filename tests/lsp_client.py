"""A small JSON-RPC client that drives a language server over stdio, as an editor would (standard library only).

The tests (tests/test_lsp.py) and the latency benchmark (bench/lsp_latency.py) start the real
``jointgov lsp`` process with it: requests wait for their response, notifications from the server
are kept in order, and the server's own requests (window/showDocument, workspace/configuration,
client/registerCapability) are answered and recorded.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

TIMEOUT = 60.0
"""Seconds to wait for an answer: generous, for a shared machine; a test that waits this long has failed."""


class ServerError(RuntimeError):
    """The server answered a request with an error."""


class Client:
    """One server process and the conversation with it."""

    def __init__(self, command: Sequence[str], cwd: str | Path | None = None, env: dict[str, str] | None = None
                 ) -> None:
        """Start *command* with pipes for stdin and stdout (stderr is kept, for failures)."""
        self.process = subprocess.Popen(list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, cwd=cwd, env=env)
        self._next = 0
        self._lock = threading.Lock()
        self._responses: dict[int, queue.Queue[dict[str, Any]]] = {}
        self.notifications: list[dict[str, Any]] = []
        self.server_requests: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self.stderr = b""
        self._threads = [threading.Thread(target=self._read, daemon=True),
                         threading.Thread(target=self._drain, daemon=True)]
        for thread in self._threads:
            thread.start()

    # -------------------------------------------------------------- wire

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        with self._lock:
            self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.process.stdin.flush()

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr += line

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    with self._changed:
                        self._changed.notify_all()
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if length is None:
                continue
            message = json.loads(stream.read(length))
            self._dispatch(message)

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "id" in message and "method" not in message:
            box = self._responses.get(message["id"])
            if box is not None:
                box.put(message)
            return
        if "id" in message:  # the server asks something
            self.server_requests.append(message)
            result: Any = None
            if message["method"] == "window/showDocument":
                result = {"success": True}
            elif message["method"] == "workspace/configuration":
                result = [None for _ in message.get("params", {}).get("items", [])]
            self._send({"id": message["id"], "result": result})
        with self._changed:
            self.notifications.append({**message, "received": time.monotonic()})
            self._changed.notify_all()

    # -------------------------------------------------------------- protocol

    def request(self, method: str, params: Any = None, timeout: float = TIMEOUT) -> Any:
        """Send a request and return its result (ServerError when the server answers with an error)."""
        self._next += 1
        box: queue.Queue[dict[str, Any]] = queue.Queue()
        self._responses[self._next] = box
        self._send({"id": self._next, "method": method, "params": params})
        try:
            answer = box.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no answer to {method} in {timeout} s; server stderr:\n"
                               f"{self.stderr.decode(errors='replace')[-3000:]}") from None
        finally:
            del self._responses[self._next]
        if "error" in answer:
            raise ServerError(answer["error"].get("message", str(answer["error"])))
        return answer.get("result")

    def notify(self, method: str, params: Any = None) -> None:
        """Send a notification."""
        self._send({"method": method, "params": params})

    def wait_for(self, accept: Callable[[dict[str, Any]], bool], after: int = 0, timeout: float = TIMEOUT
                 ) -> dict[str, Any]:
        """The first message from the server, from index *after* on, that *accept* takes."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for message in self.notifications[after:]:
                    if accept(message):
                        return message
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise TimeoutError(f"nothing accepted in {timeout} s (exit status {self.process.poll()}); "
                                       f"server stderr:\n{self.stderr.decode(errors='replace')[-3000:]}")
                self._changed.wait(left)

    def mark(self) -> int:
        """The index of the next message to arrive (for ``wait_for(after=...)``)."""
        with self._changed:
            return len(self.notifications)

    def diagnostics(self, uri: str, after: int = 0, version: int | None = None, timeout: float = TIMEOUT
                    ) -> list[dict[str, Any]]:
        """The next diagnostics published for *uri* (from message *after* on; of *version*, when given)."""
        def accept(message: dict[str, Any]) -> bool:
            params = message.get("params") or {}
            return (message.get("method") == "textDocument/publishDiagnostics" and params.get("uri") == uri
                    and (version is None or params.get("version") == version))
        found: list[dict[str, Any]] = self.wait_for(accept, after, timeout)["params"]["diagnostics"]
        return found

    # -------------------------------------------------------------- session

    def initialize(self, root: Path, options: dict[str, Any] | None = None,
                   capabilities: dict[str, Any] | None = None) -> dict[str, Any]:
        """initialize and initialized, with *root* as the one workspace folder; the server's capabilities."""
        uri = root.resolve().as_uri()
        result: dict[str, Any] = self.request("initialize", {
            "processId": os.getpid(), "rootUri": uri, "workspaceFolders": [{"uri": uri, "name": root.name}],
            "capabilities": capabilities or {"window": {"showDocument": {"support": True}}},
            "initializationOptions": options or {}})
        self.notify("initialized", {})
        return result

    def open(self, path: Path, text: str | None = None, version: int = 1) -> str:
        """didOpen *path* (its text from disk unless given); its URI."""
        uri = path.resolve().as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "yaml", "version": version,
            "text": path.read_text(encoding="utf-8") if text is None else text}})
        return uri

    def replace(self, uri: str, text: str, version: int) -> None:
        """didChange: the whole text."""
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                               "contentChanges": [{"text": text}]})

    def edit(self, uri: str, version: int, start: tuple[int, int], end: tuple[int, int], text: str) -> None:
        """didChange: replace the 0-based range *start*-*end* with *text* (an incremental change)."""
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [
            {"range": {"start": {"line": start[0], "character": start[1]},
                       "end": {"line": end[0], "character": end[1]}}, "text": text}]})

    def close(self) -> int:
        """shutdown and exit; the process's exit status (its pipes closed)."""
        try:
            if self.process.poll() is None:
                self.request("shutdown", None, timeout=20)
                self.notify("exit")
            status = self.process.wait(timeout=20)
        except (TimeoutError, OSError, subprocess.TimeoutExpired):
            self.process.kill()
            status = self.process.wait()
        for thread in self._threads:
            thread.join(timeout=10)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        return status
