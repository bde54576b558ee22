"""Terraform's built-in functions, evaluated statically.

Every function is a small pure Python callable registered in ``_FUNCTIONS``. Nothing from a
scanned file is ever executed: there is no eval, no subprocess and no network access, and the
file functions refuse any path that resolves outside the scanned tree.

The results follow Terraform 1.11 (verified against ``terraform console``) rather than
Python's habits: numbers render without ``.0``, strings are measured in grapheme clusters,
regular expressions follow RE2 (Go) semantics, ``jsonencode`` escapes HTML characters and
``yamlencode`` reproduces go-yaml's layout.

Unknown values (``Ref``/``Unknown``) never raise. An argument that is unknown as a whole makes
the result unknown, carrying its references; collection functions keep unknown *elements* in
place whenever the shape of the result does not depend on them.

Layout: each family module (``numeric``, ``strings``, ``regex``, ``formatting``, ``collection``,
``sets``, ``conversion``, ``encoding``, ``yamlcodec``, ``hashing``, ``network``, ``files``,
``timefuncs``, ``impure``) exports a ``FUNCTIONS`` table of ``_Spec`` entries; this module
merges them into ``_FUNCTIONS``, the one registry ``call_function`` consults. Shared argument
conversions and the entry type live in ``_core``.
"""

from __future__ import annotations

from typing import Any

from iacscan.model.values import first_unknown, unknown_from
from iacscan.terraform.budget import BudgetExceeded
from iacscan.terraform.functions import (
    collection,
    conversion,
    encoding,
    files,
    formatting,
    hashing,
    impure,
    network,
    numeric,
    regex,
    sets,
    strings,
    timefuncs,
    yamlcodec,
)
from iacscan.terraform.functions._core import FunctionContext, FunctionError, _NotStatic, _Spec

__all__ = ["FUNCTION_NAMES", "FunctionContext", "FunctionError", "call_function"]


def _merge_tables(*tables: dict[str, _Spec]) -> dict[str, _Spec]:
    """One registry from the family tables; a name claimed by two families is a bug."""
    registry: dict[str, _Spec] = {}
    for table in tables:
        clashes = registry.keys() & table.keys()
        if clashes:
            raise RuntimeError(f"functions registered twice: {', '.join(sorted(clashes))}")
        registry.update(table)
    return registry


_FUNCTIONS: dict[str, _Spec] = _merge_tables(
    numeric.FUNCTIONS,
    strings.FUNCTIONS,
    formatting.FUNCTIONS,
    regex.FUNCTIONS,
    collection.FUNCTIONS,
    sets.FUNCTIONS,
    encoding.FUNCTIONS,
    yamlcodec.FUNCTIONS,
    hashing.FUNCTIONS,
    network.FUNCTIONS,
    conversion.FUNCTIONS,
    files.FUNCTIONS,
    timefuncs.FUNCTIONS,
    impure.FUNCTIONS,
)

FUNCTION_NAMES: frozenset[str] = frozenset(_FUNCTIONS)


def _check_arity(name: str, spec: _Spec, args: list[Any]) -> None:
    if len(args) < spec.min_args:
        raise FunctionError(
            f"{name}() expects at least {spec.min_args} argument(s), got {len(args)}"
        )
    if spec.max_args is not None and len(args) > spec.max_args:
        raise FunctionError(
            f"{name}() expects at most {spec.max_args} argument(s), got {len(args)}"
        )


def call_function(name: str, args: list[Any], ctx: FunctionContext) -> Any:
    """Evaluate Terraform's built-in ``name``; raises FunctionError where Terraform would."""
    spec = _FUNCTIONS.get(name.removeprefix("core::"))
    if spec is None:
        raise FunctionError(f"unsupported function {name}")
    _check_arity(name, spec, args)
    if spec.impure:
        return unknown_from(f"{name}() is only known after apply", *args)
    if not spec.lazy and first_unknown(args) is not None:
        return unknown_from(f"{name}() of an unknown value", *args)
    if not spec.nulls and any(a is None for a in args):
        raise FunctionError("argument must not be null")
    try:
        return spec.impl(ctx, *args) if spec.ctx else spec.impl(*args)
    except _NotStatic as exc:
        return unknown_from(f"{name}(): {exc}", *args)
    except (FunctionError, BudgetExceeded):
        raise
    except RecursionError:
        raise FunctionError(f"{name}(): value nested too deeply") from None
    except OSError as exc:
        raise FunctionError(f"{name}(): cannot read the file: {exc.strerror}") from None
    except Exception as exc:  # totality: whatever else fails is this call's error, not a crash
        raise FunctionError(f"{name}(): {exc}") from None
