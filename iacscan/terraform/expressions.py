"""Evaluation of expressions to values, three-valued: known, Ref, or Unknown.

The evaluator is a pure interpreter over ``ast`` nodes: it never executes anything from the
scanned files. Root names (``var``, ``local``, ``aws_vpc``, ``module``...) are resolved by a
``Scope`` (the module instance), so that what is lazily evaluated and how addresses are
formed stays with the module code. Errors Terraform itself would report raise ``EvalError``;
the caller turns them into an Unknown for that attribute plus a reported error.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any, Protocol

from iacscan.model.values import (
    Ref,
    Secret,
    Unknown,
    is_unknown,
    is_wholly_known,
    normalize_number,
    to_display,
    type_name,
    unknown_from,
)
from iacscan.terraform import ast
from iacscan.terraform.budget import (
    CHARS_PER_STEP,
    Budget,
    BudgetExceeded,
    check_number,
    check_string,
    size_cost,
)
from iacscan.terraform.functions import FunctionContext, FunctionError, call_function

Step = tuple[str, Any]  # ("attr", name) | ("index", Expr)
Env = dict[str, Any]


class EvalError(Exception):
    """An expression Terraform would reject (type error, missing attribute, bad call)."""


class ResourceValue(dict[str, Any]):
    """A resource instance used as a value: its configured attributes, else Refs.

    A dict so that functions and for-expressions accept it like any object; reading an
    attribute that the configuration does not set gives ``Ref(address, name)``, the value
    Terraform computes at apply.
    """

    def __init__(self, address: str, attrs: dict[str, Any], multi: bool = False) -> None:
        super().__init__(attrs)
        self.address = address
        self.multi = multi  # stands for an unknown number of instances

    def attribute(self, name: str) -> Any:
        # An unset (or null) argument may be computed by the provider: only apply knows it.
        return _computed(self.address, name, self.get(name))

    def as_unknown(self) -> Unknown:
        """How a resource with an unknown instance count looks as a collection."""
        return Unknown(
            "resource with unknown count or for_each", frozenset({Ref(self.address, "")})
        )


class BlockValue(dict[str, Any]):
    """A nested block of a resource: like the resource, unset attributes read as Refs."""

    def __init__(self, address: str, path: str, attrs: dict[str, Any]) -> None:
        super().__init__(attrs)
        self.address = address
        self.path = path

    def attribute(self, name: str) -> Any:
        return _computed(self.address, f"{self.path}.{name}", self.get(name))


def _computed(address: str, path: str, value: Any) -> Any:
    """A resource attribute as read by a reference, nested blocks wrapped as BlockValues."""
    if value is None:
        return Ref(address, path)
    if isinstance(value, list) and any(type(v) is dict for v in value):
        return [
            BlockValue(address, f"{path}[{i}]", v) if type(v) is dict else v
            for i, v in enumerate(value)
        ]
    if type(value) is dict:
        return BlockValue(address, path, value)
    return value


class Scope(Protocol):
    """What an expression can see besides its local names: the module instance."""

    functions: FunctionContext

    def resolve(self, root: str, steps: list[Step], env: Env) -> tuple[Any, int]:
        """The value of ``root`` and how many of ``steps`` it consumed."""
        ...


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise EvalError(f"a bool is required, got {type_name(value)}")


def as_number(value: Any) -> int | float:
    if isinstance(value, bool) or value is None:
        raise EvalError(f"a number is required, got {type_name(value)}")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        if len(value) > _NUMBER_TEXT_LIMIT:
            raise BudgetExceeded(f"number text of {len(value):,} characters")
        try:
            return normalize_number(float(value)) if any(c in value for c in ".eE") else int(value)
        except (ValueError, OverflowError):
            pass
    raise EvalError(f"a number is required, got {type_name(value)}")


_NUMBER_TEXT_LIMIT = 1_100  # digits budget, sign, exponent and a decimal point


def as_text(value: Any) -> str:
    if isinstance(value, (str, int, float, bool)):
        return to_display(check_number(value))
    if value is None:
        raise EvalError("a null value cannot be used in a string template")
    raise EvalError(f"a string is required, got {type_name(value)}")


def _arith(op: str, a: Any, b: Any) -> Any:
    x, y = as_number(a), as_number(b)
    if y == 0 and op in ("/", "%"):
        raise EvalError("division by zero" if op == "/" else "modulo by zero")
    if op == "*" and isinstance(x, int) and isinstance(y, int):
        check_number(1 << max(x.bit_length() + y.bit_length() - 1, 0))  # before multiplying
    try:
        result = _OPERATIONS[op](x, y)
    except (OverflowError, ValueError):  # a float cannot hold it, or inf % y
        raise EvalError(f"the result of {op} is out of range for these operands") from None
    return check_number(normalize_number(result))


def _modulo(x: int | float, y: int | float) -> int | float:
    """Go's big-number remainder: the sign of the dividend, exact for integers."""
    if isinstance(x, int) and isinstance(y, int):
        remainder = abs(x) % abs(y)
        return remainder if x >= 0 else -remainder
    return math.fmod(x, y)


