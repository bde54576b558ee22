"""Reporters: exact output of every format for one hand-built result, plus format invariants.

Golden files live in ``tests/data/reports/``; after an intended output change, regenerate
them with ``IACSCAN_UPDATE_GOLDEN=1 python -m pytest tests/test_reports.py`` and review the
diff like code.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from iacscan.model import Finding, Location, ScanError
from iacscan.report import REPORTERS, ReportOptions, github, sarif, table
from iacscan.rules.model import Rule
from iacscan.scan import Evaluation, ScanResult

DATA = Path(__file__).resolve().parent / "data"
GOLDEN = DATA / "reports"
UPDATE = os.environ.get("IACSCAN_UPDATE_GOLDEN") == "1"
ROOT = Path("/home/dev/infra")  # absolute on purpose: it must never appear in any output
VERSION = "1.2.3"  # fixed, so goldens do not change with iacscan's own version

DEFAULT = ReportOptions(version=VERSION)
EVERYTHING = ReportOptions(version=VERSION, show_undetermined=True, show_suppressed=True)
VARIANTS = {"default": DEFAULT, "all": EVERYTHING}
EXTENSIONS = {"table": "txt", "json": "json", "sarif": "sarif", "junit": "xml", "github": "txt"}

S3 = Rule(
    id="IAC-AWS-S3-001",
    title="S3 bucket is publicly readable",
    severity="critical",
    category="storage",
    description="A bucket ACL grants read access to everyone on the internet.",
    remediation='Set `acl = "private"` and enable the bucket public access block.',
    source="aws.yaml",
    resource_types=("aws_s3_bucket",),
    references=(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
    ),
    tags=("aws", "s3"),
)
SG = Rule(
    id="IAC-AWS-VPC-002",
    title="Security group allows ingress from the internet",
    severity="high",
    category="network",
    description="An ingress rule accepts traffic from 0.0.0.0/0.",
    remediation="Restrict cidr_blocks to the networks that need access.",
    source="aws.yaml",
    resource_types=("aws_security_group",),
    tags=("aws",),
)
EBS = Rule(  # selected, evaluated, never fails: SARIF must leave it out
    id="IAC-AWS-EBS-001",
    title="EBS volume is not encrypted",
    severity="medium",
    category="encryption",
    description="Data at rest on the volume is unencrypted.",
    remediation="Set encrypted = true.",
    source="aws.yaml",
)


def finding(rule: Rule, resource: str, where: tuple[str, int, int], **extra: Any) -> Finding:
    return Finding(
        rule_id=rule.id,
        severity=rule.severity,
        title=rule.title,
        resource=resource,
        resource_type=resource.split(".", maxsplit=1)[0],
        location=Location(*where),
        remediation=rule.remediation,
        **extra,
    )


NET = "modules/network/main.tf"
LOGS = finding(
    S3,
    "aws_s3_bucket.logs",
    ("storage.tf", 3, 9),
    message='aws_s3_bucket.logs grants public read access (acl = "public-read")',
    path="acl",
    evidence=('acl = "public-read"',),
    fingerprint="3f1c9a0e5b7d2c41",
)
WEB = finding(
    SG,
    "aws_security_group.web",
    (NET, 12, 18),
    message="aws_security_group.web allows port 22 from 0.0.0.0/0",
    path="ingress[0]",
    evidence=('ingress[0].cidr_blocks = ["0.0.0.0/0"]', "ingress[0].from_port = 22"),
    fingerprint="9a2b7c1d0e3f4a5b",
)
DB = finding(
    SG,
    "aws_security_group.db",
    (NET, 30, 41),
    message="aws_security_group.db allows port 5432 from 0.0.0.0/0",
    path="ingress[1]",
    evidence=('ingress[1].cidr_blocks = ["0.0.0.0/0"]', "ingress[1].from_port = 5432"),
    fingerprint="c4d5e6f708192a3b",
)
DATA_BUCKET = finding(
    S3,
    "aws_s3_bucket.data",
    ("storage.tf", 11, 14),
    status="undetermined",
    message="aws_s3_bucket.data: acl is known only after apply (var.acl)",
    path="acl",
    evidence=("acl = var.acl",),
    fingerprint="5e6f7a8b9c0d1e2f",
)
BASTION = finding(
    SG,
    "aws_security_group.bastion",
    (NET, 50, 60),
    message="aws_security_group.bastion allows port 22 from 0.0.0.0/0",
    path="ingress[0]",
    evidence=('ingress[0].cidr_blocks = ["0.0.0.0/0"]',),
    fingerprint="0123456789abcdef",
)
EVALUATIONS = [
    Evaluation(SG.id, "aws_security_group.web", "fail"),
    Evaluation(S3.id, "aws_s3_bucket.logs", "fail"),
    Evaluation(S3.id, "aws_s3_bucket.data", "undetermined"),
    Evaluation(S3.id, "aws_s3_bucket.archive", "pass"),
    Evaluation(SG.id, "aws_security_group.db", "fail"),
    Evaluation(SG.id, "aws_security_group.bastion", "fail"),
    Evaluation(SG.id, "aws_security_group.internal", "pass"),
    Evaluation(EBS.id, "aws_ebs_volume.cache", "pass"),
]


def make_result() -> ScanResult:
    """Lists deliberately out of order: reporters must sort, not trust their input."""
    return ScanResult(
        root=ROOT,
        files=["storage.tf", NET, "broken.tf"],
        resource_count=9,
        rules=[SG, S3, EBS],
        findings=[DB, LOGS, WEB],
        undetermined=[DATA_BUCKET],
        suppressed=[BASTION],
        evaluations=list(EVALUATIONS),
        errors=[ScanError("broken.tf", 7, "unexpected token '}'", "parse")],
    )


def reversed_result() -> ScanResult:
    """The same result with every list in the opposite order."""
    result = make_result()
    for name in ("files", "rules", "findings", "evaluations", "errors"):
        setattr(result, name, list(reversed(getattr(result, name))))
    return result


# --- golden outputs ------------------------------------------------------------------------


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("fmt", sorted(EXTENSIONS))
def test_golden_output(fmt: str, variant: str) -> None:
    text = REPORTERS[fmt](make_result(), VARIANTS[variant])
    golden = GOLDEN / f"{fmt}-{variant}.{EXTENSIONS[fmt]}"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8", newline="\n")
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", sorted(EXTENSIONS))
def test_deterministic_and_order_independent(fmt: str) -> None:
    first = REPORTERS[fmt](make_result(), EVERYTHING)
    assert REPORTERS[fmt](make_result(), EVERYTHING) == first
    assert REPORTERS[fmt](reversed_result(), EVERYTHING) == first


@pytest.mark.parametrize("fmt", sorted(EXTENSIONS))
def test_no_absolute_paths_and_no_colour(fmt: str) -> None:
    text = REPORTERS[fmt](make_result(), EVERYTHING)
    assert str(ROOT) not in text
    assert "\x1b" not in text


def test_registry_and_options() -> None:
    assert set(REPORTERS) == {"table", "json", "sarif", "junit", "github"}
    with pytest.raises(TypeError):
        ReportOptions(True, version=VERSION)  # type: ignore[misc]
    with pytest.raises(TypeError):
        ReportOptions()  # type: ignore[call-arg]


# --- table -----------------------------------------------------------------------------------


def test_table_colour_only_when_asked() -> None:
    coloured = table.render(make_result(), dataclasses.replace(EVERYTHING, color=True))
    assert "\x1b[1;31mcritical\x1b[0m" in coloured
    assert "\x1b[31mhigh\x1b[0m" in coloured
    # Stripping the codes gives back the plain table: colour never shifts the columns.
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == table.render(make_result(), EVERYTHING)


def test_table_no_findings() -> None:
    empty = ScanResult(root=ROOT, files=["main.tf"], resource_count=1, rules=[S3])
    assert table.render(empty, DEFAULT) == (
        "No findings.\n\n0 findings, 0 undetermined, 0 suppressed, 0 errors in 1 file, 1 resource\n"
    )


def test_table_summary_counts_hidden_sections_and_baselined() -> None:
    result = make_result()
    result.baselined = [dataclasses.replace(WEB, resource="aws_security_group.old")]
    assert table.summary_line(result) == (
        "3 findings (1 critical, 2 high), 1 undetermined, 1 suppressed, 1 baselined, 1 error"
        " in 3 files, 9 resources"
    )


# --- json ------------------------------------------------------------------------------------


def test_json_shape() -> None:
    default = json.loads(REPORTERS["json"](make_result(), DEFAULT))
    assert list(default) == ["version", "summary", "findings", "errors", "warnings", "skipped"]
    assert list(default["findings"][0]) == [
        "rule_id", "severity", "title", "message", "resource", "resource_type",
        "file", "line", "end_line", "remediation", "evidence", "fingerprint", "root",
    ]  # fmt: skip
    everything = json.loads(REPORTERS["json"](make_result(), EVERYTHING))
    assert list(everything) == [
        "version",
        "summary",
        "findings",
        "undetermined",
        "suppressed",
        "errors",
        "warnings",
        "skipped",
    ]
    assert [f["resource"] for f in everything["undetermined"]] == ["aws_s3_bucket.data"]
    assert everything["summary"]["by_severity"] == {
        "critical": 1,
        "high": 2,
        "medium": 0,
        "low": 0,
        "info": 0,
    }


# --- sarif -----------------------------------------------------------------------------------

SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
ANNOTATIONS = {"$schema", "title", "description", "default", "format", "definitions"}
ASSERTIONS = {
    "$ref", "type", "enum", "properties", "required", "additionalProperties", "items",
    "minItems", "uniqueItems", "minimum", "maximum", "pattern", "anyOf",
}  # fmt: skip
TYPES: dict[str, Any] = {
    "object": dict, "array": list, "string": str, "boolean": bool,
    "integer": int, "number": (int, float),
}  # fmt: skip


def _type_ok(instance: Any, expected: str) -> bool:
    if isinstance(instance, bool) and expected in {"integer", "number"}:
        return False
    return isinstance(instance, TYPES[expected])


def _object_errors(instance: dict, schema: dict, path: str) -> list[str]:
    errors = [
        f"{path}: missing {key!r}" for key in schema.get("required", []) if key not in instance
    ]
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, value in instance.items():
        if key in properties:
            errors += validate(value, properties[key], f"{path}.{key}")
        elif extra is False:
            errors.append(f"{path}: unexpected property {key!r}")
        elif isinstance(extra, dict):
            errors += validate(value, extra, f"{path}.{key}")
    return errors


def _array_errors(instance: list, schema: dict, path: str) -> list[str]:
    errors = []
    if len(instance) < schema.get("minItems", 0):
        errors.append(f"{path}: fewer than {schema['minItems']} items")
    if schema.get("uniqueItems"):
        encoded = [json.dumps(item, sort_keys=True) for item in instance]
        if len(set(encoded)) != len(encoded):
            errors.append(f"{path}: items are not unique")
    for i, item in enumerate(instance):
        errors += validate(item, schema.get("items", {}), f"{path}[{i}]")
    return errors


def _scalar_errors(instance: Any, schema: dict, path: str) -> list[str]:
    errors = []
    if "enum" in schema and instance not in schema["enum"]:
        errors.append(f"{path}: {instance!r} not in {schema['enum']}")
    numeric = isinstance(instance, (int, float)) and not isinstance(instance, bool)
    if numeric and instance < schema.get("minimum", instance):
        errors.append(f"{path}: {instance} < {schema['minimum']}")
    if numeric and instance > schema.get("maximum", instance):
        errors.append(f"{path}: {instance} > {schema['maximum']}")
    if (
        isinstance(instance, str)
        and "pattern" in schema
        and not re.search(schema["pattern"], instance)
    ):
        errors.append(f"{path}: {instance!r} does not match {schema['pattern']}")
    return errors


def validate(instance: Any, schema: dict, path: str = "$") -> list[str]:
    """A small draft-07 validator for exactly the keywords the SARIF schema file uses.

    Unknown keywords fail loudly, so the schema cannot grow a check this silently ignores.
    """
    unknown = set(schema) - ANNOTATIONS - ASSERTIONS
    assert not unknown, f"validator does not implement {unknown}"
    if "$ref" in schema:
        return validate(instance, SCHEMA["definitions"][schema["$ref"].split("/")[-1]], path)
    expected = schema.get("type")
    if expected is not None and not _type_ok(instance, expected):
        return [f"{path}: expected {expected}, got {type(instance).__name__}"]
    errors = _scalar_errors(instance, schema, path)
    if isinstance(instance, dict):
        errors += _object_errors(instance, schema, path)
    if isinstance(instance, list):
        errors += _array_errors(instance, schema, path)
    if "anyOf" in schema and all(validate(instance, s, path) for s in schema["anyOf"]):
        errors.append(f"{path}: matches none of anyOf")
    return errors


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_sarif_matches_schema(variant: str) -> None:
    document = json.loads(sarif.render(make_result(), VARIANTS[variant]))
    assert validate(document, SCHEMA) == []


def test_schema_validator_rejects_what_github_would() -> None:
    document = json.loads(sarif.render(make_result(), DEFAULT))
    run = document["runs"][0]
    run["results"][0]["level"] = "critical"
    run["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    del run["results"][2]["message"]
    run["tool"]["driver"]["rules"][0]["shortDescription"] = {"markdown": "no text"}
    run["bogus"] = True
    assert validate(document, SCHEMA) == [
        "$.runs[0].tool.driver.rules[0].shortDescription: missing 'text'",
        "$.runs[0].results[0].level: 'critical' not in ['none', 'note', 'warning', 'error']",
        "$.runs[0].results[1].locations[0].physicalLocation.region.startLine: 0 < 1",
        "$.runs[0].results[2]: missing 'message'",
        "$.runs[0]: unexpected property 'bogus'",
    ]


def test_sarif_schema_agrees_with_jsonschema_when_installed() -> None:
    """Cross-check of the hand-written validator; jsonschema is not a dependency."""
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    for options in VARIANTS.values():
        jsonschema.Draft7Validator(SCHEMA).validate(
            json.loads(sarif.render(make_result(), options))
        )


OFFICIAL = json.loads((DATA / "sarif-schema-2.1.0-oasis.json").read_text(encoding="utf-8"))


def official_errors(document: dict) -> list[str]:
    """Violations of the OASIS SARIF 2.1.0 schema (errata 01), as JSON paths and messages."""
    import jsonschema

    validator = jsonschema.Draft4Validator(OFFICIAL)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(document)]


def test_sarif_validates_against_the_official_oasis_schema() -> None:
    assert OFFICIAL["id"].endswith("/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    for options in VARIANTS.values():
        assert official_errors(json.loads(sarif.render(make_result(), options))) == []
    broken = json.loads(sarif.render(make_result(), DEFAULT))
    broken["runs"][0]["results"][0]["level"] = "critical"
    assert official_errors(broken) == [
        "$.runs[0].results[0].level: 'critical' is not one of ['none', 'note', 'warning', 'error']"
    ]


def test_sarif_rules_results_and_levels() -> None:
    run = json.loads(sarif.render(make_result(), DEFAULT))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [S3.id, SG.id]  # EBS has no result
    assert [r["properties"]["security-severity"] for r in rules] == ["9.5", "8.0"]
    assert "security" in rules[0]["properties"]["tags"]
    results = run["results"]
    assert [(r["ruleId"], r["ruleIndex"], r["level"]) for r in results] == [
        (SG.id, 1, "error"),
        (SG.id, 1, "error"),
        (S3.id, 0, "error"),
    ]
    assert not any(r["message"]["text"].startswith("Undetermined: ") for r in results)
    assert {r["partialFingerprints"]["iacscanFingerprint/v1"] for r in results} == {
        WEB.fingerprint,
        DB.fingerprint,
        LOGS.fingerprint,
    }


def test_sarif_undetermined_and_suppressed_when_asked() -> None:
    results = json.loads(sarif.render(make_result(), EVERYTHING))["runs"][0]["results"]
    undetermined = [r for r in results if r["message"]["text"].startswith("Undetermined: ")]
    assert [
        (r["level"], r["locations"][0]["physicalLocation"]["region"]) for r in undetermined
    ] == [("note", {"startLine": 11, "endLine": 14})]
    assert [r["suppressions"] for r in results if "suppressions" in r] == [[{"kind": "inSource"}]]


def test_sarif_uri_is_relative_and_encoded_and_lines_clamped() -> None:
    odd = dataclasses.replace(LOGS, location=Location("dir with space/a%b.tf", 0, 0))
    result = ScanResult(root=ROOT, files=["x"], resource_count=1, rules=[S3], findings=[odd])
    physical = json.loads(sarif.render(result, DEFAULT))["runs"][0]["results"][0]["locations"][0]
    assert physical["physicalLocation"] == {
        "artifactLocation": {"uri": "dir%20with%20space/a%25b.tf", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 1, "endLine": 1},
    }


def test_sarif_describes_a_rule_missing_from_the_result() -> None:
    result = ScanResult(
        root=ROOT, files=["storage.tf"], resource_count=1, rules=[], findings=[LOGS]
    )
    document = json.loads(sarif.render(result, DEFAULT))
    assert validate(document, SCHEMA) == []
    assert document["runs"][0]["tool"]["driver"]["rules"] == [
        {
            "id": S3.id,
            "name": "S3BucketIsPubliclyReadable",
            "shortDescription": {"text": S3.title},
            "fullDescription": {"text": S3.title},
            "help": {"text": S3.remediation, "markdown": S3.remediation},
            "defaultConfiguration": {"level": "error"},
            "properties": {"security-severity": "9.5", "tags": ["security"]},
        }
    ]


@pytest.mark.parametrize(
    ("severity", "sarif_level", "github_level"),
    [
        ("critical", "error", "error"),
        ("high", "error", "error"),
        ("medium", "warning", "warning"),
        ("low", "note", "notice"),
        ("info", "note", "notice"),
    ],
)
def test_levels(severity: str, sarif_level: str, github_level: str) -> None:
    assert sarif.level(severity) == sarif_level
    assert github.LEVELS[severity] == github_level


def test_camel_case() -> None:
    assert sarif.camel_case("S3 bucket is publicly readable") == "S3BucketIsPubliclyReadable"
    assert sarif.camel_case("IMDSv2 not required (EC2)") == "IMDSv2NotRequiredEC2"


# --- junit -----------------------------------------------------------------------------------


def test_junit_parses_back_with_consistent_counts() -> None:
    root = ET.fromstring(REPORTERS["junit"](make_result(), DEFAULT).encode())
    assert root.tag == "testsuites"
    assert {k: root.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "9",
        "failures": "3",
        "errors": "1",
        "skipped": "2",
    }
    assert [s.get("name") for s in root] == [EBS.id, S3.id, SG.id, "scan-errors"]
    for suite in root:
        cases = suite.findall("testcase")
        assert suite.get("tests") == str(len(cases))
        for tag, counter in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            assert suite.get(counter) == str(sum(1 for c in cases if c.find(tag) is not None))
    skipped = [
        c.find("skipped").get("message")
        for c in root.iter("testcase")
        if c.find("skipped") is not None
    ]
    assert skipped == [
        "undetermined: aws_s3_bucket.data: acl is known only after apply (var.acl)",
        "suppressed: aws_security_group.bastion allows port 22 from 0.0.0.0/0",
    ]


def test_junit_escapes_and_drops_characters_xml_cannot_hold() -> None:
    nasty = dataclasses.replace(LOGS, message='<b> & "q"\x00', evidence=("a\x1bb",))
    result = ScanResult(
        root=ROOT,
        files=["storage.tf"],
        resource_count=1,
        rules=[S3],
        findings=[nasty],
        evaluations=[Evaluation(S3.id, LOGS.resource, "fail")],
    )
    failure = ET.fromstring(REPORTERS["junit"](result, DEFAULT).encode()).find(".//failure")
    assert failure is not None
    assert failure.get("message") == '<b> & "q"\ufffd'
    assert failure.get("type") == "critical"
    assert failure.text == "storage.tf:3\n  a\ufffdb"


# --- github ----------------------------------------------------------------------------------


def test_github_escaping() -> None:
    assert github.escape_data("100%\r\ndone: a,b") == "100%25%0D%0Adone: a,b"
    assert github.escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"
    odd = dataclasses.replace(
        WEB,
        title="Open: ports 22, 3389",
        message="50% of rules\nfailed",
        location=Location("dir,x/a:b.tf", 4, 2),
    )
    result = ScanResult(root=ROOT, files=["x"], resource_count=1, rules=[SG], findings=[odd])
    assert github.render(result, DEFAULT) == (
        "::error file=dir%2Cx/a%3Ab.tf,line=4,endLine=4,"
        "title=IAC-AWS-VPC-002 Open%3A ports 22%2C 3389::50%25 of rules%0Afailed\n"
    )


def test_github_error_without_line() -> None:
    result = ScanResult(
        root=ROOT, files=["x.tf"], resource_count=0, rules=[], errors=[ScanError("x.tf", 0, "bad")]
    )
    assert github.render(result, DEFAULT) == "::error file=x.tf,title=iacscan parse error::bad\n"


def test_junit_follows_the_reported_lists_not_raw_evaluations() -> None:
    """--strict keeps an undetermined finding (it fails); a filtered-out one is skipped."""
    strict = dataclasses.replace(DATA_BUCKET)  # still status "undetermined", but kept
    result = ScanResult(
        root=ROOT,
        files=["storage.tf"],
        resource_count=2,
        rules=[S3],
        findings=[strict],
        evaluations=[
            Evaluation(S3.id, "aws_s3_bucket.data", "undetermined"),
            Evaluation(S3.id, "aws_s3_bucket.low", "fail"),  # under --min-severity
        ],
    )
    cases = ET.fromstring(REPORTERS["junit"](result, DEFAULT).encode()).findall(".//testcase")
    assert [(c.get("name"), [(e.tag, e.get("message")) for e in c]) for c in cases] == [
        ("aws_s3_bucket.data", [("failure", DATA_BUCKET.message)]),
        ("aws_s3_bucket.low", [("skipped", "not reported: filtered out by the scan settings")]),
    ]


def test_strict_undetermined_findings_are_failures_that_say_why() -> None:
    result = ScanResult(
        root=ROOT, files=["storage.tf"], resource_count=1, rules=[S3], findings=[DATA_BUCKET]
    )
    (only,) = json.loads(sarif.render(result, DEFAULT))["runs"][0]["results"]
    assert (only["level"], only["message"]["text"]) == (
        "error",
        f"Undetermined: {DATA_BUCKET.message}",
    )
    assert github.render(result, DEFAULT) == (
        "::error file=storage.tf,line=11,endLine=14,title=IAC-AWS-S3-001 S3 bucket is publicly"
        " readable::Undetermined: aws_s3_bucket.data: acl is known only after apply (var.acl)\n"
    )


def test_structured_evidence_becomes_nested_json():
    from iacscan.report.json_report import details_json

    one = (("verdict", "OPEN"), ("path", ("internet", "aws_instance.a")))
    two = (("verdict", "RESTRICTED"), ("path", ()))
    assert details_json((*one, ("other_verdicts", (two,)))) == {
        "verdict": "OPEN",
        "path": ["internet", "aws_instance.a"],
        "other_verdicts": [{"verdict": "RESTRICTED", "path": []}],
    }
