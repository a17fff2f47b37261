"""Run jointgov's YAML reader over the official YAML test suite, and list what it cannot read.

    python bench/yaml_suite.py DATA_DIR

DATA_DIR is a checkout of the ``data`` branch of https://github.com/yaml/yaml-test-suite (one directory
per case, ``ID/in.yaml``, or ``ID/NN/in.yaml`` for a case with several; an ``error`` file marks a case
whose input is not valid YAML). The suite is not part of jointgov; nothing here is run by the tests.

For each case it prints what jointgov's reader (``jointgov.pipeline.load.parse_bytes``, libyaml's
parser underneath) makes of the input, and then:

* the valid cases libyaml itself rejects (YAML 1.2 features and corner cases libyaml 0.2.5 does not
  implement): jointgov reports them as JG001 syntax errors, and docs/agreement-format.md lists them;
* any valid case that libyaml reads but jointgov reports with JG001 (a reader defect: there should be
  none);
* any invalid case jointgov reads without a JG001 (libyaml is more lenient than the spec there).
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from jointgov.pipeline.load import parse_bytes

try:
    from yaml.cyaml import CParser as _Parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    from yaml import Parser as _Parser  # type: ignore[assignment]


def _cases(root: Path) -> list[Path]:
    """Every case directory (``ID`` or ``ID/NN``), not the suite's tag and name indexes."""
    found = []
    for case in sorted(root.iterdir()):
        if len(case.name) == 4 and case.name.isalnum() and case.name.isupper():
            found += [case] if (case / "in.yaml").is_file() else sorted(p for p in case.iterdir()
                                                                      if (p / "in.yaml").is_file())
    return found


def _libyaml_reads(raw: bytes) -> str | None:
    """None when libyaml parses every event of *raw*, else its error's first line."""
    parser = _Parser(raw.decode("utf-8"))
    try:
        while parser.get_event() is not None and parser.check_event():
            pass
    except yaml.YAMLError as exc:
        return str(exc).splitlines()[0]
    finally:
        parser.dispose()
    return None


def main(root: Path) -> int:
    """Print the tally and the lists; return 1 when jointgov's reader is wrong where libyaml is right."""
    rejected, defects, lenient = [], [], []
    total = valid = 0
    for case in _cases(root):
        total += 1
        raw = (case / "in.yaml").read_bytes()
        name = next((p / "===").read_text().strip() for p in (case, case.parent) if (p / "===").is_file())
        label = f"{case.relative_to(root)} ({name})"
        jg001 = [p for p in parse_bytes(raw).problems if p[0] == "JG001"]
        if (case / "error").exists():
            if not jg001:
                lenient.append(label)
            continue
        valid += 1
        why = _libyaml_reads(raw)
        if why is not None:
            rejected.append(f"{label}: {why}")
        elif jg001:
            defects.append(f"{label}: {jg001[0][3]}")
    print(f"{total} cases, {valid} valid; of the valid, {len(rejected)} libyaml rejects, "
          f"{len(defects)} jointgov misreads; {len(lenient)} invalid cases read without a JG001")
    for title, items in (("Valid cases libyaml rejects (known limits)", rejected),
                         ("Valid cases jointgov misreads (defects)", defects),
                         ("Invalid cases read without JG001 (libyaml is lenient)", lenient)):
        print(f"\n{title}: {len(items)}")
        for item in items:
            print(f"  {item}")
    return 1 if defects else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1])))
