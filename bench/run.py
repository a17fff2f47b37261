"""Whole-process timings of jointgov against its peers: the same files, in the same run.

    python bench/run.py [--sizes 1,1000,10000] [--runs K] [--large] [--json FILE] [--bin DIR]

For each corpus size (1 file, 1,000 files, 10,000 files of generated agreements: see
bench/generate.py), times whole processes, each a fresh process every run:

- ``jointgov check TARGET --fail-on never --as-of DATE`` (plus ``--jobs N``, default the number
  of cores, when this jointgov has the option);
- a bare PyYAML ``CSafeLoader`` loop: one ``python -c`` process that loads every file with
  ``yaml.load(f, Loader=yaml.CSafeLoader)``: the floor for any Python tool;
- ``yamllint -d relaxed TARGET``;
- ``check-jsonschema --schemafile SCHEMA FILE...`` with jointgov's own schema (``jointgov schema``).
  It takes file names only, so a directory is passed as
  ``find DIR -name '*.yaml' -print0 | xargs -0 -s 1000000 check-jsonschema --schemafile SCHEMA``:
  xargs packs up to 1 MB of names into each command line (10,000 names fit in one).

and, where the target is one file, ``python -c pass`` (the interpreter's start-up, the floor for
one file) and jointgov again with ``JOINTGOV_NO_CACHE=1`` (no cached rule catalogue: a first run,
or CI that does not keep ``~/.cache``; the other jointgov runs use the catalogue cache, which the
warm-up run writes, as a developer's second commit would). ``jointgov check`` itself runs with
``JOINTGOV_NO_RESULTS_CACHE=1``: every file checked; "jointgov check, results cached" is the same
command with the results cache on, filled by one run before the timed ones: a re-run over unchanged
files. ``--path`` times the same tools on files of
your own (``--path protocols/``).

TARGET is the file itself for the 1-file corpus (as the pre-commit hook passes it) and the
directory otherwise (never 10,000 names on a command line). The tools are taken from one
directory (``--bin``, default: the directory of the Python running this script, so
``/tmp/benchvenv/bin/python bench/run.py`` measures that venv). PYTHONDONTWRITEBYTECODE is
removed from the tools' environment.

Reported per tool and size: the median wall-clock time of K runs (and min-max), its ratio to
the CSafeLoader loop's median, the median CPU time (user+sys of all the tool's processes),
the peak RSS of the largest single process (``/usr/bin/time -v``, or ``os.wait4`` where GNU
time is missing), and the peak memory of the whole process tree (worker processes included),
as the sum of PSS and the sum of RSS over every process, sampled every 50 ms from /proc (the
sampler costs this script about 3% of one core), and the "other load": CPU time that other
processes on the machine used during the tool's runs, as a share of all cores (the machine may
be shared: a wall time with other load above a few per cent is pessimistic).
Runs are interleaved (run 1 of every tool, then run 2 ...) with the tools' order rotated, after
the page cache and the tools' imports have been warmed. Exit statuses are recorded; nothing is
asserted. The table is printed to stdout (Markdown), with the machine and tool versions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_RUNS = {1: 5, 1000: 3, 10000: 3}
SLOW_PEERS = ("yamllint (relaxed)", "check-jsonschema")  # 10-20x the floor: fewer runs on big corpora
TOOL_KEYS = {"jointgov": "jointgov check", "loop": "CSafeLoader loop", "yamllint": "yamllint (relaxed)",
             "check-jsonschema": "check-jsonschema"}
AS_OF = "2026-11-23"
XARGS_BYTES = 1_000_000
PAGE = os.sysconf("SC_PAGE_SIZE")

LOOP = """\
import os, sys, yaml
n = 0
for top in sys.argv[1:]:
    if os.path.isdir(top):
        paths = sorted(os.path.join(d, f) for d, _, fs in os.walk(top) for f in fs if f.endswith(('.yaml', '.yml')))
    else:
        paths = [top]
    for path in paths:
        with open(path, 'rb') as fh:
            yaml.load(fh, Loader=yaml.CSafeLoader)
        n += 1
