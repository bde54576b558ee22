"""``data "aws_iam_policy_document"`` rendered statically, as the AWS provider renders it.

Statement blocks become statements; ``principals``/``not_principals`` blocks group their
identifiers by ``type`` (type ``*`` is ``"Principal": "*"``); ``condition`` blocks become
conditions. Layering follows the provider's documented merge: the statements of
``source_policy_documents`` (and the older ``source_json``) come first, the document's own
statements replace source statements with the same non-empty ``sid`` and are appended
otherwise, and ``override_policy_documents`` (and ``override_json``) then replace any
statement with the same ``sid`` or are appended. Statements without a sid never replace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from iacscan.model import Resource
from iacscan.model.values import is_unknown
from iacscan.policies.document import Condition, Policy, Statement, text_of

Resolve = Callable[[Any], Policy]  # a document value (JSON string, Ref...) -> Policy


def _list(value: Any) -> tuple[Any, ...] | None:
    if value is None:
        return None
    return tuple(value) if isinstance(value, list) else (value,)


def _principals(blocks: Any) -> dict[str, tuple[Any, ...]] | None:
    if blocks is None or blocks == []:
        return None
    if not isinstance(blocks, list):  # a dynamic block over an unknown collection
        return {"*": (blocks,)}
    grouped: dict[str, list[Any]] = {}
    for block in blocks:
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            grouped.setdefault("*", []).append(block)
            continue
        grouped.setdefault(block["type"], []).extend(_list(block.get("identifiers")) or ())
    return {k: tuple(v) for k, v in sorted(grouped.items())}


def _conditions(blocks: Any) -> tuple[Condition, ...]:
    if blocks is None:
        return ()
    if not isinstance(blocks, list):
        return (Condition(blocks, blocks, (blocks,)),)
    found = []
    for block in blocks:
        if not isinstance(block, dict):
            found.append(Condition(block, block, (block,)))
            continue
        values = _list(block.get("values")) or ()
        found.append(Condition(block.get("test"), block.get("variable"), values))
    return tuple(found)


def statement_from_block(block: Any, index: int, where: str = "") -> Statement:
    """One ``statement`` block; an unknown block could grant anything."""
    if not isinstance(block, dict):
        return Statement(index, effect=block, actions=(block,), resources=(block,), where=where)
    actions, not_actions = _list(block.get("actions")), _list(block.get("not_actions"))
    return Statement(
        index=index,
        sid=text_of(block.get("sid")),
        effect=block.get("effect") if block.get("effect") is not None else "Allow",
        actions=actions if actions is not None or not_actions is not None else (),
        not_actions=not_actions,
        resources=_list(block.get("resources")),
        not_resources=_list(block.get("not_resources")),
        principals=_principals(block.get("principals")),
        not_principals=_principals(block.get("not_principals")),
        conditions=_conditions(block.get("condition")),
        where=where,
    )


def _layer(base: list[Statement], extra: tuple[Statement, ...]) -> list[Statement]:
    """Statements of ``extra`` replace those of ``base`` with the same sid, else append."""
    merged = list(base)
    for statement in extra:
        same = [i for i, s in enumerate(merged) if statement.sid and s.sid == statement.sid]
        if same:
            merged[same[0]] = statement
        else:
            merged.append(statement)
    return merged


def _documents(resource: Resource, names: tuple[str, str], resolve: Resolve) -> list[Policy]:
    """The policies of a list attribute and of its older single-JSON form."""
    many, single = resource.attrs.get(names[0]), resource.attrs.get(names[1])
    if is_unknown(many):
        return [Policy(unknown=f"{names[0]} is known only after apply")]
    values = list(many or []) + ([single] if single is not None else [])
    return [resolve(value) for value in values]


def render(resource: Resource, resolve: Resolve) -> Policy:
    """The document a policy-document data source renders to."""
    where = resource.address
    sources = _documents(resource, ("source_policy_documents", "source_json"), resolve)
    overrides = _documents(resource, ("override_policy_documents", "override_json"), resolve)
    blocks = resource.attrs.get("statement")
    unknown = [p.unknown for p in sources + overrides if p.unknown]
    if is_unknown(blocks):
        unknown.append("its statement blocks are known only after apply")
        blocks = []
    own = []
    for i, block in enumerate(blocks or []):
        line = resource.lines.get(f"statement[{i}]", (resource.location.line,))[0]
        own.append(statement_from_block(block, i, f"{resource.location.file}:{line}"))
    merged: list[Statement] = []
    for policy in sources:
        merged.extend(policy.statements)
    merged = _layer(merged, tuple(own))
    for policy in overrides:
        merged = _layer(merged, policy.statements)
    statements = tuple(replace(s, index=i) for i, s in enumerate(merged))
    return Policy(statements, unknown="; ".join(unknown), origin=where)
