"""One problem, one finding: IPv4/IPv6 twins merge, a subsumed rule's finding is dropped."""

from __future__ import annotations

from iacscan.model import Finding, Location
from iacscan.rules.dedupe import dedupe


def finding(rule: str, line: int, *evidence: str, status: str = "fail", path: str = "") -> Finding:
    return Finding(
        rule_id=rule,
        severity="high",
        title="t",
        message="m",
        resource="aws_network_acl.edge",
        resource_type="aws_network_acl",
        location=Location("main.tf", line, line),
        status=status,
        path=path,
        evidence=evidence,
        fingerprint=f"fp{line}",
    )


V4 = "ingress entry 100 allows tcp 22-22 from 0.0.0.0/0, not overridden by a lower-numbered entry"
V6 = "ingress entry 101 allows tcp 22-22 from ::/0, not overridden by a lower-numbered entry"


def test_ipv4_and_ipv6_twins_become_one_finding_with_both_evidences():
    merged = dedupe([finding("R-1", 9, V6, path="b"), finding("R-1", 3, V4, path="a")])
    assert [(f.location.line, f.path, f.evidence, f.fingerprint) for f in merged] == [
        (3, "a", (V4, V6), "fp3")
    ]


def test_different_ports_same_family_or_other_status_stay_apart():
    v4_ssh = finding("R-1", 3, V4)
    other_port = finding("R-1", 5, V6.replace("22-22", "3389-3389"))
    both_v4 = finding("R-1", 7, V4.replace("0.0.0.0/0", "1.2.3.0/24"))
    undetermined = finding("R-1", 9, V6, status="undetermined")
    no_cidr = [finding("R-2", 1, "ingress[0].description is not set")]
    no_cidr.append(finding("R-2", 2, "ingress[1].description is not set"))
    assert len(dedupe([v4_ssh, other_port, both_v4, undetermined, *no_cidr])) == 6


def test_public_eks_endpoint_is_one_finding():
    weak = finding("IAC-AWS-EKS-001", 1, "vpc_config[0].endpoint_public_access is unset")
    strong = finding("IAC-AWS-EXPOSURE-004", 1, "verdict: OPEN (IPv4)")
    assert [(f.rule_id, f.evidence[-1]) for f in dedupe([weak, strong])] == [
        ("IAC-AWS-EXPOSURE-004", "also reported by: IAC-AWS-EKS-001")
    ]
    maybe = finding("IAC-AWS-EXPOSURE-004", 1, "verdict: UNDETERMINED", status="undetermined")
    assert [f.rule_id for f in dedupe([weak, maybe])] == ["IAC-AWS-EKS-001", "IAC-AWS-EXPOSURE-004"]
