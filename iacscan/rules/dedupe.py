"""One problem, one finding: merge what the rules report twice for the same cause.

Two kinds of repeats buried real findings on real repositories:

- the same rule on the same resource once for IPv4 and once for IPv6 (a NACL entry 100 for
  ``0.0.0.0/0`` and entry 101 for ``::/0``, an SG with one block per family): one finding,
  with both families' evidence;
- two rules for one endpoint, where one is the other made sure by the exposure analysis:
  when the stronger rule fails on a resource, the weaker rule's finding there is dropped
  and named in the stronger one's evidence.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from iacscan.model import Finding

# rule -> rules it makes redundant on the same resource when it fails there.
SUBSUMES = {"IAC-AWS-EXPOSURE-004": ("IAC-AWS-EKS-001",)}

CIDR = re.compile(r"(?<![\w:.])(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:]*::[0-9A-Fa-f:]*)/\d{1,3}")
# What differs between the two families' twins besides the CIDR: NACL entry numbers, block
# indexes (``ingress[1]``) and the family's name.
_NUMBERS = re.compile(r"(?<=entry )\d+|\[\d+\]|IPv[46]")


def family(finding: Finding) -> str:
    """``IPv4``/``IPv6`` when the finding's evidence names sources of one family only."""
    details = dict(finding.details)
    if isinstance(details.get("family"), str) and "other_verdicts" not in details:
        return details["family"]
    cidrs = {c for text in finding.evidence for c in CIDR.findall(text)}
    kinds = {"IPv6" if ":" in c else "IPv4" for c in cidrs}
    return kinds.pop() if len(kinds) == 1 else ""


def _shape(finding: Finding) -> tuple[str, ...]:
    """The evidence with addresses, entry numbers and indexes blanked: equal for twins."""
    return tuple(_NUMBERS.sub("#", CIDR.sub("<cidr>", text)) for text in finding.evidence)


def merge_families(findings: Iterable[Finding]) -> list[Finding]:
    """IPv4 and IPv6 findings of one rule on one resource with the same shape become one."""
    kept: list[Finding] = []
    pending: dict[tuple[object, ...], int] = {}
    for finding in sorted(findings, key=lambda f: (f.location, f.path, f.fingerprint)):
        fam = family(finding)
        key = (finding.rule_id, finding.resource, finding.status, _shape(finding))
        index = pending.get(key)
        if fam and index is not None and family(kept[index]) not in ("", fam):
            first = kept[index]
            kept[index] = dataclasses.replace(first, evidence=first.evidence + finding.evidence)
            del pending[key]
            continue
        if fam:
            pending[key] = len(kept)
        kept.append(finding)
    return kept


def drop_subsumed(findings: list[Finding]) -> list[Finding]:
    """Drop a weaker rule's finding where a stronger rule fails on the same resource."""
    strong = {
        (f.resource, weak): f.rule_id
        for f in findings
        if f.status == "fail"
        for weak in SUBSUMES.get(f.rule_id, ())
    }
    dropped = {(f.resource, f.rule_id) for f in findings if (f.resource, f.rule_id) in strong}
    result = []
    for finding in findings:
        if (finding.resource, finding.rule_id) in dropped:
            continue
        also = [w for w in SUBSUMES.get(finding.rule_id, ()) if (finding.resource, w) in dropped]
        if also and finding.status == "fail":
            note = f"also reported by: {', '.join(also)}"
            result.append(dataclasses.replace(finding, evidence=(*finding.evidence, note)))
        else:
            result.append(finding)
    return result


def dedupe(findings: list[Finding]) -> list[Finding]:
    return drop_subsumed(merge_families(findings))
