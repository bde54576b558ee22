"""The AWS client and its settings: allow-list, pagination, caches, credentials, timeouts,
start-up cost, the package's imports, and the real HTTP path through a loopback moto server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

from aws_support import INSTANCE, REGION, instance, mocked_account, network, verdicts, write  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from iacscan.api import load  # noqa: E402
from iacscan.aws import AwsSettings  # noqa: E402
from iacscan.cli import main  # noqa: E402


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    yield from mocked_account(monkeypatch, tmp_path)


def test_no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # never reached
    root = instance(tmp_path, '"subnet-0123456789abcdef0"', '"sg-0123456789abcdef0"')
    out = CliRunner().invoke(main, ["scan", str(root), "--aws-context", "--no-cache",
                                    "--format", "json", "--show-undetermined"])  # fmt: skip
    reason = "session: no credentials (AWS_PROFILE, environment, shared files or instance role)"
    # what --aws-context could not read keeps the gate red (exit 2, as for unreadable files);
    # the results it would have decided are undetermined, with the reason
    assert out.exit_code == 2
    report = json.loads(out.stdout)
    assert report["errors"] == [{"file": "--aws-context", "line": 0, "message": reason}]
    assert report["findings"] == []
    evidence = report["undetermined"][0]["evidence"]
    assert evidence["unknowns"] == [
        f"subnet: subnet-0123456789abcdef0: {reason}",
        f"security group sg-0123456789abcdef0: {reason}",
    ]


def test_writes_are_refused_before_anything_is_sent(aws: Any) -> None:
    from iacscan.aws.client import ALLOWED, ReadOnlyClient, RefusedOperation

    client = ReadOnlyClient(AwsSettings())
    client.start()
    with pytest.raises(RefusedOperation, match="ec2:RunInstances"):
        client.call("ec2", "RunInstances", ImageId="ami-12345678", MinCount=1, MaxCount=1)
    with pytest.raises(RefusedOperation, match="ec2:DeleteVpc"):
        client.call("ec2", "DeleteVpc", VpcId="vpc-12345678")
    assert client.calls == []
    assert aws.describe_instances()["Reservations"] == []
    assert all(op.startswith(("Describe", "Get", "List")) for _, op in ALLOWED)


def test_paginated_results_are_merged(aws: Any) -> None:
    from iacscan.aws.client import ReadOnlyClient

    vpc = aws.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    for i in range(7):
        aws.create_security_group(GroupName=f"g{i}", Description="g", VpcId=vpc)
    client = ReadOnlyClient(AwsSettings())
    client.start()
    filters = [{"Name": "vpc-id", "Values": [vpc]}]
    response = client.call("ec2", "DescribeSecurityGroups", Filters=filters, MaxResults=5)
    assert len(response["SecurityGroups"]) == 8  # seven and the default group
    client.call("ec2", "DescribeSecurityGroups", Filters=filters, MaxResults=5)
    assert client.calls == ["ec2:DescribeSecurityGroups"]  # the second came from the cache


def test_disk_cache_is_json_and_answers_within_its_ttl(aws: Any, tmp_path: Path) -> None:
    from iacscan.aws.client import ReadOnlyClient

    vpc = aws.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    settings = AwsSettings(cache_dir=tmp_path / "cache", cache_ttl=60)
    first = ReadOnlyClient(settings)
    first.start()
    filters = [{"Name": "vpc-id", "Values": [vpc]}]
    assert first.call("ec2", "DescribeVpcs", Filters=filters)["Vpcs"][0]["VpcId"] == vpc
    files = sorted((tmp_path / "cache").iterdir())
    assert len(files) == 1 and json.loads(files[0].read_text())["response"]["Vpcs"]
    aws.delete_vpc(VpcId=vpc)
    second = ReadOnlyClient(settings)
    second.start()
    assert second.call("ec2", "DescribeVpcs", Filters=filters)["Vpcs"][0]["VpcId"] == vpc
    assert second.calls == ["sts:GetCallerIdentity"]  # the account keys the cache
    stale = ReadOnlyClient(AwsSettings(cache_dir=tmp_path / "cache", cache_ttl=0))
    stale.start()
    assert stale.call("ec2", "DescribeVpcs", Filters=filters)["Vpcs"] == []


def test_without_the_flag_nothing_about_aws_is_imported(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = write(tmp_path / "tf", INSTANCE.format(subnet='"subnet-0123456789abcdef0"',
                                                   sg='"sg-0123456789abcdef0"'))  # fmt: skip
    program = (
        "import sys\n"
        "import iacscan.cli\n"
        "assert not {'boto3', 'botocore', 'iacscan.aws'} & set(sys.modules), 'at import'\n"
        "from click.testing import CliRunner\n"
        f"out = CliRunner().invoke(iacscan.cli.main, ['scan', {str(root)!r}, '--no-cache'])\n"
        "assert out.exit_code == 0, out.output\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))\n"
    )
    command = [sys.executable, "-c", program]
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"


def test_the_aws_package_imports_only_the_model() -> None:
    import ast

    package = Path(__file__).parent.parent / "iacscan" / "aws"
    imported = set()
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    ours = {m for m in imported if m.startswith("iacscan")}
    assert ours and all(m.startswith(("iacscan.model", "iacscan.aws")) for m in ours), ours


def test_a_moto_server_on_loopback_through_the_real_http_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
        ec2 = boto3.client("ec2", region_name=REGION)
        ids = network(ec2)
        root = instance(tmp_path, f'"{ids["subnet"]}"', f'"{ids["sg"]}"')
        out = CliRunner().invoke(main, ["explain", "aws_instance.web", str(root),
                                        "--aws-context", "--aws-region", REGION, "--no-cache",
                                        "--format", "json"])  # fmt: skip
    finally:
        server.stop()
    assert out.exit_code == 0, out.output
    text = out.output
    assert f"aws_security_group.{ids['sg']}" in text and '"OPEN"' in text


def test_a_silent_endpoint_times_out_instead_of_hanging(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import socket

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections, never answers
    try:
        port = listener.getsockname()[1]
        settings = AwsSettings(region=REGION, endpoint_url=f"http://127.0.0.1:{port}",
                               connect_timeout=0.5, read_timeout=0.2)  # fmt: skip
        root = instance(tmp_path, '"subnet-0123456789abcdef0"', '"sg-0123456789abcdef0"')
        result = load([root], aws_context=settings, use_cache=False)
    finally:
        listener.close()
    (error,) = result.errors
    assert (error.file, error.kind) == ("--aws-context", "aws")
    assert error.message.startswith("ec2:DescribeSubnets (subnet-0123456789abcdef0): Read timeout")
    (verdict,) = verdicts(result, "aws_instance.web", 22)
    assert verdict.verdict == "UNDETERMINED"


@pytest.mark.parametrize(
    ("flags", "config", "expected"),
    [
        ({}, None, None),
        ({"aws_context": False}, False, None),
        ({"aws_context": True}, None, AwsSettings()),
        ({}, True, AwsSettings()),
        ({"aws_region": "us-east-1"}, {"profile": "ro"}, AwsSettings(profile="ro", region="us-east-1")),
        ({"aws_context": True, "aws_cache_ttl": 30}, None, "cache"),
    ],
)  # fmt: skip
def test_settings_from_flags_over_the_config_file(flags: Any, config: Any, expected: Any) -> None:
    from iacscan.aws import cache_directory, settings_from

    if expected == "cache":
        expected = AwsSettings(cache_dir=cache_directory(), cache_ttl=30)
    assert settings_from(flags, config) == expected


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("yes", "aws_context must be true, false or a mapping"),
        ({"region": 1}, "aws_context: region must be a string"),
        ({"regoin": "x"}, "aws_context: unknown setting 'regoin' (profile, region, cache_ttl)"),
        ({"cache_ttl": -1}, "aws_context: cache_ttl must be a whole number of seconds"),
    ],
)
def test_bad_aws_settings_are_usage_errors(config: Any, message: str, tmp_path: Path) -> None:
    from iacscan.aws import settings_from

    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        settings_from({}, config)
    (tmp_path / ".iacscan.yml").write_text(json.dumps({"aws_context": config}), "utf-8")
    root = instance(tmp_path, '"subnet-0123456789abcdef0"', '"sg-0123456789abcdef0"')
    out = CliRunner().invoke(main, ["scan", str(root), "--config", str(tmp_path / ".iacscan.yml")])
    assert out.exit_code == 2 and message in out.output


def test_aws_context_in_the_settings_file(aws: Any, tmp_path: Path) -> None:
    ids = network(aws)
    root = instance(tmp_path, f'"{ids["subnet"]}"', f'"{ids["sg"]}"')
    (root / ".iacscan.yml").write_text(f"aws_context:\n  region: {REGION}\n", "utf-8")
    out = CliRunner().invoke(main, ["scan", str(root), "--no-cache", "-q", "--format", "json"])
    assert out.exit_code == 1
    assert [f["rule_id"] for f in json.loads(out.stdout)["findings"]] == ["IAC-AWS-EXPOSURE-001"]


def test_an_expired_token_stops_reading_at_the_first_call(
    aws: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import botocore.exceptions

    from iacscan.aws.client import ReadOnlyClient

    ids = network(aws)
    sent: list[str] = []

    def expired(self: Any, service: str, operation: str, params: Any) -> Any:
        sent.append(operation)
        error = {"Error": {"Code": "ExpiredToken", "Message": "The security token has expired."}}
        raise botocore.exceptions.ClientError(error, operation)

    monkeypatch.setattr(ReadOnlyClient, "_pages", expired)
    arn = "arn:aws:ecr:eu-west-1:123456789012:repository/app"
    root = instance(tmp_path, f'"{ids["subnet"]}"', f'"{ids["sg"]}"')
    (root / "ecr.tf").write_text(f'resource "aws_ssm_parameter" "repo" {{\n  name  = "r"\n'
                                 f'  type  = "String"\n  value = "{arn}"\n}}\n')  # fmt: skip
    result = load([root], aws_context=AwsSettings(), use_cache=False)
    assert sent == ["DescribeSubnets"]
    assert [e.message for e in result.errors] == [
        f"ec2:DescribeSubnets ({ids['subnet']}): ExpiredToken: The security token has expired."
    ]
    (verdict,) = verdicts(result, "aws_instance.web", 22)
    assert verdict.verdict == "UNDETERMINED"
