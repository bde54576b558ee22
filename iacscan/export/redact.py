"""What a graph export may print of an attribute value.

A graph export is a picture people share (a wiki page, a ticket, a review), so by default it
masks what a reader must not learn from it: values of variables declared ``sensitive`` (the
Terraform adapter marks them ``Secret``), values Compose interpolation took from the
environment or ``.env`` (``Substituted``: CI tokens end up there), and literal values of
attributes whose name says they hold a secret (``password``, ``DB_TOKEN`` in an environment
map, ``{name: API_KEY, value: ...}`` in a container's env list). References stay: they name
a resource, not a secret. ``--show-values`` prints everything; ``--redact`` keeps only shapes.
Scan reports never print attribute values, so they need none of this.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from iacscan.model.values import Ref, Secret, Substituted, Unknown, to_json

SENSITIVE = "(redacted: sensitive value)"
FROM_ENVIRONMENT = "(redacted: from the environment)"
SECRET_NAME = "(redacted: secret)"

_WORDS = re.compile(r"[a-z0-9]+")
_SECRET_WORDS = frozenset(
    {"password", "passwd", "pwd", "secret", "secrets", "token", "apikey", "credential"}
)
_SECRET_PAIRS = frozenset({("api", "key"), ("private", "key"), ("access", "key")})
_NAME_VALUE = frozenset({"name", "value"})
_NOT_THE_VALUE = frozenset(
    {"arn", "arns", "id", "ids", "name", "names", "length", "type", "ttl", "version", "enabled"}
)


def secret_name(name: str) -> bool:
    """Does an attribute or variable name say its value is a secret? By whole words
    (``master_password``, ``GITHUB_TOKEN``, ``clientSecret``), so ``bypass`` or
    ``token_ttl``-like words that merely contain one do not count as the word itself."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()
    words = _WORDS.findall(spaced)
    if not words or words[-1] in _NOT_THE_VALUE:
        return False  # secret_arn, password_length, token_type: about a secret, not one
    if any(w in _SECRET_WORDS or w.rstrip("s") == "credential" for w in words):
        return True
    return any(pair in _SECRET_PAIRS for pair in itertools.pairwise(words))


# Attributes that hold a secret whatever their name says.
SECRET_ATTRIBUTES = {
    "aws_ssm_parameter": ("value",),
    "aws_secretsmanager_secret_version": ("secret_string", "secret_binary"),
    "kubernetes_secret": ("data", "binary_data"),
    "kubernetes_secret_v1": ("data", "binary_data"),
}


def masked_attributes(resource_type: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """A resource's attributes as an export may print them."""
    known = SECRET_ATTRIBUTES.get(resource_type, ())
    return {str(k): masked(v, k in known or secret_name(str(k))) for k, v in attrs.items()}


def masked(value: Any, secret: bool = False) -> Any:
    """``to_json(value)`` with secrets masked; ``secret``: the value sits under a name that
    says it is one, so every literal string in it is masked."""
    if isinstance(value, Secret):
        return SENSITIVE
    if isinstance(value, Substituted):
        return FROM_ENVIRONMENT
    if isinstance(value, (Ref, Unknown)):
        return to_json(value)
    if isinstance(value, dict):
        return _masked_dict(value, secret)
    if isinstance(value, list):
        return [masked(v, secret) for v in value]
    if secret and isinstance(value, str):
        return SECRET_NAME
    return value


def _masked_dict(value: dict[Any, Any], secret: bool) -> dict[str, Any]:
    keys = {str(k) for k in value}
    if keys >= _NAME_VALUE and isinstance(value.get("name"), str):
        secret = secret or secret_name(value["name"])  # {name: DB_PASSWORD, value: ...}
        return {
            str(k): masked(v, secret and str(k) == "value") if str(k) != "name" else masked(v)
            for k, v in value.items()
        }
    return {str(k): masked(v, secret or secret_name(str(k))) for k, v in value.items()}
