"""Reference resolution through a plan's configuration, on small hand-made configurations."""

from __future__ import annotations

from iacscan.terraform.plan_refs import (
    Frame,
    Index,
    Resolver,
    Target,
    leaf_references,
    module_of,
    parse_traversal,
    strip_keys,
)


def test_addresses_parse_with_keys_that_hold_dots_and_quotes():
    assert parse_traversal('module.a["x.y"].aws_b.c[0].id') == [
        ("name", "module"),
        ("name", "a"),
        ("index", "x.y"),
        ("name", "aws_b"),
        ("name", "c"),
        ("index", 0),
        ("name", "id"),
    ]
    assert strip_keys('module.a["x.y"].module.b[2].aws_c.d["k"]') == "module.a.module.b.aws_c.d"
    assert module_of('module.a["x"].module.b[2].data.aws_c.d[0]') == 'module.a["x"].module.b[2]'
    assert module_of("aws_c.d") == ""


def test_parent_references_terraform_adds_are_dropped():
    refs = ["aws_sg.a.id", "aws_sg.a", "module.m.out", "module.m", "aws_subnet.s", "count.index"]
    assert leaf_references(refs) == ["aws_sg.a.id", "module.m.out", "aws_subnet.s", "count.index"]


CONFIG = {
    "resources": [],
    "module_calls": {
        "net": {
            "source": "./net",
            "for_each_expression": {"references": ["local.zones"]},
            "expressions": {"cidr": {"constant_value": "10.0.0.0/16"}},
            "module": {
                "outputs": {"subnet_id": {"expression": {"references": ["aws_subnet.this.id"]}}},
                "resources": [],
            },
        },
        "app": {
            "source": "./app",
            "expressions": {
                "subnet_ids": {"references": ["module.net", "aws_vpc.main.id", "aws_vpc.main"]}
            },
            "module": {"variables": {"subnet_ids": {}}, "resources": []},
        },
    },
}
INSTANCES = [
    "aws_vpc.main",
    'module.net["a"].aws_subnet.this',
    'module.net["b"].aws_subnet.this',
    "module.app.aws_instance.this[0]",
    "module.app.aws_instance.this[1]",
]


def test_a_module_output_with_a_key_names_one_instance():
    resolver = Resolver(Index.of(INSTANCES))
    root = [Frame(CONFIG, "")]
    assert resolver.resolve(['module.net["b"].subnet_id'], root) == [
        Target('module.net["b"].aws_subnet.this', "id")
    ]


def test_a_module_without_its_key_means_every_instance_and_says_so():
    resolver = Resolver(Index.of(INSTANCES))
    app = [Frame(CONFIG, ""), Frame(CONFIG["module_calls"]["app"]["module"], "module.app", "app")]
    assert resolver.resolve(["var.subnet_ids"], app) == [
        Target("aws_vpc.main", "id"),
        Target('module.net["a"].aws_subnet.this', "id", spread=True),
        Target('module.net["b"].aws_subnet.this', "id", spread=True),
    ]


def test_a_counted_resource_without_index_is_every_instance():
    resolver = Resolver(Index.of(INSTANCES))
    app = [Frame(CONFIG, ""), Frame({}, "module.app", "app")]
    assert resolver.resolve(["aws_instance.this"], app) == [
        Target("module.app.aws_instance.this[0]", "", spread=True),
        Target("module.app.aws_instance.this[1]", "", spread=True),
    ]
    assert resolver.resolve(["aws_instance.this[1].private_ip"], app) == [
        Target("module.app.aws_instance.this[1]", "private_ip")
    ]


def test_locals_root_variables_and_missing_things_resolve_to_nothing():
    resolver = Resolver(Index.of(INSTANCES))
    root = [Frame(CONFIG, "")]
    for ref in ["local.x", "var.region", "each.key", "aws_vpc.gone.id", "module.none.out", "path"]:
        assert resolver.resolve([ref], root) == []