_OPERATIONS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "%": _modulo,
}


def _compare(op: str, a: Any, b: Any) -> bool:
    x, y = as_number(a), as_number(b)
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def values_equal(a: Any, b: Any) -> bool:
    """Terraform equality: types must agree (``1 == "1"`` is false), bools are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if type(a) is not type(b) and not (isinstance(a, dict) and isinstance(b, dict)):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(values_equal(a[k], b[k]) for k in a)
    return bool(a == b)


class Evaluator:
    """Evaluates expressions in a scope; one per module instance."""

    def __init__(self, scope: Scope, budget: Budget | None = None) -> None:
        self.scope = scope
        self.budget = budget or Budget()
        self._dispatch: dict[type, Callable[[Any, Env], Any]] = {
            ast.Literal: lambda e, env: e.value,
            ast.Parens: lambda e, env: self.eval(e.expr, env),
            ast.Template: self._template,
            ast.Variable: self._traversal,
            ast.GetAttr: self._traversal,
            ast.Index: self._traversal,
            ast.Splat: self._splat,
            ast.Call: self._call,
            ast.TupleExpr: lambda e, env: [self.eval(i, env) for i in e.items],
            ast.ObjectExpr: self._object,
            ast.ForExpr: self._for,
            ast.Conditional: self._conditional,
            ast.BinaryOp: self._binary,
            ast.UnaryOp: self._unary,
        }

    def eval(self, expr: ast.Expr, env: Env) -> Any:
        return self._dispatch[type(expr)](expr, env)

    def evaluate(self, expr: ast.Expr, env: Env) -> Any:
        """A whole attribute, local or output: its own step budget, past which it is an error.

        ``try()`` and ``can()`` never see a budget error (the expression might well succeed
        in Terraform); it surfaces here, where the caller reports it and makes it Unknown.
        """
        with self.budget.expression():
            try:
                return self.eval(expr, env)
            except BudgetExceeded as exc:
                raise EvalError(f"evaluation budget exceeded: {exc}") from None

    # -- traversals ------------------------------------------------------------------------------
    def _traversal(self, expr: ast.Expr, env: Env) -> Any:
        steps: list[Step] = []
        node = expr
        while not isinstance(node, ast.Variable):
            if isinstance(node, ast.GetAttr):
                steps.append(("attr", node.name))
                node = node.obj
            elif isinstance(node, ast.Index):
                steps.append(("index", node.key))
                node = node.obj
            else:
                value = self.eval(node, env)
                return self.apply_steps(value, steps[::-1], env)
        steps.reverse()
        if node.name in env:
            return self.apply_steps(env[node.name], steps, env)
        value, used = self.scope.resolve(node.name, steps, env)
        return self.apply_steps(value, steps[used:], env)

    def apply_steps(self, value: Any, steps: list[Step], env: Env) -> Any:
        for kind, arg in steps:
            if kind == "attr":
                value = get_attr(value, arg)
            else:
                value = get_index(value, self.eval(arg, env))
        return value

    def _splat(self, expr: ast.Splat, env: Env) -> Any:
        value = self.eval(expr.obj, env)
        if isinstance(value, ResourceValue) and value.multi:
            return unknown_from(
                "splat over a resource with unknown count", self._splat_ref(value, expr)
            )
        if is_unknown(value):
            return unknown_from("splat of an unknown value", value)
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        self.budget.charge(len(items))
        return [self.apply_steps(item, list(expr.path), env) for item in items]

    def _splat_ref(self, value: ResourceValue, expr: ast.Splat) -> Any:
        names = [name for kind, name in expr.path if kind == "attr"]
        return Ref(value.address, names[0]) if names else Ref(value.address, "")

    # -- literals and constructors ---------------------------------------------------------------
    def _template(self, expr: ast.Template, env: Env) -> Any:
        parts = expr.parts
        if len(parts) == 1 and not isinstance(parts[0], str):
            part = parts[0]
            if not isinstance(part, (ast.TemplateIf, ast.TemplateFor)):
                return self.eval(part, env)  # "${x}" is x itself, whatever its type
        return self._render(parts, env)

    def _render(self, parts: tuple[Any, ...], env: Env) -> Any:
        out: list[str] = []
        unknowns: list[Any] = []
        secret = False
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            if isinstance(part, ast.TemplateIf):
                value = self._template_if(part, env)
            elif isinstance(part, ast.TemplateFor):
                value = self._template_for(part, env)
            else:
                value = self.eval(part, env)
            secret = secret or isinstance(value, Secret)
            if is_unknown(value):
                unknowns.append(value)
            else:
                out.append(as_text(value))
        if unknowns:
            return unknown_from("template with an unknown part", *unknowns)
        size = sum(map(len, out))
        check_string(size, "template result")
        self.budget.charge(size // CHARS_PER_STEP)
        text = "".join(out)
        return Secret(text) if secret else text  # a sensitive part keeps its mark, as in Terraform

    def _template_if(self, part: ast.TemplateIf, env: Env) -> Any:
        cond = self.eval(part.condition, env)
        if is_unknown(cond):
            return unknown_from("template condition is unknown", cond)
        return self._render((part.then if as_bool(cond) else part.otherwise).parts, env)

    def _template_for(self, part: ast.TemplateFor, env: Env) -> Any:
        collection = _as_collection(self.eval(part.collection, env))
        if is_unknown(collection):
            return unknown_from("template loop over an unknown collection", collection)
        pieces = []
        for key, item in iterate(collection):
            self.budget.charge(1)
            local = dict(env)
            local[part.value_var] = item
            if part.key_var:
                local[part.key_var] = key
            pieces.append(self._render(part.body.parts, local))
        unknown = [p for p in pieces if is_unknown(p)]
        return unknown_from("template loop", *unknown) if unknown else "".join(pieces)

    def _object(self, expr: ast.ObjectExpr, env: Env) -> Any:
        result: dict[str, Any] = {}
        for key_expr, value_expr in expr.items:
            key = self.eval(key_expr, env)
            if is_unknown(key):
                return unknown_from("object with an unknown key", key, self.eval(value_expr, env))
            result[as_text(key)] = self.eval(value_expr, env)
        return result

    def _for(self, expr: ast.ForExpr, env: Env) -> Any:
        collection = _as_collection(self.eval(expr.collection, env))
        if is_unknown(collection):
            return unknown_from("for expression over an unknown collection", collection)
        keys: list[Any] = []
        values: list[Any] = []
        for key, item in iterate(collection):
            self.budget.charge(1)
            local = dict(env)
            local[expr.value_var] = item
            if expr.key_var:
                local[expr.key_var] = key
            if expr.condition is not None:
                keep = self.eval(expr.condition, local)
                if is_unknown(keep):
                    return unknown_from("for expression with an unknown condition", keep)
                if not as_bool(keep):
                    continue
            if expr.key is not None:
                keys.append(self.eval(expr.key, local))
            values.append(self.eval(expr.value, local))
        if expr.key is None:
            return values
        return _for_object(keys, values, expr.grouping)

    # -- operators -------------------------------------------------------------------------------
    def _conditional(self, expr: ast.Conditional, env: Env) -> Any:
        cond = self.eval(expr.condition, env)
        if is_unknown(cond):
            then, otherwise = self.eval(expr.then, env), self.eval(expr.otherwise, env)
            return unknown_from("condition is unknown", cond, then, otherwise)
        return self.eval(expr.then if as_bool(cond) else expr.otherwise, env)

    def _binary(self, expr: ast.BinaryOp, env: Env) -> Any:
        op = expr.op
        left = self.eval(expr.left, env)
        right = self.eval(expr.right, env)
        if op in ("&&", "||"):
            return _logic(op, left, right)
        if op in ("==", "!="):
            if not (is_wholly_known(left) and is_wholly_known(right)):
                return unknown_from(f"comparison {op} of an unknown value", left, right)
            return values_equal(left, right) == (op == "==")
        if is_unknown(left) or is_unknown(right):
            return unknown_from(f"operator {op} on an unknown value", left, right)
        if op in ("<", "<=", ">", ">="):
            return _compare(op, left, right)
        return _arith(op, left, right)

    def _unary(self, expr: ast.UnaryOp, env: Env) -> Any:
        value = self.eval(expr.operand, env)
        if is_unknown(value):
            return unknown_from(f"operator {expr.op} on an unknown value", value)
        if expr.op == "!":
            return not as_bool(value)
        return normalize_number(-as_number(value))

    # -- function calls --------------------------------------------------------------------------
    def _call(self, expr: ast.Call, env: Env) -> Any:
        if expr.name == "try":
            return self._try(expr, env)
        if expr.name == "can":
            return self._can(expr, env)
        args = [_as_collection(self.eval(a, env)) for a in expr.args]
        if expr.expand_last and args:
            last = args.pop()
            if is_unknown(last):
                return unknown_from(f"{expr.name}() with an unknown expanded argument", last, *args)
            if not isinstance(last, list):
                raise EvalError("only a list can be expanded with ...")
            args.extend(last)
        try:
            self.budget.charge(1)
            result = call_function(expr.name, args, self.scope.functions)
            self.budget.charge(size_cost(result))
            return result
        except FunctionError as exc:
            if str(exc).startswith("unsupported function"):
                return unknown_from(str(exc), *args)
            raise EvalError(f"{expr.name}(): {exc}") from None

    def _try(self, expr: ast.Call, env: Env) -> Any:
        errors = []
        for arg in expr.args:
            try:
                value = self.eval(arg, env)
            except EvalError as exc:
                errors.append(str(exc))
                continue
            return value  # an unknown stays unknown: try() cannot know whether it would fail
        raise EvalError("no try() argument succeeded: " + "; ".join(errors))

    def _can(self, expr: ast.Call, env: Env) -> Any:
        if len(expr.args) != 1:
            raise EvalError("can() takes exactly one argument")
        try:
            value = self.eval(expr.args[0], env)
        except EvalError:
            return False
        if not is_wholly_known(value):
            return unknown_from("can() of an unknown value", value)
        return True


def _as_collection(value: Any) -> Any:
    """A resource with unknown multiplicity has no known elements to iterate or count."""
    if isinstance(value, ResourceValue) and value.multi:
        return value.as_unknown()
    return value


def _logic(op: str, left: Any, right: Any) -> Any:
    """``&&``/``||`` with Terraform's refinement: a known deciding operand wins over an unknown."""
    decisive = op == "||"  # true decides ||, false decides &&
    for side in (left, right):
        if not is_unknown(side) and as_bool(side) == decisive:
            return decisive
    if is_unknown(left) or is_unknown(right):
        return unknown_from(f"operator {op} on an unknown value", left, right)
    return as_bool(left) and as_bool(right) if op == "&&" else as_bool(left) or as_bool(right)


