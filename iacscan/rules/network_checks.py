"""Security-group checks that need a project setting or a set difference of ports.

"Open only the ports that are needed": any port opened to the internet that is not one of
the project's public web ports is a finding. The ports that SSH, RDP and the sensitive
service rules (SG-001..003) already judge, all-port rules (SG-004) and wide ranges (SG-005)
are left to those rules, so one open port gives one finding. The internet test is the
same condition the other SG rules use, compiled here once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iacscan.graph.cidrs import cidr_network, cidr_problem, covers_public
from iacscan.graph.facts import Facts
from iacscan.graph.network.sets import ports_text
from iacscan.model.values import is_unknown
from iacscan.rules.compiler import compile_condition
from iacscan.rules.conditions import FALSE, Outcome, Subject, Tri, show

Check = Callable[[Subject, Facts, dict[str, Any]], Outcome]
_FROM_INTERNET = compile_condition(
    {
        "all": [
            {"attribute": "direction", "equals": "ingress"},
            {"attribute": "all_cidrs", "cidr_is_public": True},
        ]
    }
)
WIDE_SPAN = 100  # SG-005's threshold: wider ranges are that rule's


def _ports(subject: Subject) -> tuple[str, int, int] | Outcome:
    """(protocol, low, high) of a TCP/UDP rule, or the outcome when there is none to judge."""
    attrs, path = subject.attrs, subject.path_prefix.rstrip(".")
    proto, low, high = attrs.get("protocol"), attrs.get("from_port"), attrs.get("to_port")
    if is_unknown(proto):
        return Outcome(Tri.UNKNOWN, path, (f"protocol = {show(proto)}",))
    if proto not in ("tcp", "udp"):
        return FALSE  # all protocols is SG-004's; ICMP has no ports
    if is_unknown(low) or is_unknown(high) or low is None or high is None:
        return Outcome(Tri.UNKNOWN, path, (f"ports {show(low)}-{show(high)}",))
    try:
        return str(proto), int(low), int(high)
    except (TypeError, ValueError):
        return FALSE


def _spans(ports: list[int]) -> list[tuple[int, int]]:
    """Sorted ports -> consecutive intervals (``[8000, 8001, 9100]`` -> 8000-8001, 9100)."""
    spans: list[tuple[int, int]] = []
    for port in ports:
        if spans and spans[-1][1] == port - 1:
            spans[-1] = (spans[-1][0], port)
        else:
            spans.append((port, port))
    return spans


def _sources(subject: Subject) -> str:
    """The internet sources of the rule, for the message (``0.0.0.0/0, ::/0``)."""
    found = []
    for cidr in subject.attrs.get("all_cidrs") or []:
        net = cidr_network(cidr)
        if net is not None and covers_public(net, 8):
            found.append(str(cidr).strip())
    return ", ".join(found) or "the internet"


def open_port(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails on an internet ingress rule that opens a port outside ``public_ports`` (a
    project setting, default 80 and 443) and outside ``judged_elsewhere`` (lists of the
    ports other rules judge); ``protocols`` limits the protocols judged; ``only`` narrows
    the judged ports to a list instead (port 80's own plain-HTTP rule)."""
    graph = facts.graph
    internet = _FROM_INTERNET(subject, graph)
    if internet.value is Tri.FALSE:
        return FALSE
    span = _ports(subject)
    if isinstance(span, Outcome):
        return span
    proto, low, high = span
    if high - low + 1 >= WIDE_SPAN or proto not in params.get("protocols", [proto]):
        return FALSE
    if "only" in params:
        wanted = {int(p) for p in params["only"]}
        hits = [p for p in range(low, high + 1) if p in wanted]
    else:
        elsewhere = [p for group in params["judged_elsewhere"] for p in group]
        skip = {int(p) for p in [*params.get("public_ports", []), *elsewhere]}
        hits = [p for p in range(low, high + 1) if p not in skip]
    if not hits:
        return FALSE
    path = subject.path_prefix.rstrip(".")
    found = f"{proto} {ports_text(_spans(hits))} to {_sources(subject)}"
    if internet.value is Tri.UNKNOWN:
        return Outcome(Tri.UNKNOWN, path, (*internet.evidence, f"opens {found}"), found=found)
    return Outcome(Tri.TRUE, path, (f"{path or 'rule'} opens {found}",), found=found)


def invalid_cidr(subject: Subject, facts: Facts, params: dict[str, Any]) -> Outcome:
    """Fails on a CIDR the AWS provider rejects but that still denotes a network (a bare
    ``/0``, host bits set) in one of ``attributes`` of the record (named ``label`` if
    given): the other rules judge that network, this one says it is wrong."""
    bad = []
    for key in params.get("attributes", ["cidr_blocks", "ipv6_cidr_blocks"]):
        for i, cidr in enumerate(subject.attrs.get(key) or []):
            problem = cidr_problem(cidr)
            if problem:
                name = params.get("label") or f"{key}[{i}]"
                bad.append(f"{name} {show(cidr)} {problem}")
    if not bad:
        return FALSE
    path = subject.path_prefix.rstrip(".")
    return Outcome(Tri.TRUE, path, tuple(bad), found="; ".join(bad))


CHECKS: dict[str, Check] = {"sg_open_port": open_port, "sg_invalid_cidr": invalid_cidr}
