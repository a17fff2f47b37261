"""Re-run issue 12's reliability table: each class of hostile condition, the cases tried, passed and left failing.

    python bench/hostile.py

Runs every case of the hostile-input corpus (``tests/hostile.py``), each in a fresh temporary directory,
then the tests that cover what a corpus case cannot show (a worker killed by a signal, ^C, the engine's
limits, --jobs), and prints one row per item of the issue. Nothing is timed; it takes about a minute.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile import cases, run_case  # noqa: E402  (the corpus lives with the tests)

ITEMS = {
    1: "an output path equal to an input", 2: "a user rule that kills the engine; a worker that dies",
    3: "facts multiplying (posts x routes)", 4: "directory checks reading files whole",
    5: "FIFOs where files are expected", 6: "numbers of more than 4,300 digits", 7: "-o to a device, FIFO, /proc",
    8: "file names that are not UTF-8", 9: "escape sequences in the text format",
    10: "rule values the engine rejects", 11: "configuration values", 12: "broken baselines",
    13: "-o onto a directory; two reports to one path", 14: "SARIF URIs", 15: "anchors on mapping keys",
    16: "--jobs without a cap", 17: "an unreadable file named on the command line",
    18: "bare URLs in Markdown", 19: "SIGINT", 20: "user rules with reserved ids",
}
TESTS = {  # test function names (prefixes) -> the item they cover, beyond the corpus
    "test_a_worker_that_dies": 2, "test_a_single_file_run": 2, "test_a_killed_worker": 2,
    "test_the_crash_prone_user_rule": 2, "test_an_exception_in_one_files_check": 2,
    "test_correlated_comparisons_with_absent_fields": 2, "test_no_correlated_term": 2,
    "test_a_ruleset_past_the_engines_stack": 2, "test_the_fullest_ruleset": 2, "test_random_rules": 2,
    "test_jobs_are_capped": 16, "test_interrupt": 19, "test_interrupted_while_writing": 19,
    "test_a_report_that_cannot_be_written": 13, "test_a_directory_that_cannot_be_written": 13,
    "test_numbers_past_4300_digits": 6, "test_keys_with_anchors": 15, "test_addresses_in_agreement_text": 18,
    "test_hostile_names_and_outputs": 9,
}


def main() -> int:
    """Print the table; return 1 when a case fails."""
    tried: Counter[int] = Counter()
    passed: Counter[int] = Counter()
    failures: list[str] = []
    for case in cases():
        tried[case.item] += 1
        with tempfile.TemporaryDirectory() as directory:
            try:
                run_case(case, Path(directory))
            except AssertionError as exc:
                failures.append(f"item {case.item}: {case.name}: {str(exc)[:200]}")
                continue
        passed[case.item] += 1
    with tempfile.TemporaryDirectory() as directory:
        report = Path(directory) / "junit.xml"
        files = ["test_workers.py", "test_output.py", "test_engine_workarounds.py", "test_reading.py",
                 "test_reporters_human.py", "test_hostile.py"]
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", f"--junitxml={report}",
                        "-k", " or ".join(TESTS), *(str(ROOT / "tests" / f) for f in files)],
                       cwd=ROOT, capture_output=True, check=False)
        for test in ET.parse(report).getroot().iter("testcase"):
            item = next((i for prefix, i in TESTS.items() if test.get("name", "").startswith(prefix)), None)
            if item is None or test.find("skipped") is not None:
                continue
            tried[item] += 1
            if test.find("failure") is None and test.find("error") is None:
                passed[item] += 1
            else:
                failures.append(f"item {item}: {test.get('name')}")
    print("| item | class | cases tried | passed | defects left |")
    print("| --- | --- | --- | --- | --- |")
    for item, title in ITEMS.items():
        print(f"| {item} | {title} | {tried[item]} | {passed[item]} | {tried[item] - passed[item]} |")
    total, ok = sum(tried.values()), sum(passed.values())
    print(f"| | all | {total} | {ok} | {total - ok} |")
    for failure in failures:
        print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
