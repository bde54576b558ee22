"""Lateral movement: workload-to-workload flows inside a VPC, and chains from the internet.

``fixtures/exposure/lateral`` holds one workload per case, named after what it shows; the
flow table below is the whole answer of the analysis for that fixture, so a flow that
appears or vanishes fails the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from iacscan.api import LoadResult, load
from iacscan.graph.facts import analyze
from iacscan.graph.network.chains import Chain, lateral_chain
from iacscan.graph.network.lateral import Flow, reachers
from iacscan.rules.engine import run_rules
from iacscan.rules.loader import load_rules

ROOT = Path(__file__).resolve().parent.parent / "fixtures"
LATERAL = ROOT / "exposure" / "lateral"
ALL = ((0, 65535),)
DEFAULT_SG = "(AWS default security group of aws_vpc.main)"


@pytest.fixture(scope="module")
def loaded() -> LoadResult:
    return load([LATERAL], environ={}, jobs=1, use_cache=False)


def flows(result: LoadResult) -> dict[tuple[str, str, str], tuple]:
    net = analyze(result.graph).network(result.resources[0])
    found: dict[tuple[str, str, str], tuple] = {}
    for resource in result.resources:
        for f in reachers(net, resource.address):
            key = (f.source.split(".")[1], f.target.split(".")[1], f.protocol)
            found[key] = (f.verdict, f.ports, f.via)
    return found


def test_every_flow_of_the_fixture(loaded: LoadResult) -> None:
    assert loaded.errors == []
    db_rule = ("aws_security_group.db_from_client.ingress[0]",)
    subnet_a = ("aws_security_group.from_subnet_a.ingress[0]",)
    half = ("aws_security_group.from_half_of_a.ingress[0]",)
    peers = ("aws_security_group.peers.ingress[0]",)
    assert flows(loaded) == {
        # SG reference: only the client's group is admitted, on the database's port only.
        ("client", "db", "tcp"): ("OPEN", ((5432, 5432),), db_rule),
        # An SG not declared here may be the referenced one.
        ("unknown_group", "db", "tcp"): ("UNDETERMINED", ((5432, 5432),), db_rule),
        # The SG admits all TCP from subnet a; the NACL of subnet c only 5432.
        ("client", "behind_nacl", "tcp"): ("OPEN", ((5432, 5432),), subnet_a),
        ("default_one", "behind_nacl", "tcp"): ("OPEN", ((5432, 5432),), subnet_a),
        # The CIDR covers half of subnet a: maybe.
        ("client", "half", "tcp"): ("UNDETERMINED", ((22, 22),), half),
        ("default_one", "half", "tcp"): ("UNDETERMINED", ((22, 22),), half),
        # ``self``: members of the same group, both ways.
        ("peer_one", "peer_two", "tcp"): ("OPEN", ((7000, 7001),), peers),
        ("peer_two", "peer_one", "tcp"): ("OPEN", ((7000, 7001),), peers),
        # AWS's own default SG admits its members on everything.
        ("default_one", "default_two", "tcp"): ("OPEN", ALL, (DEFAULT_SG,)),
        ("default_one", "default_two", "udp"): ("OPEN", ALL, (DEFAULT_SG,)),
        ("default_two", "default_one", "tcp"): ("OPEN", ALL, (DEFAULT_SG,)),
        ("default_two", "default_one", "udp"): ("OPEN", ALL, (DEFAULT_SG,)),
        # An undeclared SG may admit anyone whose egress allows it.
        ("client", "unknown_group", "tcp"): ("UNDETERMINED", ALL, ()),
        ("client", "unknown_group", "udp"): ("UNDETERMINED", ALL, ()),
        ("default_one", "unknown_group", "tcp"): ("UNDETERMINED", ALL, ()),
        ("default_one", "unknown_group", "udp"): ("UNDETERMINED", ALL, ()),
        ("default_two", "unknown_group", "tcp"): ("UNDETERMINED", ALL, ()),
        ("default_two", "unknown_group", "udp"): ("UNDETERMINED", ALL, ()),
    }


def test_what_reaches_nothing(loaded: LoadResult) -> None:
    """The absent flows, by reason: no egress (Terraform drops AWS's default egress rule),
    another VPC, a NACL that drops the replies."""
    found = flows(loaded)
    assert not [k for k in found if k[0] == "mute"]
    assert not [k for k in found if "other_vpc" in k[:2]]
    assert not [k for k in found if k[1] == "no_replies"]


def test_unknowns_say_why(loaded: LoadResult) -> None:
    net = analyze(loaded.graph).network(loaded.resources[0])
    by_source: dict[str, Flow] = {f.source: f for f in reachers(net, "aws_instance.half")}
    assert by_source["aws_instance.client"].unknowns == (
        "aws_security_group.from_half_of_a.ingress[0]: covers only part of "
        "aws_instance.client's subnets (its address is AWS's to pick)",
    )
    (unknown,) = [f for f in reachers(net, "aws_db_instance.db") if f.verdict != "OPEN"]
    assert unknown.unknowns == (
        "security group variable 'shared_sg_id' has no value",
        "aws_security_group.db_from_client.ingress[0]: may name a security group of "
        "aws_instance.unknown_group not declared here",
    )


def test_lateral_rule_evidence_lists_every_hop() -> None:
    rule = next(r for r in load_rules() if r.id == "IAC-AWS-EXPOSURE-006")
    result = load([ROOT / "rules" / rule.id / "fail"], environ={}, jobs=1, use_cache=False)
    findings = {
        f.resource: f for f in run_rules([rule], result.resources, analyze(result.graph)).findings
    }
    cache = findings["aws_elasticache_cluster.sessions_reachable_over_app"]
    assert cache.status == "fail"
    assert cache.evidence == (
        "verdict: OPEN (lateral, 2 hops)",
        "path: internet -> aws_instance.web -> aws_instance.app -> "
        "aws_elasticache_cluster.sessions_reachable_over_app",
        "hop: aws_instance.web -> aws_instance.app: tcp 8080 (OPEN) "
        "via aws_security_group.app.ingress[0]",
        "hop: aws_instance.app -> aws_elasticache_cluster.sessions_reachable_over_app: "
        "tcp 6379 (OPEN) via aws_security_group.cache_from_vpc.ingress[0]",
    )
    assert dict(cache.details)["path"] == (
        "internet",
        "aws_instance.web",
        "aws_instance.app",
        "aws_elasticache_cluster.sessions_reachable_over_app",
    )


def hops(chain: Chain | None) -> list[tuple[str, str, str]] | None:
    if chain is None:
        return None
    return [(h.source, h.target, h.verdict) for h in chain.hops]


def test_chain_search_prefers_sure_flows_and_respects_max_hops(loaded: LoadResult) -> None:
    net = analyze(loaded.graph).network(loaded.resources[0])
    db = "aws_db_instance.db"
    sure = lateral_chain(net, db, {"aws_instance.client": True, "aws_instance.unknown_group": True})
    assert sure is not None and sure.sure
    assert hops(sure) == [("aws_instance.client", db, "OPEN")]
    maybe = lateral_chain(net, db, {"aws_instance.unknown_group": True})
    assert maybe is not None and not maybe.sure
    assert hops(maybe) == [("aws_instance.unknown_group", db, "UNDETERMINED")]
    # An entry exposed only maybe makes the chain undetermined, whatever its hops.
    entry = lateral_chain(net, db, {"aws_instance.client": False})
    assert entry is not None and not entry.sure
    assert lateral_chain(net, db, {"aws_instance.client": True}, max_hops=0) is None
    assert lateral_chain(net, db, {"aws_instance.mute": True}) is None


def test_chains_run_over_several_hops(loaded: LoadResult) -> None:
    """default_two -> default_one (default SG) -> behind_nacl (subnet a's CIDR, NACL 5432)."""
    net = analyze(loaded.graph).network(loaded.resources[0])
    chain = lateral_chain(net, "aws_instance.behind_nacl", {"aws_instance.default_two": True})
    assert hops(chain) == [
        ("aws_instance.default_two", "aws_instance.default_one", "OPEN"),
        ("aws_instance.default_one", "aws_instance.behind_nacl", "OPEN"),
    ]


def test_flows_cross_a_peering_only_with_routes_both_ways() -> None:
    """``fixtures/exposure/peering``: app VPC <-> data VPC over a peering connection; one
    data subnet has no route back, a third VPC is not peered."""
    result = load([ROOT / "exposure" / "peering"], environ={}, jobs=1, use_cache=False)
    assert result.errors == []
    assert {k: v[:2] for k, v in flows(result).items()} == {
        ("app", "db_over_peering", "tcp"): ("OPEN", ((5432, 5432),)),
    }
    net = analyze(result.graph).network(result.resources[0])
    exposed = {"aws_instance.app": True}
    assert hops(lateral_chain(net, "aws_instance.db_over_peering", exposed)) == [
        ("aws_instance.app", "aws_instance.db_over_peering", "OPEN")
    ]
    assert lateral_chain(net, "aws_instance.db_without_route_back", exposed) is None
    assert lateral_chain(net, "aws_instance.db_not_peered", exposed) is None


def test_flows_cross_a_transit_gateway_for_sure_only_through_its_default_table() -> None:
    result = load([ROOT / "exposure" / "transit"], environ={}, jobs=1, use_cache=False)
    assert result.errors == []
    assert {k: v[:2] for k, v in flows(result).items()} == {
        ("hub", "db_in_spoke", "tcp"): ("OPEN", ((5432, 5432),)),
        ("hub", "db_behind_custom_table", "tcp"): ("UNDETERMINED", ((5432, 5432),)),
    }
    net = analyze(result.graph).network(result.resources[0])
    exposed = {"aws_instance.hub": True}
    chain = lateral_chain(net, "aws_instance.db_behind_custom_table", exposed)
    assert chain is not None and not chain.sure
    assert chain.hops[0].unknowns == (
        "the routes between aws_vpc.hub and aws_vpc.custom (peering or TGW)",
    )
    assert hops(lateral_chain(net, "aws_instance.db_in_spoke", exposed)) == [
        ("aws_instance.hub", "aws_instance.db_in_spoke", "OPEN")
    ]
