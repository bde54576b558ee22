"""Runtime values of the Terraform evaluator.

Known values are plain Python data: ``None``, ``bool``, ``int``/``float`` (Terraform numbers;
integral results stay ``int``), ``str``, ``list`` (tuples, lists and sets) and ``dict``
(objects and maps). Values that Terraform only learns at apply time are never guessed: they
are a :class:`Ref` when they name another resource's attribute, so the graph keeps the edge,
or an :class:`Unknown` that remembers why and which references it was derived from.

Every operation of the evaluator and every built-in function must accept these two types
anywhere and return an unknown rather than raise (``unknown_from`` builds it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True, order=True)
class Ref:
    """An attribute of another resource or data source that is known only after apply."""

    address: str
    attribute: str

    def __str__(self) -> str:
        return f"{self.address}.{self.attribute}" if self.attribute else self.address


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value that cannot be known before apply; ``refs`` keeps what it was derived from."""

    reason: str
    refs: frozenset[Ref] = field(default_factory=frozenset)
    # What a JSON text would encode when only parts of it are unknown (``jsonencode`` of a
    # container definition with ``image = var.image``): readers that decode JSON judge the
    # known parts instead of giving up on the whole document.
    encodes: Any = field(default=None, compare=False, hash=False, repr=False)

    def __str__(self) -> str:
        return f"(unknown: {self.reason})"


def is_unknown(value: Any) -> bool:
    """True for a value that is unknown as a whole (not for a list that merely holds one)."""
    return isinstance(value, (Ref, Unknown))


def is_wholly_known(value: Any) -> bool:
    """True when no part of ``value``, however deeply nested, is unknown."""
    if isinstance(value, (Ref, Unknown)):
        return False
    if isinstance(value, dict):
        return all(is_wholly_known(v) for v in value.values())
    if isinstance(value, list):
        return all(is_wholly_known(v) for v in value)
    return True


def iter_refs(value: Any) -> Iterator[Ref]:
    """Every Ref inside ``value``, including those an Unknown was derived from."""
    if isinstance(value, Ref):
        yield value
    elif isinstance(value, Unknown):
        yield from value.refs
    elif isinstance(value, dict):
        for item in value.values():
            yield from iter_refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from iter_refs(item)


def unknown_from(reason: str, *values: Any) -> Unknown:
    """An Unknown that carries the references of every unknown part of ``values``."""
    refs: set[Ref] = set()
    for value in values:
        refs.update(iter_refs(value))
    return Unknown(reason, frozenset(refs))


def json_structure(value: Any) -> Any:
    """The structure an unknown JSON text encodes, if known (else the value itself)."""
    if isinstance(value, Unknown) and value.encodes is not None:
        return value.encodes
    return value


def first_unknown(values: Iterable[Any]) -> Any | None:
    """The first argument that is unknown as a whole, or None."""
    for value in values:
        if isinstance(value, (Ref, Unknown)):
            return value
    return None


def type_name(value: Any) -> str:
    """Terraform's name for the type of a known value, used in error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "tuple"
    if isinstance(value, dict):
        return "object"
    return "unknown"


class Substituted(str):
    """A string that holds a value taken from the environment (Compose interpolation of
    ``${VAR}`` or ``.env``): an adapter marks it so that rules know it is not written in the
    file and exports know not to print it."""

    __slots__ = ()


class Secret(str):
    """A string from a value declared sensitive (a Terraform variable with ``sensitive =
    true``): the adapter marks it where it reads the variable, and exports mask it. Like
    Terraform's own mark it survives being passed on (locals, module inputs, attributes); a
    function or template that builds a new string from it does not keep it."""

    __slots__ = ()


def mark_secret(value: Any) -> Any:
    """``value`` with every string in it marked ``Secret`` (other data unchanged)."""
    if isinstance(value, str):
        return value if isinstance(value, Secret) else Secret(value)
    if isinstance(value, dict):
        return {k: mark_secret(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mark_secret(v) for v in value]
    return value


def normalize_number(value: float | int) -> float | int:
    """Integral floats become ints so that ``10 / 2`` prints as Terraform prints it: ``5``."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def to_json(value: Any) -> Any:
    """A JSON-ready copy: a Ref becomes ``{"ref": ...}``, an Unknown ``{"unknown": ...}``."""
    if isinstance(value, Ref):
        return {"ref": str(value)}
    if isinstance(value, Unknown):
        return {"unknown": value.reason}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    return value


def to_display(value: Any) -> str:
    """Terraform-like text for a known primitive: how templates and ``tostring`` render it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(normalize_number(value)) if not value.is_integer() else str(int(value))
    return str(value)
