"""Reachability context for security-group findings: is the open port actually reachable?

An SG rule open to the internet is a finding on its own (it is one attachment away from an
exposure), but how urgent it is depends on the workloads behind it. For each finding of a
rule over SG rule records that is tagged ``internet-exposure``, this step looks up every
workload that uses the group and its verdict from the exposure analysis on the rule's
ports, and adds them as evidence. When none is reachable, the message says why (the
blocking codes), so a reviewer sees at once that e.g. ``NO_ROUTE_TO_IGW`` keeps the open
SSH rule from mattering today, while the exposure rule itself stays silent.
"""

from __future__ import annotations

import dataclasses

from iacscan.graph.facts import Facts
from iacscan.graph.network import Verdict
from iacscan.graph.network.model import address
from iacscan.graph.network.placement import PLACERS
from iacscan.graph.security_groups import SgRule, all_rules
from iacscan.model import Finding, Resource
from iacscan.rules.model import Rule

TAG = "internet-exposure"
REACHING = ("OPEN", "RESTRICTED", "UNDETERMINED")


def annotate(
    findings: list[Finding], rules: list[Rule], resources: list[Resource], facts: Facts
) -> list[Finding]:
    """The findings, those of internet-facing SG rules with their reachability context."""
    wanted = {r.id for r in rules if r.target == "security_group_rules" and TAG in r.tags}
    if not any(f.rule_id in wanted for f in findings):
        return findings
    records = {(r.owner.root, r.owner.address, r.path): r for r in all_rules(resources)}
    out = []
    for finding in findings:
        resource = facts.resource(finding.resource)
        record = records.get((resource.root, resource.address, finding.path))
        wanted_here = finding.rule_id in wanted and record is not None
        out.append(_with_context(finding, record, facts) if wanted_here else finding)
    return out


def _users(facts: Facts, record: SgRule) -> list[tuple[str, Resource]]:
    """(node, workload) pairs whose placement lists the rule's security group."""
    group = address(record.group)
    if group is None:
        return []
    net = facts.network(record.owner)
    found = []
    for node, data in sorted(facts.graph.nodes(data=True)):
        workload = data["resource"]
        if workload.root != record.owner.root or workload.type not in PLACERS:
            continue
        place = PLACERS[workload.type](net, workload)
        if group in {address(g) for g in place.security_groups or ()}:
            found.append((node, workload))
    return found


def _matching(verdicts: list[Verdict], record: SgRule) -> list[Verdict]:
    low, high = record.from_port, record.to_port
    if not isinstance(low, int) or not isinstance(high, int):
        low, high = 0, 65535
    protocols = ("tcp", "udp") if record.protocol == "-1" else (record.protocol,)
    families = ({4} if record.cidr_blocks else set()) | ({6} if record.ipv6_cidr_blocks else set())
    return [
        v
        for v in verdicts
        if v.family in (families or {4, 6})
        and v.protocol in protocols
        and v.ports[0] <= high
        and low <= v.ports[1]
    ]


def _with_context(finding: Finding, record: SgRule | None, facts: Facts) -> Finding:
    if record is None:
        return finding
    users = _users(facts, record)
    if not users:
        note = "no workload declared here uses this security group"
        return dataclasses.replace(finding, evidence=(*finding.evidence, f"exposure: {note}"))
    lines: list[str] = []
    reachable: list[str] = []
    blocks: dict[str, None] = {}
    for node, workload in users:
        verdicts = _matching(facts.exposure(node), record)
        hits = sorted({v.verdict for v in verdicts if v.verdict in REACHING})
        if hits:
            reachable.append(workload.address)
            lines.append(f"exposure: {workload.address} {'/'.join(hits)} from the internet")
        else:
            codes = dict.fromkeys(c for v in verdicts for c in v.blocked_by)
            blocks.update(codes)
            lines.append(f"exposure: {workload.address} CLOSED ({', '.join(codes) or '-'})")
    message = finding.message
    if not reachable:
        message += f"; not reachable from the internet today: {', '.join(blocks) or 'CLOSED'}"
    return dataclasses.replace(finding, message=message, evidence=(*finding.evidence, *lines))