def _for_object(keys: list[Any], values: list[Any], grouping: bool) -> Any:
    unknown = [k for k in keys if is_unknown(k)]
    if unknown:
        return unknown_from("for expression with an unknown key", *unknown, *values)
    result: dict[str, Any] = {}
    for key, value in zip(keys, values, strict=True):
        text = as_text(key)
        if grouping:
            result.setdefault(text, []).append(value)
        elif text in result:
            raise EvalError(f"duplicate object key {text!r} in for expression (use ... to group)")
        else:
            result[text] = value
    return result


def iterate(collection: Any) -> list[tuple[Any, Any]]:
    """(key, value) pairs in Terraform's order: list index order, map keys sorted."""
    if isinstance(collection, dict):
        return [(k, collection[k]) for k in sorted(collection)]
    if isinstance(collection, list):
        return list(enumerate(collection))
    raise EvalError(f"cannot iterate over a {type_name(collection)} value")


def get_attr(value: Any, name: str) -> Any:
    if isinstance(value, (ResourceValue, BlockValue)):
        return value.attribute(name)
    if isinstance(value, Ref):
        return Ref(value.address, f"{value.attribute}.{name}" if value.attribute else name)
    if isinstance(value, Unknown):
        return value
    if isinstance(value, dict):
        if name in value:
            return value[name]
        raise EvalError(f"this object does not have an attribute named {name!r}")
    if value is None:
        raise EvalError(f"attempt to get attribute {name!r} from a null value")
    raise EvalError(f"unsupported attribute {name!r} on a {type_name(value)} value")


def get_index(value: Any, key: Any) -> Any:
    if isinstance(value, ResourceValue) and value.multi:
        return value  # one instance stands for all of an unknown count
    if is_unknown(key):
        return unknown_from("index is unknown", value, key)
    if isinstance(value, Ref):
        shown = f'"{key}"' if isinstance(key, str) else key
        return Ref(value.address, f"{value.attribute}[{shown}]")
    if isinstance(value, Unknown):
        return value
    if isinstance(value, list):
        index = as_number(key)
        if not isinstance(index, int) or not 0 <= index < len(value):
            raise EvalError(f"index {key} out of range for a list of {len(value)} elements")
        return value[index]
    if isinstance(value, dict):
        text = as_text(key)
        if text in value:
            return value[text]
        raise EvalError(f"the map has no element for key {text!r}")
    if value is None:
        raise EvalError("attempt to index a null value")
    raise EvalError(f"cannot index a {type_name(value)} value")
