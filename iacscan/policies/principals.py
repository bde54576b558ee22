"""Who a resource-policy statement lets in: the principals, narrowed by its conditions.

Each principal becomes a class: ``public`` (``*``, ``{"AWS": "*"}``, an ARN with a wildcard
account, any ``NotPrincipal`` in an Allow), ``own`` (the configuration's own account),
``other:<id>`` (a literal account id or ARN), ``service:<name>``, or ``unknown`` (known only
after apply). Conditions on ``aws:PrincipalOrgID``, ``aws:PrincipalAccount``,
``aws:SourceAccount``, ``aws:PrincipalArn``... with a positive operator narrow the audience;
``...IfExists`` and negated operators do not (the key may be absent, or the test excludes
rather than selects). A narrowing condition whose values are unknown makes the audience
unknown: the spec says undetermined, never pass.

**The own account.** A configuration does not state its account; it is known only through
references: ``data.aws_caller_identity`` (``account_id``, ``arn``) and ARNs of resources the
configuration creates or reads (a ``Ref``). A literal account id is another account unless it
is trusted: the caller passes the accounts it trusts (from the registry allow-list).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from iacscan.model.values import Ref, Unknown
from iacscan.policies.document import Condition, Statement

PUBLIC, OWN, UNKNOWN, ORG = "public", "own", "unknown", "org"
_ACCOUNT = re.compile(r"^\d{12}$")
_ARN = re.compile(r"^arn:[a-z-]+:(iam|sts)::([^:]*):")
_ORG_KEYS = {
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:resourceorgid",
}
_ACCOUNT_KEYS = {"aws:principalaccount", "aws:sourceaccount"}
_ARN_KEYS = {"aws:principalarn", "aws:sourcearn", "aws:sourceowner"}
_POSITIVE = ("stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike")


def is_own(value: Any) -> bool:
    """A value the configuration itself produces: a Ref, or an unknown built from the
    caller identity or from other resources' attributes."""
    if isinstance(value, Ref):
        return True
    return isinstance(value, Unknown) and bool(value.refs)


def principal_class(value: Any, trusted: frozenset[str]) -> str:
    """The class of one ``AWS`` principal identifier."""
    if is_own(value):
        return OWN
    if not isinstance(value, str):
        return UNKNOWN
    text = value.strip()
    if text == "*":
        return PUBLIC
    arn = _ARN.match(text)
    account = arn.group(2) if arn else text if _ACCOUNT.match(text) else ""
    if not account:
        return UNKNOWN  # a unique id (AROA...) or a malformed ARN: which account is unknown
    if "*" in account or "?" in account:
        return PUBLIC
    return OWN if account in trusted else f"other:{account}"


def _classes(statement: Statement, trusted: frozenset[str]) -> set[str]:
    if statement.not_principals is not None:
        return {PUBLIC}  # Allow everyone except some: the rest of the world
    classes: set[str] = set()
    for kind, identifiers in (statement.principals or {}).items():
        for value in identifiers:
            if kind in ("AWS", "*"):
                classes.add(principal_class(value, trusted))
            elif kind == "Service":
                classes.add(f"service:{value}" if isinstance(value, str) else UNKNOWN)
    return classes


def narrowing(condition: Condition, trusted: frozenset[str]) -> set[str] | None:
    """The classes a condition narrows the audience to, None when it does not narrow;
    ``{UNKNOWN}`` when it narrows by a value known only after apply."""
    operator, key = condition.operator, condition.key
    if not isinstance(operator, str) or not isinstance(key, str):
        return {UNKNOWN}
    op, name = operator.lower().removeprefix("foranyvalue:"), key.lower()
    if op not in _POSITIVE or name not in _ORG_KEYS | _ACCOUNT_KEYS | _ARN_KEYS:
        return None
    if any(v == "*" for v in condition.values):
        return None
    if name in _ORG_KEYS:
        return {ORG if all(isinstance(v, str) or is_own(v) for v in condition.values) else UNKNOWN}
    found = {principal_class(v, trusted) for v in condition.values}
    return None if PUBLIC in found else found


def audience(statement: Statement, trusted: Iterable[str] = ()) -> tuple[set[str], list[str]]:
    """The principal classes the statement admits after its conditions, and the condition
    keys that narrowed it (for evidence)."""
    trust = frozenset(trusted)
    classes = _classes(statement, trust)
    narrowed: list[str] = []
    for condition in statement.conditions:
        selected = narrowing(condition, trust)
        if selected is None:
            continue
        narrowed.append(str(condition.key))
        classes = _narrow(classes, selected)
    return classes, narrowed


def _narrow(classes: set[str], selected: set[str]) -> set[str]:
    """The audience that satisfies both the principal and one narrowing condition."""
    if ORG in selected:
        return {ORG} if classes else set()
    result: set[str] = set()
    for cls in classes:
        if cls in (PUBLIC, UNKNOWN):
            result |= selected if cls == PUBLIC else selected & {OWN} or {UNKNOWN}
        elif cls.startswith("service:") or cls == OWN:
            result.add(cls)
        elif cls in selected or UNKNOWN in selected:
            result.add(cls if cls in selected else UNKNOWN)
    return result


def is_public(classes: set[str]) -> bool | None:
    """True when anyone is admitted, None when an unknown principal might be anyone."""
    return True if PUBLIC in classes else None if UNKNOWN in classes else False


def other_accounts(classes: set[str]) -> tuple[list[str], bool | None]:
    """The other accounts admitted (sorted), and the verdict: True when there are some, None
    when an unknown principal might be one."""
    accounts = sorted(c.removeprefix("other:") for c in classes if c.startswith("other:"))
    return accounts, True if accounts else None if UNKNOWN in classes else False
