"""The terminal report: findings grouped by file, optional sections, then one summary line.

Colour is opt-in (the CLI decides from the terminal), so piped output and tests stay plain
text. Only the severity cell is coloured: tabulate ignores ANSI codes when measuring, so
columns line up either way.
"""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING

from tabulate import tabulate

from iacscan.model import Finding, ScanError
from iacscan.report.json_report import ordered
from iacscan.rules.dedupe import CIDR

if TYPE_CHECKING:
    from iacscan.report import ReportOptions
    from iacscan.scan import ScanResult

HEADERS = ("severity", "rule", "resource", "line", "title")
COLALIGN = ("left", "left", "left", "right", "left")
RESET = "\x1b[0m"
COLORS = {
    "critical": "\x1b[1;31m",  # bold red
    "high": "\x1b[31m",  # red
    "medium": "\x1b[33m",  # yellow
    "low": "\x1b[34m",  # blue
    "info": "\x1b[2m",  # dim
}


def _severity(severity: str, color: bool) -> str:
    if color and severity in COLORS:
        return f"{COLORS[severity]}{severity}{RESET}"
    return severity


NETWORK_CATEGORIES = ("network", "exposure")


def evidence_line(finding: Finding, network: bool = False) -> str:
    """One line of what an exposure or network finding rests on (ports, sources, path; a
    network rule's own evidence); for an undetermined finding, why it could not be decided."""
    facts = dict(finding.details)
    parts = []
    if network and not facts and finding.status != "undetermined":
        parts.append(_network_facts(finding))
        parts = [p for p in parts if p]
    if "ports" in facts:
        sources = ", ".join(str(s) for s in facts.get("sources", ())) or "-"
        family = f" ({facts['family']})" if "family" in facts else ""
        parts.append(f"{facts.get('protocol', '')} {facts['ports']}{family} from {sources}")
    if facts.get("path"):
        parts.append("path: " + " -> ".join(str(h) for h in facts["path"]))
    if finding.root and finding.resource.split(":")[-1].startswith("module."):
        parts.append(f"root module: {finding.root}")
    if finding.status == "undetermined":
        reasons = [str(u) for u in facts.get("unknowns", ())] or [
            e for e in finding.evidence if e.startswith(("unknown", "undetermined"))
        ]
        parts.append("undetermined: " + ("; ".join(reasons) or _reason(finding)))
    return "   ".join(parts)


def _network_facts(finding: Finding) -> str:
    """What a network rule's evidence says about flows (``allows ...``, ``exposure: ...``)
    with the sources it names; condition echoes (``x equals y``) are left to JSON."""
    flows = [e for e in finding.evidence if " allows " in e or e.startswith("exposure:")]
    if not flows:
        return ""
    said = " ".join(flows)
    cidrs = [c for c in dict.fromkeys(CIDR.findall(" ".join(finding.evidence))) if c not in said]
    return "; ".join(([f"CIDR {', '.join(cidrs)}"] if cidrs else []) + flows)


def _reason(finding: Finding) -> str:
    """An attribute rule's reason is the evidence that names the unknown value."""
    unknown = [e for e in finding.evidence if "unknown" in e] or list(finding.evidence)
    return "; ".join(unknown) or "depends on a value known only after apply"


def _file_table(findings: list[Finding], color: bool, network: frozenset[str]) -> str:
    rows = [
        (_severity(f.severity, color), f.rule_id, f.resource, f.location.line, f.title)
        for f in findings
    ]
    # numparse off: a rule id or resource name that looks like a number must stay verbatim.
    table = tabulate(
        rows, headers=HEADERS, tablefmt="simple", colalign=COLALIGN, disable_numparse=True
    ).split("\n")
    lines = table[:2]
    for finding, row in zip(findings, table[2:], strict=False):
        lines.append(row)
        extra = evidence_line(finding, finding.rule_id in network)
        if extra:
            lines.append(f"    {extra}")
    return "\n".join(lines)


def grouped(findings: list[Finding], color: bool, network: frozenset[str] = frozenset()) -> str:
    """One block per file, files in path order: a heading line, then that file's table;
    ``network`` names the rules whose evidence is printed under their rows."""
    blocks = []
    for file, group in groupby(ordered(findings), key=lambda f: f.location.file):
        blocks.append(f"{file}\n{_file_table(list(group), color, network)}")
    return "\n\n".join(blocks)


def _where(error: ScanError) -> str:
    """``file:line``, or just ``file`` for errors about a whole file (line 0)."""
    return f"{error.file}:{error.line}" if error.line > 0 else error.file


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def summary_line(result: ScanResult) -> str:
    """Every count, whatever was shown, so hidden undetermined/suppressed are never silent."""
    severities = ", ".join(f"{n} {s}" for s, n in result.by_severity().items() if n)
    head = _plural(len(result.findings), "finding")
    parts = [f"{head} ({severities})" if severities else head]
    parts.append(f"{len(result.undetermined)} undetermined")
    parts.append(f"{len(result.suppressed)} suppressed")
    if result.baselined:
        parts.append(f"{len(result.baselined)} baselined")
    parts.append(_plural(len(result.errors), "error"))
    if result.warnings:
        parts.append(_plural(len(result.warnings), "warning"))
    scope = f"{_plural(len(result.files), 'file')}, {_plural(result.resource_count, 'resource')}"
    if result.skipped:
        scope += f" ({len(result.skipped)} skipped by --skip-path)"
    return f"{', '.join(parts)} in {scope}"


def render(result: ScanResult, options: ReportOptions) -> str:
    """Findings (or "No findings."), then the sections asked for, errors and the summary."""
    network = frozenset(r.id for r in result.rules if r.category in NETWORK_CATEGORIES)
    kept = grouped(result.findings, options.color, network)
    sections = [kept if result.findings else "No findings."]
    if options.show_undetermined and result.undetermined:
        body = grouped(result.undetermined, options.color, network)
        sections.append(f"Undetermined ({len(result.undetermined)}):\n\n{body}")
    if options.show_suppressed and result.suppressed:
        body = grouped(result.suppressed, options.color)
        sections.append(f"Suppressed ({len(result.suppressed)}):\n\n{body}")
    if result.errors:
        lines = "\n".join(f"{_where(e)}: {e.message}" for e in sorted(result.errors))
        sections.append(f"Errors ({len(result.errors)}):\n{lines}")
    if result.warnings:
        lines = "\n".join(f"{_where(w)}: {w.message}" for w in sorted(result.warnings))
        sections.append(f"Warnings ({len(result.warnings)}):\n{lines}")
    if result.settings_file:
        off = len(result.disabled)
        sections.append(f"Settings: {result.settings_file} ({_plural(off, 'rule')} switched off)")
    sections.append(summary_line(result))
    return "\n\n".join(sections) + "\n"
