"""Compile a rule's ``condition`` mapping into a function of (subject, graph) -> Outcome.

Compiling once at load time validates the vocabulary (an unknown operator or a malformed
argument is a load error naming the key) and keeps evaluation a plain function call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import networkx as nx

from iacscan.model.values import Unknown, is_unknown
from iacscan.rules.conditions import (
    ELEMENT_OPERATORS,
    FALSE,
    ConditionError,
    Outcome,
    Subject,
    Tri,
    all_of,
    any_of,
    element_outcome,
    negate,
    parse_path,
    resolve,
    show,
)

Condition = Callable[[Subject, nx.MultiDiGraph], Outcome]
PRESENCE = ("exists", "missing", "set")
LIST_OPERATORS = ("contains", "not_equals", "not_in", "lacks")
ABSENT_FAILS = ("not_equals", "not_in", "lacks")  # an unset attribute violates these
PORT_OPERATORS = ("port_in_range", "all_ports", "port_span_at_least")
GRAPH_OPERATORS = ("connected", "not_connected")
LEAF_KEYS = frozenset(ELEMENT_OPERATORS) | set(PRESENCE + LIST_OPERATORS)
OPERATORS = sorted(LEAF_KEYS | set(PORT_OPERATORS + GRAPH_OPERATORS) | {"all", "any", "not"})
ALL_PROTOCOLS = "-1"


def compile_condition(spec: Any) -> Condition:
    if not isinstance(spec, dict) or not spec:
        raise ConditionError("a condition must be a non-empty mapping")
    if "all" in spec or "any" in spec:
        key = "all" if "all" in spec else "any"
        parts = spec[key]
        if not isinstance(parts, list) or not parts:
            raise ConditionError(f"'{key}' needs a non-empty list of conditions")
        compiled = [compile_condition(p) for p in parts]
        combine = all_of if key == "all" else any_of
        return lambda subject, graph: combine([c(subject, graph) for c in compiled])
    if "not" in spec:
        inner = compile_condition(spec["not"])
        return lambda subject, graph: negate(inner(subject, graph))
    operators = [k for k in spec if k not in ("attribute", "quantifier")]
    if len(operators) != 1:
        raise ConditionError(f"expected exactly one operator, got {sorted(operators) or 'none'}")
    op = operators[0]
    if op in PORT_OPERATORS:
        return _port_condition(op, spec[op])
    if op in GRAPH_OPERATORS:
        return _graph_condition(op, spec[op])
    if op not in LEAF_KEYS:
        raise ConditionError(f"unknown operator {op!r} (known: {', '.join(OPERATORS)})")
    if not isinstance(spec.get("attribute"), str):
        raise ConditionError(f"operator {op!r} needs an 'attribute' path")
    return _leaf(spec["attribute"], op, spec[op], spec.get("quantifier", "any"))


def _leaf(path: str, op: str, arg: Any, quantifier: str) -> Condition:
    if quantifier not in ("any", "all"):
        raise ConditionError("quantifier must be 'any' or 'all'")
    if op in ELEMENT_OPERATORS:
        try:
            test = ELEMENT_OPERATORS[op](arg)
        except (TypeError, ValueError) as exc:
            raise ConditionError(f"bad argument for {op!r}: {exc}") from None
    combine = any_of if quantifier == "any" else all_of
    last = next((step for step in reversed(parse_path(path)) if isinstance(step, str)), "")

    def evaluate(subject: Subject, graph: nx.MultiDiGraph) -> Outcome:
        outcomes = []
        for where, value, present in resolve(subject.attrs, path):
            full = subject.path_prefix + where
            if op == "set":
                outcomes.append(_set(arg, full, value, present, where, last))
            elif op in PRESENCE:
                outcomes.append(_presence(op, arg, full, value, present))
            elif not present:
                outcomes.append(
                    FALSE if op not in ABSENT_FAILS else _hit(full, "is not set", "not set")
                )
            elif op in LIST_OPERATORS:
                outcomes.append(_list_op(op, arg, full, value))
            else:
                outcomes.append(element_outcome(test, full, value, f"{op} {show(arg)}"))
        return combine(outcomes) if outcomes else FALSE

    return evaluate


def _hit(path: str, why: str, found: str = "") -> Outcome:
    return Outcome(Tri.TRUE, path, (f"{path} {why}".strip(),), found=found)


def _presence(op: str, arg: Any, path: str, value: Any, present: bool) -> Outcome:
    """A reference counts as set (it names another resource's value); an Unknown from a
    variable might be null, so it is undetermined; ``[]`` and ``""`` count as not set."""
    if present and isinstance(value, Unknown):
        return Outcome(Tri.UNKNOWN, path, (f"{path} = {show(value)}",))
    if present and value in ([], ""):
        present = False
    want_present = bool(arg) if op == "exists" else not bool(arg)
    if present == want_present:
        return _hit(path, "is set" if present else "is not set")
    return FALSE


def _set(arg: Any, path: str, value: Any, present: bool, where: str, last: str) -> Outcome:
    """Is the attribute written at all, whatever its value? A Ref or an Unknown counts as
    set (a route naming an undeclared peering connection is a peering route); only an
    unknown *around* the attribute (a dynamic block over an unknown collection) leaves it
    undetermined."""
    if present and is_unknown(value) and not where.endswith(last):
        return Outcome(Tri.UNKNOWN, path, (f"{path} = {show(value)}",))
    written = present and value not in (None, "", [])
    if written == bool(arg):
        return _hit(path, "is set" if written else "is not set")
    return FALSE


def _list_op(op: str, arg: Any, path: str, value: Any) -> Outcome:
    if is_unknown(value):
        return Outcome(Tri.UNKNOWN, path, (f"{path} = {show(value)}",))
    if op in ("contains", "lacks"):  # lacks: contains negated, keeping the path it judged
        items = value if isinstance(value, (list, str)) else [value]
        if isinstance(items, list) and any(is_unknown(i) for i in items) and arg not in items:
            return Outcome(Tri.UNKNOWN, path, (f"{path} = {show(value)}",))
        if op == "lacks":
            return FALSE if arg in items else _hit(path, f"does not contain {show(arg)}")
        return _hit(path, f"contains {show(arg)}") if arg in items else FALSE
    equal = ELEMENT_OPERATORS["in" if op == "not_in" else "equals"](arg)(value)
    text = value if isinstance(value, str) else show(value)
    return FALSE if equal else _hit(path, f"= {show(value)}, not {show(arg)}", text)


# -- ports --------------------------------------------------------------------------------------
def _port_condition(op: str, arg: Any) -> Condition:
    if op == "port_in_range":
        spec = arg if isinstance(arg, dict) else {"ports": arg if isinstance(arg, list) else [arg]}
        ports = [int(p) for p in spec.get("ports", [])]
        protocols = spec.get("protocols", ["tcp", "udp"])
    elif op == "port_span_at_least":
        span = int(arg)

    def evaluate(subject: Subject, graph: nx.MultiDiGraph) -> Outcome:
        attrs = subject.attrs
        proto, low, high = attrs.get("protocol"), attrs.get("from_port"), attrs.get("to_port")
        path = subject.path_prefix.rstrip(".")
        if is_unknown(proto):
            return Outcome(Tri.UNKNOWN, path, (f"protocol = {show(proto)}",))
        if proto == ALL_PROTOCOLS:
            return _hit(path, "allows all protocols and ports")
        if op == "port_in_range" and proto not in protocols:
            return FALSE
        if is_unknown(low) or is_unknown(high) or low is None or high is None:
            return Outcome(Tri.UNKNOWN, path, (f"ports {show(low)}-{show(high)}",))
        low, high = int(low), int(high)
        if op == "all_ports":
            hit = low <= 1 and high >= 65535
        elif op == "port_span_at_least":
            hit = high - low + 1 >= span
        else:
            hit = any(low <= p <= high for p in ports)
        return _hit(path, f"allows {proto} ports {low}-{high}") if hit else FALSE

    return evaluate


# -- graph --------------------------------------------------------------------------------------
def _graph_condition(op: str, arg: Any) -> Condition:
    if not isinstance(arg, dict) or "edge" not in arg:
        raise ConditionError(f"{op!r} needs a mapping with 'edge' (and optionally 'to')")
    kind, target = str(arg["edge"]), arg.get("to")

    def evaluate(subject: Subject, graph: nx.MultiDiGraph) -> Outcome:
        node = subject.node
        found = node in graph and any(
            data.get("kind") == kind
            and (target is None or graph.nodes[other]["resource"].type == target)
            for _, other, data in graph.out_edges(node, data=True)
        )
        connected = _hit("", f"is connected via {kind} to {target or 'a resource'}")
        if op == "connected":
            return connected if found else FALSE
        return FALSE if found else _hit("", f"has no {kind} edge to {target or 'any resource'}")

    return evaluate