print(n, 'files loaded', file=sys.stderr)
"""


# ---- process-tree memory ------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out.extend(int(c) for c in fh.read().split())
    except OSError:
        pass
    return out


def _tree(pid: int) -> list[int]:
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo.extend(_children(p))
    return seen


def _rss_pss(pid: int) -> tuple[int, int]:
    """RSS and PSS of one process, in bytes (0, 0 if it has gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            text = fh.read()
        rss = int(re.search(r"^Rss:\s+(\d+)", text, re.M).group(1)) * 1024  # type: ignore[union-attr]
        pss = int(re.search(r"^Pss:\s+(\d+)", text, re.M).group(1)) * 1024  # type: ignore[union-attr]
        return rss, pss
    except (OSError, AttributeError, ValueError):
        try:
            with open(f"/proc/{pid}/statm") as fh:
                rss = int(fh.read().split()[1]) * PAGE
            return rss, rss
        except (OSError, ValueError, IndexError):
            return 0, 0


class TreeSampler(threading.Thread):
    """Peak sum of RSS and of PSS over a process and all its descendants (the GNU time wrapper excluded)."""

    def __init__(self, pid: int, interval: float, skip_root: bool) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.skip_root = pid, interval, skip_root
        self.stop = threading.Event()
        self.peak_rss = self.peak_pss = 0
        self.peak_procs = 0

    def sample(self) -> None:
        pids = _tree(self.pid)
        if self.skip_root:
            pids = pids[1:]
        rss = pss = 0
        for p in pids:
            r, s = _rss_pss(p)
            rss += r
            pss += s
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_pss = max(self.peak_pss, pss)
        self.peak_procs = max(self.peak_procs, len(pids))

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(self.interval)


# ---- one run -------------------------------------------------------------------------------------
def _parse_time_v(text: str) -> dict[str, float]:
    def grab(label: str) -> float:
        m = re.search(rf"^\s*{re.escape(label)}:\s*([\d.]+)", text, re.M)
        return float(m.group(1)) if m else float("nan")

    return {"max_rss_kib": grab("Maximum resident set size (kbytes)"),
            "user_s": grab("User time (seconds)"), "sys_s": grab("System time (seconds)")}


def _busy_ticks() -> int:
    """CPU ticks spent by anything on the machine (all cores), from /proc/stat."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return user + nice + system + irq + softirq + steal


TICK = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count() or 1


def split_env(cmd: list[str], env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """Leading "env:NAME=VALUE" items of cmd set variables for that tool only."""
    env = dict(env)
    while cmd and cmd[0].startswith("env:"):
        name, _, value = cmd[0][4:].partition("=")
        env[name] = value
        cmd = cmd[1:]
    return cmd, env


def run_once(cmd: list[str], env: dict[str, str], gnu_time: str | None, interval: float) -> dict[str, Any]:
    cmd, env = split_env(cmd, env)
    """Run cmd once (output to /dev/null): wall time, CPU, peak RSS, peak tree memory, exit status."""
    with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as tf:
        timefile = tf.name
    full = [gnu_time, "-v", "-o", timefile, *cmd] if gnu_time else cmd
    busy0, own0 = _busy_ticks(), time.process_time()
    start = time.perf_counter()
    proc = subprocess.Popen(full, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    sampler = TreeSampler(proc.pid, interval, skip_root=bool(gnu_time))
    sampler.start()
    if gnu_time:
        rc = proc.wait()
        wall = time.perf_counter() - start
        sampler.stop.set()
        sampler.join()
        stats = _parse_time_v(Path(timefile).read_text())
        if rc != 0:  # GNU time exits with the command's status; its report has it too
            m = re.search(r"Exit status:\s*(\d+)", Path(timefile).read_text())
            rc = int(m.group(1)) if m else rc
    else:
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        rc = proc.returncode
        sampler.stop.set()
        sampler.join()
        stats = {"max_rss_kib": float(usage.ru_maxrss), "user_s": usage.ru_utime, "sys_s": usage.ru_stime}
    os.unlink(timefile)
    cpu = stats["user_s"] + stats["sys_s"]
    # CPU time used by everything else on the machine meanwhile (other users; this script's sampler excluded)
    others = max((_busy_ticks() - busy0) / TICK - cpu - (time.process_time() - own0), 0.0)
    return {"wall_s": wall, "cpu_s": cpu, "others_cpu_pct": 100 * others / (wall * NCPU),
            "max_rss_mb": stats["max_rss_kib"] / 1024,
            "tree_pss_mb": sampler.peak_pss / 2**20, "tree_rss_mb": sampler.peak_rss / 2**20,
            "procs": sampler.peak_procs, "rc": rc}


# ---- corpora and tools ---------------------------------------------------------------------------
def corpus(data: Path, seed: int, size: int) -> tuple[Path, list[Path]]:
    """The TARGET passed to the tools and the files in it, generating the corpus if missing."""
    root = data / f"seed-{seed}" / f"n{size}"
    if not (root / ".complete").exists():
        shutil.rmtree(root, ignore_errors=True)
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(root), "--count", str(size),
                        "--seed", str(seed)], check=True)
        (root / ".complete").write_text("")
    files = sorted(root.rglob("*.yaml"))
    return (files[0] if size == 1 else root), files


def large_corpus(data: Path, seed: int) -> tuple[Path, list[Path]]:
    root = data / f"seed-{seed}" / "large-only"
    path = root / "large" / "agreement-large.yaml"
    if not path.exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(root), "--count", "0", "--seed", str(seed),
                        "--large"], check=True)
    return path, [path]


def xargs_batches(files: list[Path], limit: int = XARGS_BYTES) -> int:
    """How many check-jsonschema processes ``xargs -s LIMIT`` starts for these names (roughly)."""
    batches, used = 1, 0
    for f in files:
        size = len(str(f).encode()) + 1
        if used + size > limit - 2048 and used:
            batches, used = batches + 1, 0
        used += size
    return batches


def tools(bindir: Path, schema: Path, jobs: list[str], as_of: str) -> dict[str, Any]:
    """name -> function(target) -> argv."""
    def exe(name: str) -> str:
        path = bindir / name
        if not path.exists():
            sys.exit(f"run.py: {path} not found (install it in that venv, or pass --bin)")
        return str(path)

    jointgov, python, yamllint, cjs = exe("jointgov"), exe("python"), exe("yamllint"), exe("check-jsonschema")

    def cjs_cmd(target: Path) -> list[str]:
        if target.is_file():
            return [cjs, "--schemafile", str(schema), str(target)]
        return ["sh", "-c", 'find "$1" -name "*.yaml" -print0 | xargs -0 -s "$2" "$3" --schemafile "$4"',
                "sh", str(target), str(XARGS_BYTES), cjs, str(schema)]

    return {
        "python -c pass": lambda t: [python, "-c", "pass"],
        # every file checked: the results cache off (a jointgov without one ignores the variable)
        "jointgov check": lambda t: ["env:JOINTGOV_NO_RESULTS_CACHE=1", jointgov, "check", str(t), "--fail-on",
                                     "never", "--as-of", as_of, *jobs],
        # a re-run over unchanged files: every result from the results cache, filled before the timed runs
        "jointgov check, results cached": lambda t: [jointgov, "check", str(t), "--fail-on", "never", "--as-of",
                                                     as_of, *jobs],
        "jointgov check, catalogue cache off": lambda t: ["env:JOINTGOV_NO_CACHE=1", jointgov, "check", str(t),
                                                           "--fail-on", "never", "--as-of", as_of, *jobs],
        "CSafeLoader loop": lambda t: [python, "-c", LOOP, str(t)],
        "yamllint (relaxed)": lambda t: [yamllint, "-d", "relaxed", str(t)],
        "check-jsonschema": cjs_cmd,
    }


def _version(cmd: list[str], env: dict[str, str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
        return (out.stdout or out.stderr).strip().splitlines()[-1]
    except (OSError, subprocess.SubprocessError, IndexError):
        return "?"


def machine(bindir: Path, env: dict[str, str], jobs: list[str], gnu_time: str | None) -> dict[str, Any]:
    cpu = "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = "?"
    try:
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        mem = f"{kib / 2**20:.1f} GiB"
    except (OSError, AttributeError):
        pass
    py = str(bindir / "python")
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "kernel": platform.release(),
        "python": _version([py, "-c", "import sys; print(sys.version.split()[0])"], env),
        "pyyaml": _version([py, "-c", "import yaml; print(yaml.__version__, 'libyaml' if yaml.__with_libyaml__ "
                                      "else 'NO libyaml')"], env),
        "jointgov": _version([str(bindir / "jointgov"), "--version"], env),
        "jointgov_jobs": " ".join(jobs) if jobs else "no --jobs option in this jointgov",
        "yamllint": _version([str(bindir / "yamllint"), "--version"], env),
        "check-jsonschema": _version([str(bindir / "check-jsonschema"), "--version"], env),
        "bin": str(bindir),
        "memory_tool": gnu_time or "os.wait4",
        "loadavg_start": _loadavg().split(),
    }


# ---- main ----------------------------------------------------------------------------------------
def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def parse_runs(text: str | None) -> dict[int, int]:
    runs = dict(DEFAULT_RUNS)
    if not text:
        return runs
    if "=" not in text:
        return {size: int(text) for size in [*runs, 0]}
    for part in text.split(","):
        size, k = part.split("=")
        runs[int(size)] = int(k)
    return runs


def _mb(value: float) -> str:
    return f"{value:.0f}" if value > 0 else "n/a"


def fmt_table(results: list[dict[str, Any]]) -> list[str]:
    lines = ["| tool | files | runs | median wall s | min-max s | ratio to CSafeLoader loop | median CPU s "
             "| other load % | peak RSS MB (largest process) | peak PSS MB (all processes) "
             "| peak RSS MB (all processes) | exit |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in results:
        lines.append(
            f"| {r['tool']} | {r['label']} | {r['runs']} | {r['median_wall_s']:.3f} | {r['min_wall_s']:.3f}-"
            f"{r['max_wall_s']:.3f} | {r['ratio']:.2f} | {r['median_cpu_s']:.2f} | {r['others_cpu_pct']:.0f} "
            f"| {r['max_rss_mb']:.0f} "
            f"| {_mb(r['tree_pss_mb'])} | {r['tree_rss_mb']:.0f} | {','.join(sorted(set(map(str, r['rcs']))))} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", help="generated corpus sizes, comma-separated (default 1,1000,10000; none when "
                                         "--path is given)")
    parser.add_argument("--path", type=Path, action="append", default=[],
                        help="also time on this file or directory, e.g. protocols/ (repeatable)")
    parser.add_argument("--runs", help="runs per tool: K for every size, or SIZE=K,... (default 1=5,1000=3,10000=3)")
    parser.add_argument("--peer-runs", type=int, default=0,
                        help="runs of yamllint and check-jsonschema on corpora of 10,000 files or more (default 0: "
                             "they take 10 minutes each there, and are compared at 1 and 1,000 files); jointgov "
                             "and the loop get --runs")
    parser.add_argument("--tools", default=",".join(TOOL_KEYS),
                        help=f"which tools, comma-separated (default {','.join(TOOL_KEYS)}; the loop is always run)")
    parser.add_argument("--large", action="store_true", help="also time one ~20,000-line agreement")
    parser.add_argument("--bin", type=Path, default=Path(sys.executable).parent,
                        help="directory with jointgov, python, yamllint, check-jsonschema (default: this Python's)")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "jointgov-bench",
                        help="where corpora are generated and kept (default /tmp/jointgov-bench)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, help="--jobs for jointgov (default: the number of cores, if supported)")
    parser.add_argument("--as-of", default=AS_OF, help=f"--as-of for jointgov (default {AS_OF})")
    parser.add_argument("--format", dest="fmt", help="--format for jointgov (default: its own, text); the text, github "
                                                     "and jsonl formats stream, the others keep every finding")
    parser.add_argument("--interval", type=float, default=0.05, help="process-tree memory sampling, seconds")
    parser.add_argument("--json", type=Path, help="also write every sample and the machine to this file")
    parser.add_argument("--report", type=Path, metavar="JSON", help="only print the report of an earlier --json file")
    args = parser.parse_args(argv)
    if args.report:
        saved = json.loads(args.report.read_text())
        settings = saved.get("settings") or {"as_of": saved.get("as_of", AS_OF), "jobs": saved.get("jobs", []),
                                             "interval": 0.05, "seed": 1, "data": "/tmp/jointgov-bench"}
        print(render(saved["machine"], settings, saved["results"]))
        return 0

    sizes_text = args.sizes if args.sizes is not None else ("" if args.path else "1,1000,10000")
    sizes = [int(s) for s in sizes_text.split(",") if s.strip()]
    runs = parse_runs(args.runs)
    bindir = args.bin.resolve() if args.bin.is_absolute() else (Path.cwd() / args.bin)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["NO_COLOR"] = "1"
    gnu_time = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None

    jg_help = subprocess.run([str(bindir / "jointgov"), "check", "--help"], capture_output=True, text=True, env=env)
    has_jobs = "--jobs" in jg_help.stdout
    jobs = ["--jobs", str(args.jobs or os.cpu_count() or 1)] if has_jobs else []
    if args.fmt:
        jobs += ["--format", args.fmt]
    if args.jobs and not has_jobs:
        print("run.py: this jointgov has no --jobs option; running without it", file=sys.stderr)

    args.data.mkdir(parents=True, exist_ok=True)
    schema = args.data / "jointgov-schema.json"
    with schema.open("w") as fh:
        subprocess.run([str(bindir / "jointgov"), "schema"], stdout=fh, check=True, env=env)
    table = tools(bindir, schema, jobs, args.as_of)
    wanted = {TOOL_KEYS[t.strip()] for t in args.tools.split(",") if t.strip()} | {"CSafeLoader loop"}
    if "jointgov check" in wanted:
        wanted |= {"jointgov check, catalogue cache off", "jointgov check, results cached"}
    wanted |= {"python -c pass"}
    table = {name: make for name, make in table.items() if name in wanted}
    info = machine(bindir, env, jobs, gnu_time)

    cases: list[tuple[str, int, Path, list[Path]]] = []
    for size in sizes:
        target, files = corpus(args.data, args.seed, size)
        cases.append((f"{size:,}", size, target, files))
    if args.large:
        target, files = large_corpus(args.data, args.seed)
        lines = files[0].read_text().count("\n")
        cases.append((f"1 ({lines:,} lines)", 1, target, files))
    for path in args.path:
        files = sorted(path.rglob("*.y*ml")) if path.is_dir() else [path]
        cases.append((f"{len(files):,} ({path})", len(files), path.resolve(), files))

    # warm the tools' imports (and .pyc) once, on one file
    smallest = cases[0][3][0] if cases and cases[0][3] else None
    if smallest is not None:
        for make in table.values():
            cmd, tool_env = split_env(make(smallest), env)
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=tool_env)

    results: list[dict[str, Any]] = []
    for label, size, target, files in cases:
        k = runs.get(size, runs.get(0, 3))
        for f in files:  # warm the page cache
            f.read_bytes()
        if "jointgov check, results cached" in table:  # fill the results cache for this corpus
            cmd, tool_env = split_env(table["jointgov check, results cached"](target), env)
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=tool_env)
        print(f"# {label} file(s): {k} runs ({target}); load average {_loadavg()}", file=sys.stderr)
        # only where the target is one file: "python -c pass" (the interpreter's start-up, a floor for one
        # file) and jointgov without its catalogue cache (a first run, or CI without a kept ~/.cache)
        one_file_only = ("python -c pass", "jointgov check, catalogue cache off")
        names = [n for n in table if n not in one_file_only or target.is_file()]
        samples: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        for i in range(k):
            order = names[i % len(names):] + names[:i % len(names)]
            for name in order:
                if name in SLOW_PEERS and size >= 10000 and i >= args.peer_runs:
                    continue
                s = run_once(table[name](target), env, gnu_time, args.interval)
                samples[name].append(s)
                print(f"  run {i + 1}/{k} {name}: {s['wall_s']:.3f} s, rc {s['rc']}", file=sys.stderr)
        floor = statistics.median(s["wall_s"] for s in samples["CSafeLoader loop"])
        for name in names:
            ss = samples[name]
            if not ss:
                continue
            median = statistics.median(s["wall_s"] for s in ss)
            results.append({
                "tool": name, "label": label, "files": len(files), "runs": len(ss), "target": str(target),
                "command": table[name](target),
                "median_wall_s": median, "min_wall_s": min(s["wall_s"] for s in ss),
                "max_wall_s": max(s["wall_s"] for s in ss), "ratio": median / floor,
                "median_cpu_s": statistics.median(s["cpu_s"] for s in ss),
                "others_cpu_pct": statistics.median(s["others_cpu_pct"] for s in ss),
                "max_rss_mb": max(s["max_rss_mb"] for s in ss),
                "tree_pss_mb": max(max(s["tree_pss_mb"] for s in ss), 0),
                "tree_rss_mb": max(max(s["tree_rss_mb"] for s in ss), max(s["max_rss_mb"] for s in ss)),
                "max_procs": max(s["procs"] for s in ss), "rcs": [s["rc"] for s in ss], "samples": ss,
            })
            results[-1]["loadavg_after"] = _loadavg()
        if size > 1 and samples.get("check-jsonschema"):
            cjs = next(r for r in reversed(results) if r["tool"] == "check-jsonschema")
            cjs["xargs_batches"] = xargs_batches(files)
    info["loadavg_end"] = _loadavg().split()

    settings = {"as_of": args.as_of, "jobs": jobs, "interval": args.interval, "seed": args.seed,
                "data": str(args.data)}
    print(render(info, settings, results))
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "settings": settings, "results": results},
                                        indent=1, default=str))
    return 0


def render(info: dict[str, Any], settings: dict[str, Any], results: list[dict[str, Any]]) -> str:
    """The Markdown report: machine, settings, the table, the targets."""
    out = [f"## jointgov benchmark, {info['date']}", "",
           f"- machine: {info['nproc']} cores ({info['cpu']}), {info['memory']}, Linux {info['kernel']}; "
           f"load average {' '.join(info['loadavg_start'])} at the start, {' '.join(info['loadavg_end'])} at the end",
           f"- Python {info['python']}, PyYAML {info['pyyaml']}; tools from {info['bin']}",
           f"- {info['jointgov']} ({info['jointgov_jobs']}); {info['yamllint']}; {info['check-jsonschema']}",
           f"- jointgov runs with `--fail-on never --as-of {settings['as_of']} {' '.join(settings['jobs'])}`; "
           "yamllint with `-d relaxed`; check-jsonschema with jointgov's schema, directories through "
           f"`find DIR -name '*.yaml' -print0 | xargs -0 -s {XARGS_BYTES}`"
           + "".join(f" ({r['label']} files: {r['xargs_batches']} process(es))" for r in results
                     if "xargs_batches" in r),
           f"- peak RSS of the largest process: {info['memory_tool']}; peak PSS/RSS of all processes: sum over the "
           f"process tree, sampled every {settings['interval'] * 1000:.0f} ms (n/a: the process ended before a sample)",
           "- other load %: CPU time used by other processes on the machine during the tool's runs (median), as a "
           f"share of all {info['nproc']} cores: above 0, the machine was shared and the tool's wall time suffered",
           f"- corpora: bench/generate.py --seed {settings['seed']}, in {settings['data']}", ""]
    out += fmt_table(results)
    targets = _targets(results)
    if targets:
        out += ["", "Targets:", "", *targets]
    return "\n".join(out)


def _targets(results: list[dict[str, Any]]) -> list[str]:
    """The project's targets (issue 16), judged on this run's figures."""
    def get(tool: str, label: str) -> dict[str, Any] | None:
        return next((r for r in results if r["tool"] == tool and r["label"] == label), None)

    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    lines = []
    yl, loop1 = get("yamllint (relaxed)", "1"), get("CSafeLoader loop", "1")
    for tool in ("jointgov check", "jointgov check, results cached"):
        jg = get(tool, "1")
        if jg and yl:
            below = jg["median_wall_s"] < yl["median_wall_s"] and jg["median_cpu_s"] < yl["median_cpu_s"]
            lines.append(f"- one file ({tool}) below yamllint's wall and CPU time: {jg['median_wall_s']:.3f} s vs "
                         f"{yl['median_wall_s']:.3f} s wall, {jg['median_cpu_s']:.3f} s vs {yl['median_cpu_s']:.3f} s "
                         f"CPU: {met(below)}"
                         + (f" (stretch, within 2.5x the one-file CSafeLoader process: {jg['ratio']:.2f}x: "
                            f"{met(jg['ratio'] <= 2.5)})" if loop1 else ""))
    for label in ("1,000", "10,000"):
        r, loop = get("jointgov check", label), get("CSafeLoader loop", label)
        if r and loop:
            cpu = r["median_cpu_s"] / loop["median_cpu_s"]
            lines.append(f"- {label} files, every file checked: at most 2.0x the loop's wall time (stretch 1.5x): "
                         f"{r['ratio']:.2f}x: {met(r['ratio'] <= 2.0)}{' (stretch met)' if r['ratio'] <= 1.5 else ''}; "
                         f"CPU at most 3x the loop's: {cpu:.2f}x: {met(cpu <= 3.0)}")
        cached = get("jointgov check, results cached", label)
        if cached and label == "10,000":
            lines.append(f"- a re-run over 10,000 unchanged files below 0.5x the loop: {cached['ratio']:.2f}x: "
                         f"{met(cached['ratio'] < 0.5)}")
    big, mid = get("jointgov check", "10,000"), get("jointgov check", "1,000")
    if big:
        lines.append(f"- peak memory for 10,000 files under 200 MB: {big['tree_pss_mb']:.0f} MB PSS over all "
                     f"processes ({big['tree_rss_mb']:.0f} MB RSS summed, {big['max_rss_mb']:.0f} MB the largest "
                     f"process): {met(big['tree_pss_mb'] < 200)}")
        if mid:
            growth = big["tree_pss_mb"] / mid["tree_pss_mb"] - 1 if mid["tree_pss_mb"] > 0 else float("inf")
            lines.append(f"- memory within 25% of the 1,000-file figure: {mid['tree_pss_mb']:.0f} -> "
                         f"{big['tree_pss_mb']:.0f} MB PSS ({growth:+.0%}): {met(growth <= 0.25)}")
    return lines


if __name__ == "__main__":
    sys.exit(main())
