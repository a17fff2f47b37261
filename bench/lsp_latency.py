"""Diagnostic latency of the language server: from an edit to its diagnostics, warm server, bundled examples.

    python bench/lsp_latency.py [--edits 50] [--debounce MS] [--bin DIR] [--json FILE] [FILE...]

For each agreement (default: every file in protocols/), starts ``jointgov lsp`` (from ``--bin``,
default the directory of the Python running this script) with the example's own date (its
``x-as-of``, else today) as ``asOf``, opens the file and waits for its first diagnostics (the
server is then warm: rules compiled, caches filled), then makes N edits one after another, as
someone typing: each adds or removes one letter at the end of the agreement's title, sent as an
incremental didChange. The latency of an edit is the time from sending it to receiving the
diagnostics published for its version, measured in this process; it includes the server's
debounce delay (default 50 ms; ``--debounce`` sets it), the check and both ends of the pipe.

Prints, per file and over all of them, the median and worst of the edits, with the machine's load
average (the machine may be shared: look at it before drawing conclusions). Nothing is asserted.
Standard library only, with the JSON-RPC client of the tests (tests/lsp_client.py).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.lsp_client import Client  # noqa: E402


def as_of(text: str) -> str:
    """The example's own date (``x-as-of``), else today."""
    found = re.search(r"^x-as-of:\s*(\d{4}-\d{2}-\d{2})", text, re.MULTILINE)
    return found.group(1) if found else _dt.date.today().isoformat()


def measure(path: Path, edits: int, command: list[str]) -> list[float]:
    """The latency of each of *edits* edits to *path*, in milliseconds."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    row = next(n for n, line in enumerate(lines) if line.startswith("  title: "))
    end = len(lines[row])
    client = Client(command, cwd=ROOT)
    try:
        client.initialize(ROOT, {"asOf": as_of(text)})
        uri = client.open(path, version=1)
        client.diagnostics(uri, version=1)
        out = []
        for n in range(edits):
            version = n + 2
            mark = client.mark()
            sent = time.monotonic()
            if n % 2 == 0:
                client.edit(uri, version, (row, end), (row, end), "x")
            else:
                client.edit(uri, version, (row, end), (row, end + 1), "")
            got = client.wait_for(lambda m, v=version: m.get("method") == "textDocument/publishDiagnostics"
                                  and m["params"].get("uri") == uri and m["params"].get("version") == v, mark)
            out.append((got["received"] - sent) * 1000)
        return out
    finally:
        client.close()


def main() -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--debounce", type=int, default=None, help="the server's debounce delay in ms")
    parser.add_argument("--bin", default=os.path.dirname(sys.executable))
    parser.add_argument("--json", type=Path, help="write every sample here")
    args = parser.parse_args()
    files = args.files or sorted((ROOT / "protocols").glob("*.yaml"))
    command = [os.path.join(args.bin, "jointgov"), "lsp"]
    if args.debounce is not None:
        command += ["--debounce", str(args.debounce)]
    samples: dict[str, list[float]] = {}
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores); command: {' '.join(command)}")
    print("\n| file | lines | edits | median ms | worst ms |\n| --- | ---: | ---: | ---: | ---: |")
    for path in files:
        found = measure(path, args.edits, command)
        samples[path.name] = found
        lines = path.read_text(encoding="utf-8").count("\n")
        print(f"| {path.name} | {lines} | {len(found)} | {statistics.median(found):.1f} | {max(found):.1f} |")
    every = [v for found in samples.values() for v in found]
    print(f"| all | | {len(every)} | {statistics.median(every):.1f} | {max(every):.1f} |")
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps({"command": command, "samples": samples}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
