"""The machine-readable report: one JSON document with a summary, findings and errors.

Its record shape is the stable contract for scripts, so keys are fixed and always present
(empty strings and lists rather than missing keys). It also owns the canonical finding
order the other formats reuse, so every format lists findings in the same sequence.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from iacscan.model import Finding, ScanError

if TYPE_CHECKING:
    from iacscan.report import ReportOptions
    from iacscan.scan import ScanResult


def sort_key(finding: Finding) -> tuple[Any, ...]:
    """Reading order (file, line), then enough identity to break every tie.

    Reporters sort again even though ``ScanResult`` promises sorted findings: output must be
    byte-identical for the same findings whatever order the checks produced them in.
    """
    return (
        finding.location,
        finding.rule_id,
        finding.resource,
        finding.path,
        finding.fingerprint,
        finding.message,
    )


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in the canonical order shared by all formats."""
    return sorted(findings, key=sort_key)


def finding_record(finding: Finding) -> dict[str, Any]:
    """One finding as plain JSON data; the same shape for kept, undetermined and suppressed."""
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity,
        "title": finding.title,
        "message": finding.message,
        "resource": finding.resource,
        "resource_type": finding.resource_type,
        "file": finding.location.file,
        "line": finding.location.line,
        "end_line": finding.location.end_line,
        "remediation": finding.remediation,
        "evidence": details_json(finding.details) if finding.details else list(finding.evidence),
        "fingerprint": finding.fingerprint,
        "root": finding.root,
    }


def details_json(details: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    """Structured evidence as an object: tuples become lists, nested pairs objects."""

    def convert(value: Any) -> Any:
        if (
            isinstance(value, tuple)
            and value
            and all(isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) for v in value)
        ):
            return {k: convert(v) for k, v in value}
        if isinstance(value, tuple):
            return [convert(v) for v in value]
        return value

    return {key: convert(value) for key, value in details}


def error_record(error: ScanError) -> dict[str, Any]:
    """A scan error; ``kind`` is left out to keep the documented shape exact."""
    return {"file": error.file, "line": error.line, "message": error.message}


def summary(result: ScanResult) -> dict[str, Any]:
    """Counts over the whole result, independent of which optional lists are shown."""
    return {
        "files": len(result.files),
        "resources": result.resource_count,
        "findings": len(result.findings),
        "undetermined": len(result.undetermined),
        "suppressed": len(result.suppressed),
        "errors": len(result.errors),
        "warnings": len(result.warnings),
        "skipped": len(result.skipped),
        "by_severity": result.by_severity(),
    }


def render(result: ScanResult, options: ReportOptions) -> str:
    """The JSON document; optional lists appear only when asked for, after ``findings``."""
    document: dict[str, Any] = {
        "version": options.version,
        "summary": summary(result),
        "findings": [finding_record(f) for f in ordered(result.findings)],
    }
    if options.show_undetermined:
        document["undetermined"] = [finding_record(f) for f in ordered(result.undetermined)]
    if options.show_suppressed:
        document["suppressed"] = [finding_record(f) for f in ordered(result.suppressed)]
    document["errors"] = [error_record(e) for e in sorted(result.errors)]
    document["warnings"] = [error_record(w) for w in sorted(result.warnings)]
    document["skipped"] = list(result.skipped)
    if result.settings_file:
        document["settings"] = {"file": result.settings_file, "disabled_rules": result.disabled}
    return json.dumps(document, indent=2) + "\n"
