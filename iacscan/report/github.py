"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

The command syntax is ``::level key=value,...::message``; GitHub percent-decodes both parts,
so ``%``, CR and LF are escaped everywhere and ``:`` and ``,`` also in property values,
where they would otherwise end a value early.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from iacscan.model import Finding, ScanError
from iacscan.report.json_report import ordered
from iacscan.report.sarif import evidence_text

if TYPE_CHECKING:
    from iacscan.report import ReportOptions
    from iacscan.scan import ScanResult

LEVELS = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "notice",
    "info": "notice",
}


def escape_data(text: str) -> str:
    """Escape a command's message (``%`` first, so later escapes are not escaped again)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: as a message, plus the ``:`` and ``,`` separators."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, properties: dict[str, str], message: str) -> str:
    """One workflow command line; properties keep their insertion order."""
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{level} {props}::{escape_data(message)}"


def _position(file: str, line: int, end_line: int) -> dict[str, str]:
    """``file`` always, lines only when known (GitHub rejects line 0)."""
    position = {"file": file.replace("\\", "/")}
    if line > 0:
        position["line"] = str(line)
        position["endLine"] = str(max(line, end_line))
    return position


def _annotation(finding: Finding, level: str, prefix: str = "") -> str:
    """One finding; undetermined ones say so, also when ``--strict`` kept them as failures."""
    properties = _position(finding.location.file, finding.location.line, finding.location.end_line)
    properties["title"] = f"{finding.rule_id} {finding.title}".strip()
    if finding.status == "undetermined":
        prefix += "Undetermined: "
    text = (finding.message or finding.title) + evidence_text(finding)
    return command(level, properties, prefix + text)


def _error(error: ScanError) -> str:
    properties = _position(error.file, error.line, error.line)
    if error.kind == "warning":
        properties["title"] = "iacscan warning"
        return command("warning", properties, error.message)
    properties["title"] = f"iacscan {error.kind} error"
    return command("error", properties, error.message)


def render(result: ScanResult, options: ReportOptions) -> str:
    """Findings by severity level, then the optional notices, then scan errors."""
    lines = [_annotation(f, LEVELS.get(f.severity, "warning")) for f in ordered(result.findings)]
    if options.show_undetermined:
        lines += [_annotation(f, "notice") for f in ordered(result.undetermined)]
    if options.show_suppressed:
        lines += [_annotation(f, "notice", "Suppressed: ") for f in ordered(result.suppressed)]
    lines += [_error(e) for e in sorted(result.errors)]
    lines += [_error(w) for w in sorted(result.warnings)]
    return "".join(f"{line}\n" for line in lines)
