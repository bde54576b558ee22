"""Which provider configuration a module's resources use, for data sources read offline.

A module inherits its caller's default provider configurations unless the call has a
``providers`` argument, which then names every configuration the module gets (Terraform's
rule); a resource's ``provider = aws.alias`` picks an aliased one. Only the settings
that data sources need are read: ``region`` and a single ``allowed_account_ids`` entry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from iacscan.terraform import ast
from iacscan.terraform.data_sources import AwsContext

Lookup = Callable[[str], dict[str, Any] | None]


class ProviderScope(Protocol):
    def provider_settings(self, name: str) -> dict[str, Any] | None: ...


def traversal_name(expr: ast.Expr) -> str | None:
    """``aws`` or ``aws.alias`` from a reference expression (or a quoted key)."""
    if isinstance(expr, ast.Variable):
        return expr.name
    if isinstance(expr, ast.GetAttr) and isinstance(expr.obj, ast.Variable):
        return f"{expr.obj.name}.{expr.name}"
    if isinstance(expr, ast.Literal) and isinstance(expr.value, str):
        return expr.value
    return None


def passed_to_child(caller: ProviderScope, call: ast.Body) -> Lookup:
    """How the called module finds a provider configuration by its own name."""
    attr = call.attributes.get("providers")
    if attr is None:
        return lambda name: None if "." in name else caller.provider_settings(name)
    mapping: dict[str, str] = {}
    if isinstance(attr.expr, ast.ObjectExpr):
        for key, value in attr.expr.items:
            inner, outer = traversal_name(key), traversal_name(value)
            if inner and outer:
                mapping[inner] = outer
    return lambda name: caller.provider_settings(mapping[name]) if name in mapping else None


def aws_context(scope: ProviderScope, body: ast.Body, defaults: Mapping[str, str]) -> AwsContext:
    """Region and account of the AWS provider configuration a data source uses."""
    attr = body.attributes.get("provider")
    name = traversal_name(attr.expr) if attr else "aws"
    context = dict(defaults)
    settings = scope.provider_settings(name) if name else None
    region = (settings or {}).get("region")
    if isinstance(region, str) and region:
        context["region"] = region
    accounts = (settings or {}).get("allowed_account_ids")
    if isinstance(accounts, list) and len(accounts) == 1 and isinstance(accounts[0], str):
        context["account_id"] = accounts[0]
    return context
