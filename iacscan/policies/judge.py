"""Judging statements: which ECR actions they grant, on what, and to whom, three-valued.

``True`` means surely, ``None`` that it depends on a value known only after apply, ``False``
surely not. A Deny removes what it surely covers from what an Allow grants; a Deny whose
conditions are the negation of a narrowing one (``StringNotEquals aws:PrincipalOrgID``)
narrows the audience of the actions it covers to the organization or own account. Other
conditional Denies are not credited: they cannot be proven to apply, so the Allow stands.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from iacscan.policies import principals
from iacscan.policies.actions import EMPTY, ActionSet, classify, expand
from iacscan.policies.document import Condition, Policy, Statement

_ALL_REPOS = re.compile(r"^arn:[a-z-]+:ecr(-public)?:[^:]*:[^:]*:(\*|repository/\*)$")
_NEGATED = {"stringnotequals": "StringEquals", "stringnotlike": "StringLike"}
_NEGATED |= {"arnnotequals": "ArnEquals", "arnnotlike": "ArnLike"}


@dataclass(frozen=True)
class Grant:
    """What one Allow statement grants that a rule cares about."""

    policy: Policy
    statement: Statement
    actions: ActionSet
    verdict: bool | None
    audience: tuple[str, ...] = ()
    narrowed_by: tuple[str, ...] = ()

    def details(self) -> tuple[tuple[str, Any], ...]:
        """Structured evidence: the statement, its actions classified, its audience."""
        shown = self.actions.sure or self.actions.maybe
        rows: list[tuple[str, Any]] = [
            ("policy", self.policy.origin),
            ("statement", self.statement.label),
            ("location", self.statement.where or "-"),
            ("actions", tuple(f"{a} ({classify(a)})" for a in shown)),
        ]
        if self.audience:
            rows.append(("principals", self.audience))
        if self.narrowed_by:
            rows.append(("narrowed_by", self.narrowed_by))
        if self.policy.unknown:
            rows.append(("unknown", self.policy.unknown))
        return tuple(rows)


def _is(value: Any, word: str) -> bool | None:
    return value == word if isinstance(value, str) else None


def _public_principal(statement: Statement) -> bool:
    found = statement.principals or {}
    return statement.principals is None or any(
        "*" in ids and kind in ("*", "AWS") for kind, ids in found.items()
    )


def _denied(policy: Policy) -> tuple[ActionSet, ActionSet]:
    """(removed for everyone, narrowed to the organization or own account) by Denies."""
    removed, narrowed = EMPTY, EMPTY
    for statement in policy.statements:
        if _is(statement.effect, "Deny") is not True or not _public_principal(statement):
            continue
        if statement.resources not in (None, ("*",)) or statement.not_resources is not None:
            continue
        actions = expand(statement.actions, statement.not_actions)
        if not statement.conditions:
            removed = ActionSet(removed.sure + actions.sure, removed.maybe + actions.maybe)
        elif all(_negated_narrowing(c) for c in statement.conditions):
            narrowed = ActionSet(narrowed.sure + actions.sure, narrowed.maybe + actions.maybe)
    return removed, narrowed


def _negated_narrowing(condition: Condition) -> bool:
    operator = condition.operator.lower() if isinstance(condition.operator, str) else ""
    if operator not in _NEGATED:
        return False
    positive = Condition(_NEGATED[operator], condition.key, condition.values)
    selected = principals.narrowing(positive, frozenset())
    return selected is not None and selected <= {principals.ORG, principals.OWN}


def _allows(policy: Policy) -> Iterable[tuple[Statement, bool | None]]:
    for statement in policy.statements:
        allow = _is(statement.effect, "Allow")
        if allow is not False:
            yield statement, allow


def _weaken(verdict: bool | None, *uncertain: bool | None) -> bool | None:
    """A True that rests on something uncertain is only a maybe."""
    if verdict is True and any(u is not True for u in uncertain):
        return None
    return verdict


def identity_grants(policy: Policy, classes: tuple[str, ...], all_repos: bool) -> list[Grant]:
    """Allow statements of an identity policy granting actions of ``classes`` (on every
    repository when ``all_repos``)."""
    removed, _ = _denied(policy)
    grants = []
    for statement, allow in _allows(policy):
        actions = expand(statement.actions, statement.not_actions).of_class(*classes)
        actions = actions.minus(removed)
        scope = covers_all_repositories(statement) if all_repos else True
        verdict = _weaken(actions.verdict(), allow, scope, not policy.maybe)
        if verdict is not False and scope is not False:
            grants.append(Grant(policy, statement, actions, verdict))
    return grants


def covers_all_repositories(statement: Statement) -> bool | None:
    """``Resource: "*"``, a repository ARN with a wildcard name, or any ``NotResource``."""
    if statement.not_resources is not None:
        return True
    items = statement.resources or ()
    if any(isinstance(r, str) and (r == "*" or _ALL_REPOS.match(r)) for r in items):
        return True
    return None if any(not isinstance(r, str) for r in items) else False


def resource_grants(
    policy: Policy, classes: tuple[str, ...], audience: str, trusted: Iterable[str]
) -> list[Grant]:
    """Allow statements of a repository or registry policy granting actions of ``classes``
    to ``audience``: ``public`` (anyone) or ``other`` (specific other accounts)."""
    removed, narrowed = _denied(policy)
    grants = []
    for statement, allow in _allows(policy):
        actions = expand(statement.actions, statement.not_actions).of_class(*classes)
        actions = actions.minus(removed).minus(narrowed)
        who, keys = principals.audience(statement, trusted)
        if audience == "public":
            reach = principals.is_public(who)
        else:
            reach = principals.other_accounts(who)[1]
        verdict = _weaken(actions.verdict(), allow, reach)
        if verdict is not False and reach is not False:
            shown = tuple(sorted(who))
            grants.append(Grant(policy, statement, actions, verdict, shown, tuple(keys)))
    return grants


def verdict(policies: Iterable[Policy], grants: list[Grant]) -> bool | None:
    """True when some grant surely holds, None when one may or a policy is unreadable."""
    if any(g.verdict is True for g in grants):
        return True
    if grants or any(p.unknown for p in policies):
        return None
    return False
