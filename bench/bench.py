"""Whole-process timings of jointgov against its peers, on the same files, in the same run.

    python bench/bench.py [--runs N] [FILE]

Times (median of N runs, wall clock, each a fresh process): ``jointgov check`` on one
file and on ``protocols/``; ``yamllint`` on the same file; a bare PyYAML
``CSafeLoader`` load of the file in a fresh interpreter (the floor for any Python
tool); and ``python -c pass`` (interpreter start-up). Tools that are not
installed are skipped. No timing is asserted anywhere: this only reports.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _median_ms(cmd: list[str], runs: int) -> float:
    subprocess.run(cmd, capture_output=True, check=False)  # warm the page cache
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", default=str(ROOT / "protocols" / "barking-dagenham-remediated.yaml"))
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    bindir = Path(sys.executable).parent
    jointgov = shutil.which("jointgov", path=str(bindir)) or "jointgov"
    yamllint = shutil.which("yamllint", path=str(bindir)) or shutil.which("yamllint")
    cases = {
        "python -c pass (start-up floor)": [sys.executable, "-c", "pass"],
        "bare CSafeLoader load, one file": [sys.executable, "-c",
                                            "import sys, yaml; yaml.load(open(sys.argv[1]), Loader=yaml.CSafeLoader)",
                                            args.file],
        "jointgov check, one file": [jointgov, "check", args.file, "--fail-on", "never"],
        "jointgov check protocols/ (4 files)": [jointgov, "check", str(ROOT / "protocols"), "--fail-on", "never"],
    }
    if yamllint:
        cases["yamllint, one file"] = [yamllint, "-d", "relaxed", args.file]
    print(f"median of {args.runs} runs, wall clock, fresh process each; file: {args.file}")
    print(f"python {sys.version.split()[0]}")
    for name, cmd in cases.items():
        print(f"{name:40} {_median_ms(cmd, args.runs):8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
