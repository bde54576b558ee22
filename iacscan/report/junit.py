"""JUnit XML, so CI systems show each rule as a test suite and each resource as a test case.

A passing evaluation is an empty test case, a failing one carries a ``<failure>``, an
undetermined one is ``<skipped>``: CI dashboards then count exactly what was checked.
Scan errors form one extra suite of ``<error>`` cases so a broken file cannot pass silently.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from iacscan.model import Finding, ScanError
from iacscan.report.json_report import ordered

if TYPE_CHECKING:
    from iacscan.report import ReportOptions
    from iacscan.scan import Evaluation, ScanResult

ERRORS_SUITE = "scan-errors"
COUNTS = ("tests", "failures", "errors", "skipped")
# Characters XML 1.0 cannot carry at all, not even escaped.
_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

Index = dict[tuple[str, str], list[tuple[str, Finding]]]


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def _index(result: ScanResult) -> Index:
    """Findings by (rule, resource), tagged with the list they came from."""
    index: Index = defaultdict(list)
    for status, findings in (
        ("kept", result.findings),
        ("undetermined", result.undetermined),
        ("suppressed", result.suppressed),
        ("baselined", result.baselined),
    ):
        for finding in ordered(findings):
            index[finding.rule_id, finding.resource].append((status, finding))
    return index


def _details(findings: list[Finding]) -> str:
    """``file:line`` of each finding with its evidence below, for the failure body."""
    blocks = []
    for f in findings:
        where = f"{f.location.file}:{f.location.line}"
        blocks.append("\n".join([where, *(f"  {line}" for line in f.evidence)]))
    return "\n".join(blocks)


def _message(findings: list[Finding], fallback: str) -> str:
    return "; ".join(dict.fromkeys(f.message or f.title for f in findings)) or fallback


def _skip(case: ET.Element, message: str) -> str:
    ET.SubElement(case, "skipped", message=_clean(message))
    return "skipped"


def _outcome(case: ET.Element, evaluation: Evaluation, index: Index) -> str:
    """Fill in a test case; returns its outcome: ``failures``, ``skipped`` or ``passed``.

    The result's lists, not the raw evaluation, decide: a case fails only when a kept finding
    backs it (so ``--strict`` undetermined findings fail, and findings under the severity
    floor, suppressed or baselined do not), keeping JUnit's counts equal to the report's.
    """
    if evaluation.status == "pass":
        return "passed"
    tagged = index.get((evaluation.rule_id, evaluation.resource), [])
    kept = [f for status, f in tagged if status == "kept"]
    if kept:
        failure = ET.SubElement(case, "failure", message=_clean(_message(kept, "")))
        failure.set("type", kept[0].severity)
        failure.text = _clean(_details(kept))
        return "failures"
    if evaluation.status == "undetermined":
        undetermined = [f for status, f in tagged if status == "undetermined"]
        return _skip(case, f"undetermined: {_message(undetermined, 'known only after apply')}")
    if tagged:  # suppressed or baselined: accepted on purpose
        status, first = tagged[0]
        return _skip(case, f"{status}: {first.message or first.title}")
    return _skip(case, "not reported: filtered out by the scan settings")


def _suite(name: str, cases: list[tuple[ET.Element, str]]) -> ET.Element:
    outcomes = Counter(outcome for _, outcome in cases)
    suite = ET.Element("testsuite", name=_clean(name), tests=str(len(cases)))
    for key in COUNTS[1:]:
        suite.set(key, str(outcomes[key]))
    suite.extend(case for case, _ in cases)
    return suite


def _rule_suite(rule_id: str, evaluations: list[Evaluation], index: Index) -> ET.Element:
    cases = []
    for evaluation in sorted(evaluations, key=lambda e: (e.resource, e.status)):
        case = ET.Element("testcase", classname=_clean(rule_id), name=_clean(evaluation.resource))
        cases.append((case, _outcome(case, evaluation, index)))
    return _suite(rule_id, cases)


def _errors_suite(errors: list[ScanError]) -> ET.Element:
    cases = []
    for error in sorted(errors):
        where = f"{error.file}:{error.line}" if error.line > 0 else error.file
        case = ET.Element("testcase", classname=ERRORS_SUITE, name=_clean(where))
        ET.SubElement(case, "error", message=_clean(error.message), type=error.kind)
        cases.append((case, "errors"))
    return _suite(ERRORS_SUITE, cases)


def render(result: ScanResult, options: ReportOptions) -> str:
    """A suite per selected rule (by id, even with no evaluations), then the errors suite."""
    by_rule: dict[str, list[Evaluation]] = {rule.id: [] for rule in result.rules}
    for evaluation in result.evaluations:
        by_rule.setdefault(evaluation.rule_id, []).append(evaluation)
    index = _index(result)
    suites = [_rule_suite(rule_id, by_rule[rule_id], index) for rule_id in sorted(by_rule)]
    if result.errors:
        suites.append(_errors_suite(result.errors))
    root = ET.Element("testsuites", name="iacscan")
    for key in COUNTS:
        root.set(key, str(sum(int(suite.get(key, "0")) for suite in suites)))
    root.extend(suites)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
