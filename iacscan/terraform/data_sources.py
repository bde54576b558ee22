"""Data sources that Terraform reads without calling AWS, computed as the AWS provider does.

``aws_iam_policy_document`` renders its ``json``/``minified_json`` (checked against plans of
provider 5.100.0: statement keys in a fixed order, string sets sorted in reverse, one-element
lists as a bare string, ``<>&`` escaped as Go's encoder does, sources then own statements then
overrides layered by ``sid``). ``aws_partition`` follows the region (``aws`` unless told
otherwise); ``aws_region`` and ``aws_caller_identity`` come from the provider block or the
``aws`` settings (``region``, ``account_id``, ``partition``) and stay unknown otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from iacscan.model.values import is_wholly_known

AwsContext = Mapping[str, str]  # region, account_id, partition (each optional)

PARTITIONS = {  # partition -> (dns_suffix, reverse_dns_prefix)
    "aws": ("amazonaws.com", "com.amazonaws"),
    "aws-cn": ("amazonaws.com.cn", "cn.com.amazonaws"),
    "aws-us-gov": ("amazonaws.com", "com.amazonaws"),
}
STATEMENT_KEYS = (
    "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
    "Principal", "NotPrincipal", "Condition",
)  # fmt: skip


def partition_of(context: AwsContext) -> str:
    if context.get("partition"):
        return context["partition"]
    region = context.get("region", "")
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws-us-gov" if region.startswith("us-gov-") else "aws"


def computed(rtype: str, attrs: dict[str, Any], context: AwsContext) -> dict[str, Any]:
    """Attributes the provider would compute for this data source, when they are knowable."""
    if rtype == "aws_iam_policy_document":
        document = policy_document(attrs)
        if document is None:
            return {}
        return {"json": _go_json(document, indent=2), "minified_json": _go_json(document)}
    if rtype == "aws_partition":
        name = partition_of(context)
        dns_suffix, reverse = PARTITIONS.get(name, PARTITIONS["aws"])
        return {"partition": name, "id": name, "dns_suffix": dns_suffix,
                "reverse_dns_prefix": reverse}  # fmt: skip
    if rtype == "aws_region":
        region = attrs.get("name") or context.get("region")
        if not isinstance(region, str):
            return {}
        dns_suffix = PARTITIONS.get(partition_of({**context, "region": region}), ("",))[0]
        return {"name": region, "id": region, "endpoint": f"ec2.{region}.{dns_suffix}"}
    if rtype == "aws_caller_identity" and context.get("account_id"):
        return {"account_id": context["account_id"], "id": context["account_id"]}
    return {}


def policy_document(attrs: dict[str, Any]) -> dict[str, Any] | None:
    """The document as the provider builds it, or None while any part is unknown."""
    if not is_wholly_known(attrs):
        return None
    statements: list[dict[str, Any]] = []
    for source in [attrs.get("source_json"), *(attrs.get("source_policy_documents") or [])]:
        statements = _layer(statements, _parsed_statements(source), replace=False)
    own = [_statement(block) for block in attrs.get("statement") or []]
    statements = _layer(statements, own, replace=True)
    for override in [attrs.get("override_json"), *(attrs.get("override_policy_documents") or [])]:
        statements = _layer(statements, _parsed_statements(override), replace=True)
    document: dict[str, Any] = {"Version": attrs.get("version") or "2012-10-17"}
    if attrs.get("policy_id"):
        document["Id"] = attrs["policy_id"]
    if statements:
        document["Statement"] = statements
    return document


def _layer(
    base: list[dict[str, Any]], extra: list[dict[str, Any]], replace: bool
) -> list[dict[str, Any]]:
    merged = list(base)
    for statement in extra:
        sid = statement.get("Sid")
        same = [i for i, s in enumerate(merged) if sid and s.get("Sid") == sid] if replace else []
        if same:
            merged[same[0]] = statement
        else:
            merged.append(statement)
    return merged


def _parsed_statements(text: Any) -> list[dict[str, Any]]:
    """Statements of a JSON document, re-keyed in the provider's order."""
    if not isinstance(text, str) or not text.strip():
        return []
    try:
        found = json.loads(text).get("Statement") or []
    except (ValueError, AttributeError):
        return []
    found = [found] if isinstance(found, dict) else found
    result = []
    for raw in found:
        if isinstance(raw, dict):
            statement = {k: raw[k] for k in STATEMENT_KEYS if raw.get(k) not in (None, "", [])}
            if isinstance(statement.get("Condition"), dict):
                statement["Condition"] = _sorted_map(statement["Condition"])
            if isinstance(statement.get("Principal"), dict):
                statement["Principal"] = _sorted_map(statement["Principal"])
            result.append(statement)
    return result


def _sorted_map(value: dict[str, Any]) -> dict[str, Any]:
    return {k: _sorted_map(v) if isinstance(v, dict) else v for k, v in sorted(value.items())}


def _set(values: Any) -> Any:
    """A string set as the provider writes it: reverse-sorted, a single member bare."""
    items = sorted({str(v) for v in (values if isinstance(values, list) else [values])})[::-1]
    return items[0] if len(items) == 1 else items


def _statement(block: dict[str, Any]) -> dict[str, Any]:
    statement: dict[str, Any] = {}
    if block.get("sid"):
        statement["Sid"] = block["sid"]
    statement["Effect"] = block.get("effect") or "Allow"
    for key, name in (("Action", "actions"), ("NotAction", "not_actions"),
                      ("Resource", "resources"), ("NotResource", "not_resources")):  # fmt: skip
        if block.get(name):
            statement[key] = _set(block[name])
    for key, name in (("Principal", "principals"), ("NotPrincipal", "not_principals")):
        if block.get(name):
            statement[key] = _principals(block[name])
    conditions: dict[str, dict[str, Any]] = {}
    for condition in block.get("condition") or []:
        values = [str(v) for v in condition.get("values") or []]
        test = conditions.setdefault(str(condition.get("test")), {})
        test[str(condition.get("variable"))] = values[0] if len(values) == 1 else values
    if conditions:
        statement["Condition"] = _sorted_map(conditions)
    return statement


def _principals(blocks: list[dict[str, Any]]) -> Any:
    grouped: dict[str, list[Any]] = {}
    for block in blocks:
        grouped.setdefault(str(block.get("type")), []).extend(block.get("identifiers") or [])
    if list(grouped) == ["*"]:
        return "*"
    return {kind: _set(ids) for kind, ids in sorted(grouped.items())}


def _go_json(value: Any, indent: int | None = None) -> str:
    """JSON text as Go's encoding/json writes it (HTML-safe escapes, no ASCII escaping)."""
    separators = (",", ": ") if indent else (",", ":")
    text = json.dumps(value, indent=indent, ensure_ascii=False, separators=separators)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
