"""Internet exposure: exact verdicts, ports, sources and paths for each component and default.

Fixtures live in ``fixtures/exposure/<case>``; resources are named after what they expect.
``at`` answers the point question "what is the verdict for this port?" from the verdict
list, which partitions every (family, protocol) into port intervals.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from iacscan.api import LoadResult, load
from iacscan.graph.facts import analyze
from iacscan.graph.network import Verdict
from iacscan.graph.network.sets import INTERNET, intersect, spans, subtract, to_cidrs, union
from iacscan.rules.engine import run_rules
from iacscan.rules.loader import load_rules

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
RULES = {rule.id: rule for rule in load_rules()}


@pytest.fixture(scope="module")
def loaded() -> dict[str, LoadResult]:
    cases = ("routes", "nacls", "ipv6", "workloads", "unknowns")
    return {
        c: load([FIXTURES / "exposure" / c], environ={}, jobs=1, use_cache=False) for c in cases
    }


def at(result: LoadResult, node: str, port: int, family: int = 4, protocol: str = "tcp") -> Verdict:
    verdicts = analyze(result.graph).exposure(node)
    assert verdicts, f"{node} is not a workload"
    found = [
        v
        for v in verdicts
        if v.family == family and v.protocol == protocol and v.ports[0] <= port <= v.ports[1]
    ]
    assert len(found) == 1, "verdicts must partition the port space"
    return found[0]


def summary(verdict: Verdict) -> tuple:
    return verdict.verdict, verdict.ports, verdict.sources, verdict.path, verdict.blocked_by


# -- route tables -------------------------------------------------------------------------------
def test_explicit_association_to_igw_table(loaded: dict[str, LoadResult]) -> None:
    verdict = at(loaded["routes"], "aws_instance.open_via_explicit_table", 22)
    assert summary(verdict) == (
        "OPEN",
        (22, 22),
        ("0.0.0.0/0",),
        (
            "internet",
            "aws_internet_gateway.explicit",
            "aws_route_table.public",
            "aws_subnet.associated",
            "(default network ACL)",
            "aws_security_group.ssh_from_world",
            "aws_instance.open_via_explicit_table",
        ),
        (),
    )
    beside = at(loaded["routes"], "aws_instance.open_via_explicit_table", 23)
    assert summary(beside) == ("CLOSED", (23, 65535), (), (), ("SG_NO_MATCHING_INGRESS",))


def test_main_route_table_association_is_the_fallback(loaded: dict[str, LoadResult]) -> None:
    verdict = at(loaded["routes"], "aws_instance.open_via_main_association", 22)
    assert verdict.verdict == "OPEN"
    assert verdict.path[1:4] == (
        "aws_internet_gateway.main_association",
        "aws_route_table.made_main",
        "aws_subnet.uses_main_association",
    )


def test_default_route_table_is_the_main_table(loaded: dict[str, LoadResult]) -> None:
    verdict = at(loaded["routes"], "aws_instance.open_via_default_route_table", 22)
    assert verdict.verdict == "OPEN"
    assert verdict.path[1:3] == (
        "aws_internet_gateway.default_table",
        "aws_default_route_table.default_table",
    )


def test_implicit_main_table_has_only_the_local_route(loaded: dict[str, LoadResult]) -> None:
    verdict = at(loaded["routes"], "aws_instance.closed_via_implicit_main_table", 22)
    assert summary(verdict) == ("CLOSED", (22, 22), (), (), ("NO_ROUTE_TO_IGW",))


def test_longest_prefix_match_restricts_to_the_igw_range(loaded: dict[str, LoadResult]) -> None:
    verdict = at(loaded["routes"], "aws_instance.restricted_by_longest_prefix", 22)
    assert verdict.verdict == "RESTRICTED"
    assert verdict.sources == ("203.0.113.0/24",)
    assert verdict.path[2] == "aws_route_table.nat_with_one_igw_range"


def test_igw_of_another_vpc_admits_nothing(loaded: dict[str, LoadResult]) -> None:
    verdict = at(loaded["routes"], "aws_instance.closed_igw_of_other_vpc", 22)
    assert verdict.blocked_by == ("NO_ROUTE_TO_IGW",)


def test_no_ipv6_address_by_default(loaded: dict[str, LoadResult]) -> None:
    verdict = at(loaded["routes"], "aws_instance.open_via_explicit_table", 22, family=6)
    assert verdict.verdict == "CLOSED"
    assert verdict.blocked_by == ("NO_PUBLIC_ADDRESS", "NO_ROUTE_TO_IGW", "SG_NO_MATCHING_INGRESS")


# -- network ACLs -------------------------------------------------------------------------------
def test_nacl_first_match_by_rule_number(loaded: dict[str, LoadResult]) -> None:
    ssh = at(loaded["nacls"], "aws_instance.behind_ordered_nacl", 22)
    assert ssh.verdict == "RESTRICTED"  # rule 100 admits 128.0.0.0/1 before rule 110 denies
    half = spans((int(a), int(b)) for a, b in [(2**31, 2**32 - 1)])
    assert ssh.sources == to_cidrs(intersect(half, INTERNET[4]), 4)
    assert ssh.path[4] == "aws_network_acl.ordered"
    other = at(loaded["nacls"], "aws_instance.behind_ordered_nacl", 80)
    assert (other.verdict, other.ports, other.sources) == ("OPEN", (23, 65535), ("0.0.0.0/0",))
    assert at(loaded["nacls"], "aws_instance.behind_ordered_nacl", 21).verdict == "OPEN"


def test_nacl_return_to_ephemeral_ports_must_be_allowed(loaded: dict[str, LoadResult]) -> None:
    verdict = at(loaded["nacls"], "aws_instance.behind_nacl_without_return", 22)
    assert summary(verdict) == ("CLOSED", (0, 65535), (), (), ("NACL_RETURN_DENY(rule 100)",))


def test_declared_default_nacl_without_entries_denies(loaded: dict[str, LoadResult]) -> None:
    verdict = at(loaded["nacls"], "aws_instance.behind_declared_default_nacl", 22)
    assert verdict.blocked_by == ("NACL_INBOUND_DENY(rule *)", "NACL_RETURN_DENY(rule *)")


# -- IPv6 ---------------------------------------------------------------------------------------
def test_ipv6_via_internet_gateway(loaded: dict[str, LoadResult]) -> None:
    verdict = at(loaded["ipv6"], "aws_instance.ipv6_via_igw", 443, family=6)
    assert summary(verdict) == (
        "OPEN",
        (443, 443),
        ("::/0",),
        (
            "internet",
            "aws_internet_gateway.main",
            "aws_route_table.igw_v6",
            "aws_subnet.igw_v6",
            "(default network ACL)",
            "aws_security_group.https_from_world_v6",
            "aws_instance.ipv6_via_igw",
        ),
        (),
    )
    assert at(loaded["ipv6"], "aws_instance.ipv6_via_igw", 443).blocked_by[0] == "NO_PUBLIC_ADDRESS"


def test_egress_only_gateway_never_admits_inbound(loaded: dict[str, LoadResult]) -> None:
    verdict = at(loaded["ipv6"], "aws_instance.ipv6_via_egress_only_igw", 443, family=6)
    assert summary(verdict) == ("CLOSED", (443, 443), (), (), ("NO_ROUTE_TO_IGW",))


# -- workloads ----------------------------------------------------------------------------------
def test_rds_publicly_accessible_in_private_subnets(loaded: dict[str, LoadResult]) -> None:
    node = "aws_db_instance.publicly_accessible_in_private_subnets"
    verdict = at(loaded["workloads"], node, 5432)
    assert summary(verdict) == ("CLOSED", (5432, 5432), (), (), ("NO_ROUTE_TO_IGW",))
    assert at(loaded["workloads"], node, 22).blocked_by == ("NO_ROUTE_TO_IGW", "NO_LISTENER")


def test_rds_in_any_public_subnet_of_its_group_on_its_port(loaded: dict[str, LoadResult]) -> None:
    verdict = at(
        loaded["workloads"], "aws_db_instance.mysql_on_custom_port_in_mixed_subnets", 13306
    )
    assert (verdict.verdict, verdict.ports) == ("OPEN", (13306, 13306))
    assert verdict.path[3] == "aws_subnet.public_b"


def test_eks_endpoint_defaults_public_to_the_world(loaded: dict[str, LoadResult]) -> None:
    verdict = at(loaded["workloads"], "aws_eks_cluster.endpoint_defaults", 443)
    assert summary(verdict) == (
        "OPEN",
        (443, 443),
        ("0.0.0.0/0",),
        ("internet", "aws_eks_cluster.endpoint_defaults"),
        (),
    )
    office = at(loaded["workloads"], "aws_eks_cluster.endpoint_from_office", 443)
    assert (office.verdict, office.sources) == ("RESTRICTED", ("203.0.113.0/24",))
    private = at(loaded["workloads"], "aws_eks_cluster.endpoint_private", 443)
    assert private.blocked_by == ("ENDPOINT_PRIVATE",)


def test_alb_internet_facing_by_default_and_internal(loaded: dict[str, LoadResult]) -> None:
    public = at(loaded["workloads"], "aws_lb.internet_facing_by_default", 443)
    assert (public.verdict, public.path[-2:]) == (
        "OPEN",
        ("aws_security_group.everything_from_world", "aws_lb.internet_facing_by_default"),
    )
    assert at(loaded["workloads"], "aws_lb.internet_facing_by_default", 80).blocked_by == (
        "NO_LISTENER",
    )
    internal = at(loaded["workloads"], "aws_lb.internal", 443)
    assert summary(internal) == ("CLOSED", (443, 443), (), (), ("LB_INTERNAL",))


def test_aws_default_security_group_admits_only_itself(loaded: dict[str, LoadResult]) -> None:
    verdict = at(loaded["workloads"], "aws_instance.default_security_group", 22)
    assert summary(verdict) == ("CLOSED", (0, 65535), (), (), ("SG_NO_MATCHING_INGRESS",))


def test_non_workloads_have_no_verdicts(loaded: dict[str, LoadResult]) -> None:
    assert analyze(loaded["workloads"].graph).exposure("aws_vpc.main") == []


# -- unknowns and assumptions -------------------------------------------------------------------
def test_unknown_subnet_is_undetermined(loaded: dict[str, LoadResult]) -> None:
    verdict = at(loaded["unknowns"], "aws_instance.unknown_subnet", 22)
    assert (verdict.verdict, verdict.sources) == ("UNDETERMINED", ("0.0.0.0/0",))
    assert verdict.unknowns == ("subnet: variable 'subnet_id' has no value",)
    closed = at(loaded["unknowns"], "aws_instance.unknown_subnet", 80)
    assert closed.blocked_by == ("SG_NO_MATCHING_INGRESS",)


def test_no_subnet_assumes_the_default_vpc(loaded: dict[str, LoadResult]) -> None:
    verdict = at(loaded["unknowns"], "aws_instance.default_vpc_unknown_public_ip", 22)
    assert verdict.verdict == "UNDETERMINED"
    assert verdict.assumptions == ("ASSUMED_DEFAULT_VPC",)
    assert verdict.unknowns == ("variable 'public' has no value",)
    source = at(loaded["unknowns"], "aws_instance.default_vpc_unknown_source", 22)
    assert source.verdict == "UNDETERMINED"
    assert source.unknowns == (
        "aws_security_group.ssh_from_variable.ingress[0]: a value known only after apply",
    )


# -- rules: the attribute finding stays, the exposure finding needs a path ----------------------
def test_open_sg_without_route_keeps_the_sg_finding_only() -> None:
    result = load(
        [FIXTURES / "rules" / "IAC-AWS-EXPOSURE-001" / "pass"], environ={}, jobs=1, use_cache=False
    )
    sg = run_rules([RULES["IAC-AWS-SG-001"]], result.resources, analyze(result.graph))
    assert {f.resource for f in sg.findings} == {"aws_security_group.admin_from_world"}
    exposure = run_rules([RULES["IAC-AWS-EXPOSURE-001"]], result.resources, analyze(result.graph))
    assert exposure.findings == []


def test_finding_evidence_lists_the_verdict() -> None:
    result = load(
        [FIXTURES / "rules" / "IAC-AWS-EXPOSURE-001" / "fail"], environ={}, jobs=1, use_cache=False
    )
    engine = run_rules([RULES["IAC-AWS-EXPOSURE-001"]], result.resources, analyze(result.graph))
    finding = next(f for f in engine.findings if f.resource == "aws_instance.ssh_open_to_world")
    assert finding.evidence[:6] == (
        "verdict: OPEN (IPv4)",
        "protocol: tcp",
        "ports: 22",
        "sources: 0.0.0.0/0",
        "path: internet -> aws_internet_gateway.main -> aws_route_table.public -> "
        "aws_subnet.public -> (default network ACL) -> aws_security_group.admin_from_world -> "
        "aws_instance.ssh_open_to_world",
        "blocked_by: -",
    )


# -- interval algebra ---------------------------------------------------------------------------
def test_span_algebra() -> None:
    a, b = spans([(0, 10), (20, 30)]), spans([(5, 25)])
    assert union(a, b) == ((0, 30),)
    assert intersect(a, b) == ((5, 10), (20, 25))
    assert subtract(a, b) == ((0, 4), (26, 30))
    assert spans([(3, 1), (1, 2), (3, 4)]) == ((1, 4),)
    assert to_cidrs(((0, 255),), 4) == ("0.0.0.0/24",)


def test_association_with_an_unknown_subnet_may_apply_to_any_subnet() -> None:
    """A table associated with subnets known only after apply may be this subnet's, whose
    main table has no IGW route: UNDETERMINED with the reason, not CLOSED."""
    result = load([FIXTURES / "exposure" / "loose_association"], environ={}, use_cache=False)
    verdict = at(result, "aws_instance.behind_maybe_public_table", 22)
    assert (verdict.verdict, verdict.ports, verdict.sources) == (
        "UNDETERMINED",
        (22, 22),
        ("0.0.0.0/0",),
    )
    assert verdict.path[:3] == ("internet", "aws_internet_gateway.main", "aws_route_table.public")
    assert verdict.unknowns == (
        "aws_subnet.maybe_public: a route table association names a subnet known only after apply",
    )
