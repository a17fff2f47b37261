"""Whole-process timings of ``jointgov simulate`` beside ``jointgov check`` and yamllint, in one run.

    python bench/simulate.py [--runs K] [--bin DIR]

Times fresh processes (median and min-max of K runs, default 11, interleaved and rotated
after a warm-up) on the bundled agreements: one file (protocols/barking-dagenham-remediated.yaml,
the longest path through every scenario) and protocols/ (4 files). Tools are taken from
``--bin`` (default: the directory of the Python running this script). Nothing is asserted;
the table is printed as Markdown.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONE = "protocols/barking-dagenham-remediated.yaml"


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--bin", default=str(Path(sys.executable).parent))
    args = parser.parse_args()
    jointgov, yamllint = str(Path(args.bin) / "jointgov"), str(Path(args.bin) / "yamllint")
    day = ["--as-of", "2026-11-23"]
    tools = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "yamllint (1 file)": [yamllint, "-d", "relaxed", ONE],
        "jointgov check (1 file)": [jointgov, "check", ONE, "--fail-on", "never", *day],
        "jointgov simulate (1 file)": [jointgov, "simulate", ONE, "--fail-on", "never", *day],
        "jointgov check --simulate (1 file)": [jointgov, "check", ONE, "--simulate", "--fail-on", "never", *day],
        "jointgov check protocols/": [jointgov, "check", "protocols/", "--fail-on", "never", *day],
        "jointgov simulate protocols/": [jointgov, "simulate", "protocols/", "--fail-on", "never", *day],
    }
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    times: dict[str, list[float]] = {name: [] for name in tools}
    names = list(tools)
    for name in names:  # warm-up: page cache, bytecode, the catalogue cache
        subprocess.run(tools[name], cwd=ROOT, env=env, capture_output=True, check=False)
    for k in range(args.runs):
        for name in names[k % len(names):] + names[:k % len(names)]:
            start = time.perf_counter()
            subprocess.run(tools[name], cwd=ROOT, env=env, capture_output=True, check=False)
            times[name].append(time.perf_counter() - start)
    print(f"| tool ({args.runs} runs) | median ms | min-max ms |\n| --- | ---: | ---: |")
    for name in names:
        values = [t * 1000 for t in times[name]]
        print(f"| {name} | {statistics.median(values):.0f} | {min(values):.0f}-{max(values):.0f} |")


if __name__ == "__main__":
    main()
