"""Property tests (hypothesis) over the compose loader, the plan reader and the cache codec:
whatever shape the input takes, loading ends in resources and reported errors, never in an
exception and never in an internal error. Bounded to a few seconds each."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iacscan.compose import load_compose
from iacscan.terraform import codec
from iacscan.terraform.hcl import parse_hcl
from iacscan.terraform.plan import load_plan

BOUNDED = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

COMPOSE_KEYS = [
    "services", "networks", "volumes", "include", "extends", "image", "environment", "ports",
    "depends_on", "env_file", "privileged", "network_mode", "cap_add", "volumes_from",
    "secrets", "profiles", "build", "deploy", "healthcheck", "user", "path", "service", "file",
    "web", "db", "default",
]  # fmt: skip
PLAN_KEYS = [
    "planned_values", "resource_changes", "prior_state", "configuration", "root_module",
    "resources", "child_modules", "module_calls", "module", "address", "mode", "type", "name",
    "values", "change", "actions", "after", "after_unknown", "after_sensitive", "expressions",
    "references", "source", "index", "depends_on", "sensitive_values", "deposed", "Modules",
]  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["aws_s3_bucket.b", "module.m", "0.0.0.0/0", "${X}", "80:80", "create"]),
)


def documents(keys: list[str]) -> st.SearchStrategy:
    return st.recursive(
        SCALARS,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.sampled_from(keys), inner, max_size=5),
        ),
        max_leaves=40,
    )


@BOUNDED
@given(documents(COMPOSE_KEYS), documents(COMPOSE_KEYS))
def test_compose_loader_never_raises(document, override) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "compose.yaml").write_text(yaml.safe_dump({"services": document}))
        (root / "compose.override.yml").write_text(yaml.safe_dump(override))
        (root / "base.yaml").write_text(yaml.safe_dump(document))
        result = load_compose([root], root, {})
    assert not [e for e in result.errors if e.kind == "internal"], result.errors


@BOUNDED
@given(documents(PLAN_KEYS))
def test_plan_reader_never_raises(document) -> None:
    plan = {"format_version": "1.2", "planned_values": {}}
    if isinstance(document, dict):
        plan.update(document)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.json"
        path.write_text(json.dumps(plan))
        result = load_plan(path, Path(tmp), None, None)
    assert not [e for e in result.errors if e.kind == "internal"], result.errors


SAMPLE = parse_hcl(
    'resource "a" "b" {\n  x = [for k, v in var.m : "${k}-${v}" if v != null]\n'
    "  y = a.b[*].c\n  nested {\n    z = f(1, -2.5, true, null, [3]...)\n  }\n}\n# c\n",
    "main.tf",
)


@BOUNDED
@given(st.data())
def test_codec_mutations_decode_to_none_or_a_tree(data) -> None:
    encoded = codec.encode(SAMPLE)
    assert encoded is not None and codec.decode(encoded, "main.tf") == SAMPLE
    position = data.draw(st.integers(0, len(encoded) - 1))
    replacement = data.draw(st.binary(min_size=0, max_size=3))
    mutated = encoded[:position] + replacement + encoded[position + 1 :]
    decoded = codec.decode(mutated, "main.tf")
    assert decoded is None or decoded.body is not None
