"""A corpus with relations across agreements, and the repository rules' findings compared before and after.

    python bench/relations.py OUT_DIR [--count 2000] [--seed 1]
    python bench/relations.py OUT_DIR --compare REF [--python PY]

The first form writes ``bench/generate.py``'s corpus of COUNT agreements into OUT_DIR and gives it what
the repository rules (JG901-JG905) look at across files: an organisations register (``registry.yaml``)
naming the parties' organisations, some of them abolished, some left out; parties naming their register
entry (``org``) or matched by name, some called by another name or kind than elsewhere; agreements with
no client group (covering every group); holders of joint posts shared between agreements. Everything is
deterministic (the seed); about 1 in 6 agreements is touched by each kind of relation.

The second form runs ``jointgov check OUT_DIR --format json`` twice, with this tree's jointgov and with
the one at git revision REF (its ``src/``, ``rules/`` and ``scenarios/`` exported to a temporary
directory, run with the same Python), and says whether the findings are the same: the whole report
(every finding of every file, with its message), and the counts by rule. Exit 0 when they are the same,
1 when not (the differences are printed). Standard library and PyYAML only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
AS_OF = "2026-11-23"


def _load(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def relate(out: Path, count: int, seed: int) -> None:
    """Generate the corpus and add the relations (see the module's docstring)."""
    subprocess.run([sys.executable, str(HERE / "generate.py"), str(out), "--count", str(count), "--seed", str(seed)],
                   check=True, stdout=subprocess.DEVNULL)
    rng = random.Random(seed)
    files = sorted(p for p in out.rglob("*.yaml") if p.name != "registry.yaml")
    docs = [(path, _load(path)) for path in files]
    orgs: dict[str, dict[str, Any]] = {}
    for _, doc in docs:
        for party in doc.get("parties") or []:
            orgs.setdefault(party["id"], {"id": party["id"], "name": party["name"], "kind": party["kind"]})
    ids = sorted(orgs)
    holders = [f"Shared Holder {n}" for n in range(max(1, count // 40))]
    for org_id in ids:
        roll = rng.random()
        if roll < 0.05:  # left out of the register: its parties are unregistered (JG902)
            orgs[org_id]["left_out"] = True
        elif roll < 0.12 and not org_id.endswith("-old"):  # abolished, with a successor of its place (JG901)
            place = org_id.split("-")[0]
            heirs = [o for o in ids if o.startswith(place) and o != org_id and not o.endswith("-old")]
            if heirs:
                orgs[org_id]["abolished_on"] = "2024-03-31"
                orgs[org_id]["successors"] = [{"id": rng.choice(heirs), "date": "2024-04-01"}]
        elif org_id.endswith("-old"):  # the superseded bodies the agreements name
            place = org_id.split("-")[0]
            heirs = [o for o in ids if o.startswith(place) and not o.endswith("-old") and o != org_id]
            if heirs:
                orgs[org_id]["abolished_on"] = "2022-06-30"
                orgs[org_id]["successors"] = [{"id": heirs[-1], "date": "2022-07-01"}]
    for path, doc in docs:
        for party in doc.get("parties") or []:
            roll = rng.random()
            if roll < 0.35:
                party["org"] = party["id"]
            elif roll < 0.40:  # another name than the register's and the other agreements' (JG903)
                party["name"] = party["name"] + " (Joint)"
            elif roll < 0.43:
                party["kind"] = "nhs-trust" if party["kind"] != "nhs-trust" else "local-authority"
        agreement = doc.get("agreement") or {}
        if rng.random() < 0.15:
            agreement.pop("client_groups", None)  # covers every client group (JG905, expanded)
        for post in doc.get("joint_posts") or []:
            if rng.random() < 0.15:
                post["holder"] = rng.choice(holders)  # one person in posts of several agreements (JG904)
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120), encoding="utf-8")
    register = {"registry": 1, "organisations": [
        {k: v for k, v in org.items() if k != "left_out"} for org in orgs.values() if not org.get("left_out")]}
    for org in register["organisations"]:  # successors must be in the register
        org["successors"] = [s for s in org.get("successors", []) if not orgs[s["id"]].get("left_out")]
        if not org["successors"]:
            org.pop("successors")
    (out / "registry.yaml").write_text(yaml.safe_dump(register, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _export(ref: str, into: Path) -> Path:
    """``src/``, ``rules/`` and ``scenarios/`` of *ref*, as an importable tree; the path to put on PYTHONPATH."""
    archive = into / "tree.tar"
    with archive.open("wb") as fh:
        subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src", "rules", "scenarios"], stdout=fh, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    package = into / "src" / "jointgov"
    for name in ("rules", "scenarios"):  # where an installed package has them
        if not (package / name).exists():
            (package / name).symlink_to(into / name)
    return into / "src"


def _check(python: str, source: Path, corpus: Path, cache: Path) -> tuple[dict[str, Any], float]:
    env = dict(os.environ, PYTHONPATH=str(source), JOINTGOV_CACHE_DIR=str(cache), NO_COLOR="1")
    start = time.perf_counter()
    result = subprocess.run([python, "-m", "jointgov", "check", str(corpus), "--format", "json", "--fail-on", "never",
                             "--as-of", AS_OF, "--registry", str(corpus / "registry.yaml")],
                            capture_output=True, text=True, env=env, check=False)
    took = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"relations.py: jointgov from {source} exited {result.returncode}: {result.stderr[-2000:]}")
    report: dict[str, Any] = json.loads(result.stdout)
    return report, took


def compare(corpus: Path, ref: str, python: str) -> int:
    """Run both jointgovs on *corpus* and compare their findings; 0 when the same."""
    with tempfile.TemporaryDirectory(prefix="jointgov-relations-") as tmp:
        old_src = _export(ref, Path(tmp))
        old, old_s = _check(python, old_src, corpus, Path(tmp) / "cache-old")
        new, new_s = _check(python, ROOT / "src", corpus, Path(tmp) / "cache-new")
    keyed = [sorted(json.dumps(f, sort_keys=True) for f in report["findings"]) for report in (old, new)]
    counts = [Counter(f["rule_id"] for f in report["findings"]) for report in (old, new)]
    print(f"{len(old['files'])} files; {ref}: {len(old['findings'])} findings in {old_s:.1f} s; this tree: "
          f"{len(new['findings'])} findings in {new_s:.1f} s")
    print("findings by rule (JG9xx):", {k: v for k, v in sorted(counts[1].items()) if k.startswith("JG9")})
    if keyed[0] == keyed[1]:
        print("the same findings")
        return 0
    only_old, only_new = set(keyed[0]) - set(keyed[1]), set(keyed[1]) - set(keyed[0])
    print(f"DIFFERENT: {len(only_old)} only in {ref}, {len(only_new)} only in this tree")
    for line in sorted(only_old)[:20]:
        print("  -", line)
    for line in sorted(only_new)[:20]:
        print("  +", line)
    return 1


def main(argv: list[str] | None = None) -> int:
    """Generate, or compare."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--compare", metavar="REF", help="compare this tree's findings with those of git revision REF")
    parser.add_argument("--python", default=sys.executable, help="the Python (with jointgov's dependencies) to run")
    args = parser.parse_args(argv)
    if args.compare:
        return compare(args.out, args.compare, args.python)
    relate(args.out, args.count, args.seed)
    print(f"{args.count} agreements and registry.yaml in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
