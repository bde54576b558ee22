"""Budgets that keep the evaluation of hostile configurations bounded in time and memory.

Terraform would happily build a billion instances or a gigabyte string; a scanner running in
pre-commit on an attacker's pull request must not. Every value the evaluator builds is
paid for in *steps* (one per loop iteration and function call, plus one per element or per
64 characters of what it returns), and a few sizes have a cap of their own. Past a budget,
evaluation stops with ``BudgetExceeded``: the attribute being evaluated becomes Unknown with
the reason, the reason is reported as an evaluation error, and the rest of the scan goes on.

The limits sit far above anything the shared corpus needs (its busiest root spends 4,581
steps, its busiest expression under 800) and are the same on every machine, so results stay
deterministic.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Limits:
    instances: int = 10_000  # per count / for_each of one resource or module call
    collection: int = 1_000_000  # elements of one list, set, map or object
    string: int = 4 * 1024 * 1024  # characters of one string
    digits: int = 1_000  # decimal digits of one integer (Terraform keeps 512 bits)
    matches: int = 100_000  # matches of one regex(), regexall() or replace() call
    depth: int = 100  # nesting of a decoded JSON or YAML value
    expression_steps: int = 1_000_000  # one attribute, local or output, not counting others
    root_steps: int = 2_000_000  # one root module with everything it calls


LIMITS = Limits()
CHARS_PER_STEP = 64
STEPS_PER_BODY = 10  # an instance or dynamic block evaluates a body of several attributes
_DIGIT_BITS = int(LIMITS.digits * 3.3219280948873626) + 1  # log2(10) bits per digit


class BudgetExceeded(Exception):
    """Evaluation went past a budget; the message says which."""


def check_number(value: Any) -> Any:
    """``value`` itself, unless it is an integer with more digits than the budget allows."""
    if isinstance(value, int) and value.bit_length() > _DIGIT_BITS:
        raise BudgetExceeded(f"number with more than {LIMITS.digits:,} digits")
    return value


def check_string(length: int, what: str = "string") -> None:
    if length > LIMITS.string:
        raise BudgetExceeded(f"{what} over {LIMITS.string:,} characters")


def check_collection(length: int, what: str = "collection") -> None:
    if length > LIMITS.collection:
        raise BudgetExceeded(f"{what} over {LIMITS.collection:,} elements")


def check_depth(value: Any, what: str) -> Any:
    """``value`` itself, unless nested deeper than later stages can walk recursively."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (list, dict)):
            if depth > LIMITS.depth:
                raise BudgetExceeded(f"{what} nested over {LIMITS.depth} levels")
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return value


def size_cost(value: Any) -> int:
    """Steps a freshly built value costs: its elements, or its characters / 64."""
    if isinstance(value, str):
        check_string(len(value))
        return len(value) // CHARS_PER_STEP
    if isinstance(value, (list, dict)):
        check_collection(len(value))
        return len(value)
    check_number(value)
    return 0


class Budget:
    """Steps spent in one root module, and in the expression being evaluated now.

    Expressions nest (a resource attribute reads a local that is evaluated on first use);
    each is charged only for its own work, so one expensive local cannot use up the budget
    of every attribute that reads it.
    """

    def __init__(self, limits: Limits = LIMITS) -> None:
        self.limits = limits
        self.spent = 0
        self._frame_start = 0

    def charge(self, steps: int) -> None:
        """Work inside an expression: both its own budget and the root's."""
        self.spent += steps
        if self.spent - self._frame_start > self.limits.expression_steps:
            raise BudgetExceeded(
                f"expression needs more than {self.limits.expression_steps:,} evaluation steps"
            )
        if self.spent > self.limits.root_steps:
            raise BudgetExceeded(
                f"module needs more than {self.limits.root_steps:,} evaluation steps in all"
            )

    def spend(self, steps: int, what: str) -> None:
        """Work outside any expression (instances, dynamic blocks): the root's budget only."""
        self.spent += steps
        if self.spent > self.limits.root_steps:
            raise BudgetExceeded(
                f"{what} needs more than the module's {self.limits.root_steps:,} evaluation steps"
            )

    @contextmanager
    def expression(self) -> Iterator[None]:
        """One expression's frame: steps spent inside nested frames are not charged to it."""
        outer = self._frame_start
        self.spent += 1  # counted, never refused: plain values stay known when all is spent
        self._frame_start = self.spent
        try:
            yield
        finally:
            self._frame_start = outer + (self.spent - self._frame_start)


__all__ = ["LIMITS", "Budget", "BudgetExceeded", "Limits", "check_number", "size_cost"]
