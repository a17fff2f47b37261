"""--jobs: worker processes give byte-for-byte the same output as one process, in any file order."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from jointgov.commands.check import PARALLEL_FROM, run
from jointgov.pipeline.catalogue import Catalogue
from tests.conftest import PROTOCOLS


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    docs = [p.read_bytes() for p in sorted(PROTOCOLS.glob("*.yaml"))]
    docs += [e["agreement"].encode() for r in catalogue.rules for e in r.examples.get("fail", [])
             if "agreement" in e][:40]
    for i, raw in enumerate(docs):
        sub = root / f"group{i % 3}"
        sub.mkdir(exist_ok=True)
        (sub / f"doc{i:03d}.yaml").write_bytes(raw)
    assert len(docs) >= PARALLEL_FROM * 2
    return root


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_output_is_identical_with_any_number_of_workers(corpus: Path, fmt: str) -> None:
    outputs = []
    for jobs in (1, 2, 3):
        out = io.StringIO()
        status = run([str(corpus)], fmt=fmt, as_of="2026-11-23", jobs=jobs, out=out)
        outputs.append((status, out.getvalue()))
    assert outputs[0][0] == 1
    assert outputs[1] == outputs[0] and outputs[2] == outputs[0]


def test_output_does_not_depend_on_the_order_files_are_named(corpus: Path) -> None:
    files = sorted(str(p) for p in corpus.rglob("*.yaml"))
    shuffled = files[:]
    random.Random(7).shuffle(shuffled)
    first, second = io.StringIO(), io.StringIO()
    run(files, fmt="json", as_of="2026-11-23", jobs=2, out=first)
    run(shuffled, fmt="json", as_of="2026-11-23", jobs=2, out=second)
    assert first.getvalue() == second.getvalue()


def test_jobs_must_be_positive(corpus: Path) -> None:
    from jointgov.model import ConfigError

    with pytest.raises(ConfigError, match="--jobs"):
        run([str(corpus)], as_of="2026-11-23", jobs=0, out=io.StringIO())
