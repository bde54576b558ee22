"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

GitHub reads ``properties.security-severity`` (a number in a string) for the alert
severity, ``partialFingerprints`` to track an alert across commits, and resolves ``uri``
against the checkout through ``uriBaseId``; ``tests/data/sarif-schema-2.1.0.json``
pins the shape.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from iacscan.model import Finding, Location, ScanError
from iacscan.report.json_report import ordered
from iacscan.rules.model import Rule

if TYPE_CHECKING:
    from iacscan.report import ReportOptions
    from iacscan.scan import ScanResult

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
# URIs are relative to this base; ``originalUriBaseIds`` says where it is (the --path-base
# directory, by default the git repository root, which GitHub resolves against the checkout).
URI_BASE_ID = "%SRCROOT%"
FINGERPRINT_KEY = "iacscanFingerprint/v1"
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}


def level(severity: str) -> str:
    """SARIF level of a severity; unknown severities are shown, as warnings."""
    return LEVELS.get(severity, "warning")


def camel_case(title: str) -> str:
    """``S3 bucket is public`` -> ``S3BucketIsPublic``: SARIF wants a readable identifier."""
    return "".join(word[:1].upper() + word[1:] for word in re.split(r"[^0-9A-Za-z]+", title))


def _help(rule: Rule) -> dict[str, str]:
    """Remediation plus references, as plain text and as Markdown (GitHub shows the latter)."""
    body = rule.remediation or rule.description or rule.title
    refs = list(rule.references)  # the author's order: the primary reference first
    if not refs:
        return {"text": body, "markdown": body}
    text = body + "\n\nReferences:\n" + "\n".join(refs)
    markdown = body + "\n\n**References**\n\n" + "\n".join(f"- {ref}" for ref in refs)
    return {"text": text, "markdown": markdown}


def _descriptor(rule: Rule) -> dict[str, Any]:
    tags = sorted({"security", rule.category, *rule.tags} - {""})
    return {
        "id": rule.id,
        "name": camel_case(rule.title) or rule.id,
        "shortDescription": {"text": rule.title or rule.id},
        "fullDescription": {"text": rule.description or rule.title or rule.id},
        "help": _help(rule),
        "defaultConfiguration": {"level": level(rule.severity)},
        "properties": {
            "security-severity": SECURITY_SEVERITY.get(rule.severity, "5.5"),
            "tags": tags,
        },
    }


def _rule_for(result: ScanResult, finding: Finding) -> Rule:
    """The finding's rule; a stand-in built from the finding if the rule was not passed on."""
    found = result.rule(finding.rule_id)
    if found is not None:
        return found
    return Rule(finding.rule_id, finding.title, finding.severity, "", "", finding.remediation, "")


def _physical(location: Location) -> dict[str, Any]:
    """Relative, percent-encoded URI; SARIF lines start at 1 and never run backwards."""
    start = max(1, location.line)
    return {
        "physicalLocation": {
            "artifactLocation": {
                "uri": quote(location.file.replace("\\", "/"), safe="/"),
                "uriBaseId": URI_BASE_ID,
            },
            "region": {"startLine": start, "endLine": max(start, location.end_line)},
        }
    }


def evidence_text(finding: Finding) -> str:
    """Ports and sources of an exposure finding, for its message: `` (tcp 22 from 0.0.0.0/0)``."""
    facts = dict(finding.details)
    if "ports" not in facts:
        return ""
    sources = ", ".join(str(s) for s in facts.get("sources", ())) or "unknown sources"
    family = f" {facts['family']}" if "family" in facts else ""
    return f" ({facts.get('protocol', '')} {facts['ports']} from {sources}{family})"


def _code_flows(finding: Finding, places: dict[str, Location]) -> list[dict[str, Any]]:
    """One thread flow per path from the internet, hop by hop, so a viewer can walk it."""
    facts = dict(finding.details)
    paths = [facts.get("path", ())]
    paths += [dict(other).get("path", ()) for other in facts.get("other_verdicts", ())]
    # With several roots, graph nodes are ``<root>:<address>`` and hops are addresses.
    prefix = finding.resource.split(":", 1)[0] + ":" if ":" in finding.resource else ""
    flows = []
    for path in paths:
        steps = []
        for hop in path:
            place = places.get(f"{prefix}{hop}") or places.get(str(hop))
            location = _physical(place) if place else {}
            steps.append({"location": {**location, "message": {"text": str(hop)}}})
        if steps:
            flows.append({"threadFlows": [{"locations": steps}]})
    return flows


def _result(
    finding: Finding, index: int, kind: str, places: dict[str, Location] | None = None
) -> dict[str, Any]:
    """One SARIF result; ``kind`` is the list it came from: kept, undetermined or suppressed.

    The "Undetermined: " prefix follows the finding itself, so an undetermined finding kept
    by ``--strict`` is an error that still says why it could not be decided.
    """
    text = (finding.message or finding.title or finding.rule_id) + evidence_text(finding)
    if finding.status == "undetermined":
        text = f"Undetermined: {text}"
    record: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": index,
        "level": "note" if kind == "undetermined" else level(finding.severity),
        "message": {"text": text},
        "locations": [_physical(finding.location)],
    }
    flows = _code_flows(finding, places or {})
    if flows:
        record["codeFlows"] = flows
    if finding.fingerprint:
        record["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    if finding.root and finding.resource.split(":")[-1].startswith("module."):
        record["properties"] = {"rootModule": finding.root}
    if kind == "suppressed":
        # iacscan suppressions are ``iacscan:ignore`` comments in the scanned files.
        record["suppressions"] = [{"kind": "inSource"}]
    return record


def _notification(error: ScanError, severity: str = "error") -> dict[str, Any]:
    """A scan error as a tool execution notification: it is about the run, not a result."""
    record: dict[str, Any] = {"level": severity, "message": {"text": error.message}}
    if error.file:
        record["locations"] = [_physical(Location(error.file, error.line, error.line))]
    return record


def _selected(result: ScanResult, options: ReportOptions) -> list[tuple[str, Finding]]:
    """The findings that become results, each tagged with why, in canonical order."""
    chosen = [("kept", f) for f in ordered(result.findings)]
    if options.show_undetermined:
        chosen += [("undetermined", f) for f in ordered(result.undetermined)]
    if options.show_suppressed:
        chosen += [("suppressed", f) for f in ordered(result.suppressed)]
    return chosen


def render(result: ScanResult, options: ReportOptions) -> str:
    """One run: the rules that have results (sorted by id), the results, and any errors."""
    selected = _selected(result, options)
    rules = {f.rule_id: _rule_for(result, f) for _, f in selected}
    rule_ids = sorted(rules)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    driver = {
        "name": "iacscan",
        "version": options.version,
        "rules": [_descriptor(rules[rule_id]) for rule_id in rule_ids],
    }
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "results": [_result(f, index[f.rule_id], kind, result.places) for kind, f in selected],
    }
    if options.base_uri:
        run["originalUriBaseIds"] = {URI_BASE_ID: {"uri": options.base_uri}}
    if result.errors or result.warnings:
        notes = [_notification(e) for e in sorted(result.errors)]
        notes += [_notification(w, "warning") for w in sorted(result.warnings)]
        run["invocations"] = [
            {"executionSuccessful": not result.errors, "toolExecutionNotifications": notes}
        ]
    if result.settings_file:
        run["properties"] = {
            "settingsFile": result.settings_file,
            "disabledRules": list(result.disabled),
        }
    document = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2) + "\n"
