"""Write ``iacscan/terraform/schema_types.json``: attribute types of the resource types we read.

Usage: python tools/schema_table.py SCHEMA.json

SCHEMA.json is ``terraform providers schema -json`` of a configuration that requires
hashicorp/aws (offline: ``terraform init`` against the provider mirror first). The table keeps,
for every ``aws_*`` resource type named in ``rulesets/*.yaml`` or in the package's code, the
primitive type of each attribute whose type matters for conversion (``number``, ``bool``,
``string``, or a list/set/map of one of them), by its path with nested blocks joined by dots
(``ingress.from_port``), and ``_computed_blocks``: the blocks Terraform plans as unknown when
the configuration writes none of them (Optional+Computed attributes written as blocks).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "iacscan/terraform/schema_types.json"
PRIMITIVES = {"number", "bool", "string"}


def wanted_types(known: set[str]) -> list[str]:
    found: set[str] = set()
    files = [*REPO.glob("rulesets/*.yaml"), *REPO.glob("iacscan/**/*.py")]
    for path in files:
        found |= set(re.findall(r"\baws_[a-z0-9_]+", path.read_text()))
    return sorted(found & known)


def type_text(kind: Any) -> str | None:
    """``number`` / ``list(string)`` ...; None for objects and other shapes we leave alone."""
    if isinstance(kind, str):
        return kind if kind in PRIMITIVES else None
    if isinstance(kind, list) and len(kind) == 2 and kind[0] in ("list", "set", "map"):
        inner = type_text(kind[1])
        return f"{kind[0]}({inner})" if inner in PRIMITIVES else None
    return None


def object_members(kind: Any) -> dict[str, Any] | None:
    """The attribute types of a list/set of objects (an attribute written as blocks)."""
    if isinstance(kind, list) and kind[0] in ("list", "set") and isinstance(kind[1], list):
        return dict(kind[1][1]) if kind[1][0] == "object" else None
    return None


def block_table(block: dict[str, Any], prefix: str, table: dict[str, Any]) -> None:
    for name, attr in sorted(block.get("attributes", {}).items()):
        text = type_text(attr.get("type"))
        if text:
            table[prefix + name] = text
        members = object_members(attr.get("type"))
        if members is not None:
            for member, kind in sorted(members.items()):
                inner = type_text(kind)
                if inner:
                    table[f"{prefix}{name}.{member}"] = inner
            if attr.get("optional") and attr.get("computed") and not prefix:
                table.setdefault("_computed_blocks", []).append(name)
    for name, nested in sorted(block.get("block_types", {}).items()):
        block_table(nested.get("block", {}), f"{prefix}{name}.", table)


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    schema = json.loads(Path(sys.argv[1]).read_text())
    provider = schema["provider_schemas"]["registry.terraform.io/hashicorp/aws"]
    resources = provider["resource_schemas"]
    table: dict[str, Any] = {}
    for rtype in wanted_types(set(resources)):
        table[rtype] = {}
        block_table(resources[rtype]["block"], "", table[rtype])
    rows = [f"{json.dumps(k)}:{json.dumps(table[k], separators=(',', ':'))}" for k in table]
    OUT.write_text("{\n" + ",\n".join(rows) + "\n}\n")  # one resource type per line
    print(
        f"{OUT.relative_to(REPO)}: {len(table)} resource types, "
        f"{sum(len(v) for v in table.values())} attributes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
