"""2,000 agreements in one process: the same findings as one-file runs, and flat memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from jointgov.model import Options
from jointgov.pipeline.catalogue import Catalogue
from jointgov.pipeline.checker import Checker
from tests.conftest import AS_OF, PROTOCOLS


def _rss_kib() -> int:
    """Current resident set size, from /proc (peak RSS would hide a return to flat)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _corpus(catalogue: Catalogue) -> list[bytes]:
    """Distinct real agreements: the bundled protocols and every rule example."""
    docs = [p.read_bytes() for p in sorted(PROTOCOLS.glob("*.yaml"))]
    for rule in catalogue.rules:
        for kind in ("fail", "pass"):
            docs.extend(e["agreement"].encode() for e in rule.examples.get(kind, []) if "agreement" in e)
    return docs


def _key(findings: list) -> list[tuple[str, int, int, str]]:  # type: ignore[type-arg]
    return [(f.rule_id, f.line, f.column, f.message) for f in findings]


@pytest.mark.slow
def test_two_thousand_agreements_in_one_process(catalogue: Catalogue, checker: Checker, tmp_path: Path) -> None:
    corpus = _corpus(catalogue)
    assert len(corpus) >= 50
    # one-file runs: each distinct document alone, in a checker with a ruleset of its own
    alone = []
    for i, raw in enumerate(corpus):
        fresh = Checker(catalogue, Options(as_of=AS_OF, params={"__fresh__": {"n": i}}))
        alone.append(_key(fresh.check_bytes(raw, "doc.yaml").findings))
    # and a few as real separate processes, through the command line
    for i in (0, 1, 2, 3, len(corpus) - 1):
        path = tmp_path / f"doc{i}.yaml"
        path.write_bytes(corpus[i])
        out = subprocess.run([sys.executable, "-m", "jointgov", "check", str(path), "--format", "json",
                              "--as-of", AS_OF.isoformat()], capture_output=True, text=True, timeout=120).stdout
        assert [(f["rule_id"], f["line"], f["column"], f["message"]) for f in json.loads(out)["findings"]] == alone[i]

    rss_at: dict[int, int] = {}
    for n in range(2000):
        index = (n * 7) % len(corpus)  # interleaved, so no document follows its own kind
        assert _key(checker.check_bytes(corpus[index], "doc.yaml").findings) == alone[index], f"document {n}"
        if n in (199, 1999):
            rss_at[n] = _rss_kib()
    growth_mib = (rss_at[1999] - rss_at[199]) / 1024
    assert growth_mib < 8, f"memory grew {growth_mib:.1f} MiB over 1,800 agreements"
