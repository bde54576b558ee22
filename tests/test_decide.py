"""Selection, suppressions, baseline and exit codes: the one place that decides."""

from __future__ import annotations

from iacscan.decide import (
    decide,
    exit_code,
    parse_suppressions,
    read_baseline,
    select_rules,
    write_baseline,
)
from iacscan.model import Comment, Finding, Location, ScanError
from iacscan.rules.model import Rule

BLOCK = Location("main.tf", 10, 20)


def finding(
    rule_id="IAC-AWS-SG-001",
    severity="high",
    line=12,
    status="fail",
    resource="aws_security_group.web",
):
    return Finding(
        rule_id=rule_id,
        severity=severity,
        title="t",
        message="m",
        resource=resource,
        resource_type="aws_security_group",
        location=Location("main.tf", line, line),
        status=status,
        fingerprint=f"fp-{rule_id}-{line}",
    )


def rule(rule_id):
    return Rule(rule_id, "t", "high", "network", "d", "r", "x.yaml", ("aws_vpc",))


def test_rule_selection_with_globs():
    rules = [rule("IAC-AWS-SG-001"), rule("IAC-AWS-SG-002"), rule("IAC-AWS-NACL-001")]
    assert [r.id for r in select_rules(rules, ["IAC-AWS-SG-*"], ["*-002"])] == ["IAC-AWS-SG-001"]
    assert len(select_rules(rules, [], [])) == 3


def test_suppression_on_the_line_before_or_inside_the_block():
    comments = {
        "main.tf": (
            Comment(9, "# iacscan:ignore IAC-AWS-SG-001 office VPN only"),
            Comment(
                15, "// iacscan:ignore IAC-AWS-SG-002,IAC-AWS-SG-003 legacy, tracked in JIRA-1"
            ),
        )
    }
    findings = [finding(), finding("IAC-AWS-SG-003", line=16), finding("IAC-AWS-SG-004", line=17)]
    decision = decide(findings, {"aws_security_group.web": BLOCK}, comments)
    assert [f.rule_id for f in decision.suppressed] == ["IAC-AWS-SG-001", "IAC-AWS-SG-003"]
    assert [f.rule_id for f in decision.findings] == ["IAC-AWS-SG-004"]


def test_suppression_outside_the_block_does_not_apply():
    comments = {"main.tf": (Comment(3, "# iacscan:ignore IAC-AWS-SG-001 elsewhere"),)}
    decision = decide([finding()], {"aws_security_group.web": BLOCK}, comments)
    assert decision.suppressed == [] and len(decision.findings) == 1


def test_suppression_without_reason_is_reported_and_not_applied():
    suppressions, errors = parse_suppressions(
        {"main.tf": (Comment(11, "# iacscan:ignore IAC-AWS-SG-001"),)}
    )
    assert suppressions == []
    assert errors == [
        ScanError(
            "main.tf",
            11,
            "iacscan:ignore without a reason is not applied; say why after the rule id",
            "suppression",
        )
    ]


def test_json_syntax_comment_suppresses():
    comments = {
        "main.tf": (Comment(12, "iacscan:ignore IAC-AWS-SG-001 public web server by design"),)
    }
    decision = decide([finding()], {"aws_security_group.web": BLOCK}, comments)
    assert len(decision.suppressed) == 1


def test_baseline_round_trip_and_only_new_findings_count(tmp_path):
    path = tmp_path / "baseline.json"
    write_baseline(path, [finding(line=12), finding(line=12)])
    assert (
        path.read_text()
        == '{\n  "version": 1,\n  "fingerprints": [\n    "fp-IAC-AWS-SG-001-12"\n  ]\n}\n'
    )
    baseline = read_baseline(path)
    decision = decide(
        [finding(line=12), finding("IAC-AWS-SG-009", line=13)], {}, {}, baseline=baseline
    )
    assert [f.rule_id for f in decision.baselined] == ["IAC-AWS-SG-001"]
    assert [f.rule_id for f in decision.findings] == ["IAC-AWS-SG-009"]


def test_min_severity_strict_and_exit_codes():
    findings = [
        finding(severity="low", line=11),
        finding("IAC-X-Y-002", "medium", 12, "undetermined"),
    ]
    default = decide(findings, {}, {})
    assert [f.severity for f in default.findings] == ["low"]
    assert [f.rule_id for f in default.undetermined] == ["IAC-X-Y-002"]
    assert exit_code(default.findings, "low") == 1
    assert exit_code(default.findings, "medium") == 0
    strict = decide(findings, {}, {}, strict=True)
    assert exit_code(strict.findings, "medium") == 1
    floor = decide(findings, {}, {}, min_severity="medium")
    assert floor.findings == [] and len(floor.undetermined) == 1
