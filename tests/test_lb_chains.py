"""Exposure through load balancers: internet -> LB listener -> target group -> target.

Fixtures live in ``fixtures/exposure/lb_chain``: one chain per case, named after the
instance it ends at; ``unknown_target`` is a module of its own because an unknown
``target_id`` may name any instance of its module.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from iacscan.api import LoadResult, load
from iacscan.graph.facts import analyze
from iacscan.graph.network.exposure import Verdict
from iacscan.rules.engine import run_rules
from iacscan.rules.loader import load_rules

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "exposure" / "lb_chain"


@pytest.fixture(scope="module")
def loaded() -> LoadResult:
    return load([FIXTURES], environ={}, jobs=1, use_cache=False)


def chain(result: LoadResult, node: str) -> Verdict:
    """The one IPv4 chain verdict of a target."""
    found = [v for v in analyze(result.graph).lb_exposure(node) if v.family == 4]
    assert len(found) == 1
    return found[0]


def summary(verdict: Verdict) -> tuple:
    return verdict.verdict, verdict.ports, verdict.sources, verdict.path, verdict.blocked_by


def path(name: str, lb: str = "aws_lb.public") -> tuple[str, ...]:
    return (
        "internet",
        lb,
        f"aws_lb_listener.{name}",
        f"aws_lb_target_group.{name}",
        f"aws_instance.{name}",
    )


def test_open_chain(loaded: LoadResult) -> None:
    verdict = chain(loaded, "aws_instance.open")
    assert summary(verdict) == ("OPEN", (22, 22), ("0.0.0.0/0",), path("open"), ())
    assert (verdict.protocol, verdict.unknowns) == ("tcp", ())


def test_internal_lb_closes_the_chain(loaded: LoadResult) -> None:
    verdict = chain(loaded, "aws_instance.behind_internal_lb")
    assert summary(verdict) == (
        "CLOSED",
        (22, 22),
        (),
        path("behind_internal_lb", "aws_lb.internal"),
        ("LB_INTERNAL",),
    )


def test_target_sg_must_admit_the_lb_sg(loaded: LoadResult) -> None:
    verdict = chain(loaded, "aws_instance.sg_refuses_lb")
    assert summary(verdict) == (
        "CLOSED",
        (22, 22),
        (),
        path("sg_refuses_lb"),
        ("TARGET_SG_NO_INGRESS_FROM_LB",),
    )


def test_lb_sg_without_egress(loaded: LoadResult) -> None:
    verdict = chain(loaded, "aws_instance.behind_lb_without_egress")
    assert verdict.blocked_by == ("LB_SG_NO_EGRESS",)
    assert verdict.path == path("behind_lb_without_egress", "aws_lb.no_egress")


def test_target_nacl_denies_the_lb_subnets(loaded: LoadResult) -> None:
    verdict = chain(loaded, "aws_instance.nacl_denies_lb")
    assert verdict.verdict == "CLOSED"
    assert verdict.blocked_by == ("TARGET_NACL_DENY(inbound rule 100)",)


def test_nlb_without_sgs_and_target_cidr_covering_lb_subnets(loaded: LoadResult) -> None:
    verdict = chain(loaded, "aws_instance.behind_nlb")
    assert summary(verdict) == (
        "OPEN",
        (22, 22),
        ("0.0.0.0/0",),
        path("behind_nlb", "aws_lb.nlb"),
        (),
    )


def test_unknown_target_id_is_undetermined() -> None:
    result = load([FIXTURES / "unknown_target"], environ={}, jobs=1, use_cache=False)
    verdict = chain(result, "aws_instance.maybe_the_target")
    assert summary(verdict) == (
        "UNDETERMINED",
        (22, 22),
        ("0.0.0.0/0",),
        (
            "internet",
            "aws_lb.public",
            "aws_lb_listener.http",
            "aws_lb_target_group.ssh",
            "aws_instance.maybe_the_target",
        ),
        (),
    )
    assert verdict.unknowns == (
        "subnet: variable 'subnet_ids' has no value",
        "aws_lb_target_group_attachment.unknown.target_id: variable 'target_id' has no value",
        "the NACL of LB subnet variable 'subnet_ids' has no value toward the target",
    )


def test_rule_reports_only_open_chains_on_sensitive_ports(loaded: LoadResult) -> None:
    rule = next(r for r in load_rules() if r.id == "IAC-AWS-EXPOSURE-005")
    engine = run_rules([rule], loaded.resources, analyze(loaded.graph))
    assert engine.errors == []
    found = {(f.resource, f.status) for f in engine.findings}
    assert found == {
        ("aws_instance.open", "fail"),
        ("aws_instance.behind_nlb", "fail"),
        ("aws_autoscaling_group.asg", "fail"),
        ("aws_autoscaling_group.attached", "fail"),
        ("aws_ecs_service.ecs", "fail"),
        ("unknown_target:aws_instance.maybe_the_target", "undetermined"),
    }


@pytest.mark.parametrize(
    ("node", "listener", "group"),
    [
        ("aws_autoscaling_group.asg", "asg", "asg"),  # target_group_arns
        ("aws_autoscaling_group.attached", "asg", "asg"),  # aws_autoscaling_attachment by name
        ("aws_ecs_service.ecs", "ecs", "ecs"),  # load_balancer block: the container port
    ],
)
def test_targets_registered_without_attachments(
    loaded: LoadResult, node: str, listener: str, group: str
) -> None:
    verdict = chain(loaded, node)
    assert summary(verdict) == (
        "OPEN",
        (22, 22),
        ("0.0.0.0/0",),
        (
            "internet",
            "aws_lb.public",
            f"aws_lb_listener.{listener}",
            f"aws_lb_target_group.{group}",
            node,
        ),
        (),
    )


def test_lb_subnet_nacl_must_let_the_flow_out(loaded: LoadResult) -> None:
    verdict = chain(loaded, "aws_instance.behind_edge_nacl")
    assert summary(verdict) == (
        "CLOSED",
        (22, 22),
        (),
        (
            "internet",
            "aws_lb.edge",
            "aws_lb_listener.edge",
            "aws_lb_target_group.edge",
            "aws_instance.behind_edge_nacl",
        ),
        ("LB_NACL_DENY(outbound rule *)",),
    )
