"""The JUnit XML reporter, valid against the Apache Ant JUnit schema (CI test-result viewers).

``<testsuites>`` holds one ``<testsuite>`` per agreement (named by its path
relative to the repository root) with one ``<testcase>`` per active rule: it
fails when the rule has findings in that file at or above the run's
``--fail-on`` (the findings that make the run exit 1, so a test tab is red
exactly when the job fails), is skipped when the rule does not apply there
(outside its scope, or not run because the file's form is broken), and passes
otherwise. The schema allows ``<system-out>`` only at suite level, so the
findings below ``--fail-on`` and the waived findings are listed there, each
named by its testcase.

The schema requires ``timestamp`` and ``hostname`` on every suite. To keep the
output deterministic they are fixed: the as-of date at midnight and
``localhost``; every ``time`` is ``0``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import TextIO

from jointgov.model import Finding, Waived
from jointgov.reporters.report import FileSummary, Report, RuleInfo

HOSTNAME = "localhost"
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    """*text* without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("\ufffd", text)


def testcase_name(rule: RuleInfo) -> str:
    """A testcase's name: ``JGnnn name``."""
    return f"{rule.id} {rule.name}"


def _failure_message(findings: list[Finding]) -> str:
    first = findings[0]
    head = f"{first.line}:{first.column} {first.message}"
    if len(findings) == 1:
        return head
    return f"{len(findings)} findings; the first at {head}"


def _testcase(suite: ET.Element, summary: FileSummary, name: str, rule: RuleInfo,
              findings: list[Finding]) -> str:
    """Add the testcase of *rule* to *suite*; return its outcome (failed, skipped or passed). *findings* are
    those at or above ``--fail-on``: a rule whose findings are all below it passes (they are in system-out)."""
    case = ET.SubElement(suite, "testcase", name=_clean(testcase_name(rule)), classname=_clean(name), time="0")
    if findings:
        body = "\n".join(f"{f.line}:{f.column} {f.message}" for f in findings)
        failure = ET.SubElement(case, "failure", message=_clean(_failure_message(findings)),
                                type=findings[0].severity)
        failure.text = _clean(body + "\n")
        return "failed"
    if not summary.rules_run and rule.id not in summary.applicable:
        ET.SubElement(case, "skipped", message="not run: the agreement's form must be fixed first "
                      "(see the failing JG0xx testcases)")
        return "skipped"
    if rule.id not in summary.applicable:
        ET.SubElement(case, "skipped", message=f"{rule.id} does not apply to this agreement (outside its scope)")
        return "skipped"
    return "passed"


def _below_text(below: list[Finding], fail_on: str) -> str:
    return "".join(f"{f.severity} below --fail-on {fail_on}: {f.rule_id} {f.rule_name} {f.line}:{f.column} "
                   f"{f.message}\n" for f in below)


def _waived_text(waived: list[Waived]) -> str:
    lines = []
    for w in waived:
        f, v = w.finding, w.waiver
        lines.append(f"waived: {f.rule_id} {f.rule_name} {f.line}:{f.column} {f.message} "
                     f"[waiver at line {v.line}: {v.reason}; approved by {v.approved_by}"
                     f"{' on ' + v.approved_on if v.approved_on else ''}; expires {v.expires_on}]")
    return "".join(line + "\n" for line in lines)


def _properties(suite: ET.Element, report: Report, summary: FileSummary) -> None:
    props = ET.SubElement(suite, "properties")
    provenance = report.provenance()
    values = [("jointgov", provenance["jointgov"]), ("catalogue_digest", provenance["catalogue_digest"]),
              ("as_of", provenance["as_of"]), ("sha256", summary.sha256), ("rules_run", str(summary.rules_run).lower())]
    for waiver in summary.waivers:
        if waiver.valid:
            target = waiver.target or "(whole agreement)"
            values.append((f"waiver.{waiver.rule}", f"line {waiver.line}; target {target}; "
                           f"approved by {waiver.approved_by}; expires {waiver.expires_on}"))
    for key, value in values:
        ET.SubElement(props, "property", name=key, value=_clean(value))


def _suite(report: Report, summary: FileSummary, index: int, rules: list[RuleInfo],
           findings: dict[str, list[Finding]], waived: list[Waived]) -> ET.Element:
    name = report.relative(summary.path)
    suite = ET.Element("testsuite", name=_clean(name), package=_clean(name), id=str(index),
                       timestamp=f"{report.as_of}T00:00:00", hostname=HOSTNAME)
    _properties(suite, report, summary)
    mine = [f for rule in rules for f in findings.get(rule.id, [])]
    failing = {f for f in mine if report.failing(f)}
    outcomes = [_testcase(suite, summary, name, rule, [f for f in findings.get(rule.id, []) if f in failing])
                for rule in rules]
    suite.set("tests", str(len(outcomes)))
    suite.set("failures", str(outcomes.count("failed")))
    suite.set("errors", "0")
    suite.set("skipped", str(outcomes.count("skipped")))
    suite.set("time", "0")
    below = sorted(f for f in mine if f not in failing)
    text = _below_text(below, report.fail_on) + _waived_text(waived)
    ET.SubElement(suite, "system-out").text = _clean(text) or None
    ET.SubElement(suite, "system-err")
    return suite


def junit_tree(report: Report) -> ET.Element:
    """The ``<testsuites>`` element of *report*."""
    rules = sorted(report.rules, key=lambda r: r.id)
    by_file: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for finding in report.findings:
        by_file[finding.path][finding.rule_id].append(finding)
    waived_by_file: dict[str, list[Waived]] = defaultdict(list)
    for w in report.waived:
        waived_by_file[w.finding.path].append(w)
    root = ET.Element("testsuites")
    files = sorted(report.files, key=lambda f: report.relative(f.path))
    for index, summary in enumerate(files):  # each file's findings, by rule
        root.append(_suite(report, summary, index, rules, by_file[summary.path], waived_by_file[summary.path]))
    return root


def write(report: Report, out: TextIO, colour: bool = False) -> None:
    """Write the report as JUnit XML (UTF-8, indented, deterministic)."""
    root = junit_tree(report)
    ET.indent(root, space="  ")
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
