"""Property tests: no built-in function and no expression raises anything but its own error.

Random calls of every built-in function with random values (unknowns, nulls, huge and
non-finite numbers, lone surrogates, nested collections) must return a value or raise
``FunctionError`` (Terraform's own rejection) or ``BudgetExceeded`` (the evaluator's limit,
which it reports). Random expressions through the evaluator must give a value or an
``EvalError``. Each test is bounded by its example count (about 40 s together).
"""

from __future__ import annotations

import math
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iacscan.model.values import Ref, Unknown
from iacscan.terraform.budget import BudgetExceeded
from iacscan.terraform.expressions import EvalError, Evaluator
from iacscan.terraform.functions import (
    FUNCTION_NAMES,
    FunctionContext,
    FunctionError,
    call_function,
)
from iacscan.terraform.hcl import HclSyntaxError, parse_expression

CTX = FunctionContext(Path(__file__).parent / "data", Path(__file__).parent / "data")
SETTINGS = settings(
    max_examples=800,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)

texts = st.text(st.characters(codec=None), max_size=12) | st.sampled_from(
    ["", "a", "10.0.0.0/16", "1.5", "-3", "true", "%s %d", "/a+/", "${x}", "\ud800", "ab\r\nc"]
)
numbers = (
    st.integers(-(10**30), 10**30)
    | st.sampled_from([0, 1, -1, 2**63, 10**999, -(10**999)])
    | st.floats(allow_nan=True, allow_infinity=True)
)
unknowns = st.sampled_from([Ref("aws_vpc.main", "id"), Unknown("test", frozenset())])
primitives = st.none() | st.booleans() | numbers | texts | unknowns
values = st.recursive(
    primitives,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)


def _valid(value: object, depth: int = 0) -> bool:
    """A value the evaluator can hold: known data, a Ref or an Unknown."""
    if value is None or isinstance(value, (bool, int, str, Ref, Unknown)):
        return True
    if isinstance(value, float):
        return True
    if isinstance(value, list):
        return all(_valid(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _valid(v, depth + 1) for k, v in value.items())
    return False


@SETTINGS
@given(st.sampled_from(sorted(FUNCTION_NAMES)), st.lists(values, max_size=4))
def test_every_function_returns_a_value_or_its_own_error(name, args):
    try:
        result = call_function(name, args, CTX)
    except (FunctionError, BudgetExceeded):
        return
    assert _valid(result), (name, args, result)


@SETTINGS
@given(st.sampled_from(sorted(FUNCTION_NAMES)), st.lists(primitives, min_size=1, max_size=3))
def test_functions_on_primitives_never_escape(name, args):
    test_every_function_returns_a_value_or_its_own_error.hypothesis.inner_test(name, args)


class _Scope:
    functions = CTX

    def resolve(self, root, steps, env):
        raise EvalError(f"unknown name {root!r}")


atoms = st.sampled_from(
    ["0", "1", "-1", "1e999", "1.5", "10000000000000000000000000", '"a"', '"\\u00e9"', "true",
     "null", "[]", "{}", "[1, 2]", '{a = 1}', "range(3)", '"${1}x"', "x", "0.1"]
)  # fmt: skip
operators = st.sampled_from(["+", "-", "*", "/", "%", "==", "<", "&&", "||"])


@st.composite
def expressions(draw, depth=3):
    if depth == 0 or draw(st.booleans()):
        return draw(atoms)
    kind = draw(st.integers(0, 4))
    sub = expressions(depth - 1)
    if kind == 0:
        return f"({draw(sub)} {draw(operators)} {draw(sub)})"
    if kind == 1:
        return f"{draw(st.sampled_from(sorted(FUNCTION_NAMES)))}({draw(sub)}, {draw(sub)})"
    if kind == 2:
        return f"[for v in {draw(sub)} : {draw(sub)}]"
    if kind == 3:
        return f"{draw(sub)} ? {draw(sub)} : {draw(sub)}"
    return f'"${{{draw(sub)}}}-%{{ for v in {draw(sub)} }}${{v}}%{{ endfor }}"'


@settings(max_examples=500, deadline=None, database=None)
@given(expressions())
def test_random_expressions_evaluate_or_fail_cleanly(text):
    try:
        expr = parse_expression(text)
    except HclSyntaxError:
        return
    try:
        value = Evaluator(_Scope()).evaluate(expr, {})
    except EvalError:
        return
    assert _valid(value), (text, value)
    if isinstance(value, float):
        assert math.isnan(value) or isinstance(value, float)
