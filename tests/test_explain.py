"""`iacscan explain`: exact table and JSON output, unknown addresses, non-workloads, roots."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, load_fixture

from iacscan.api import load
from iacscan.cli import main
from iacscan.explain import NOT_A_WORKLOAD, UnknownAddress, explain, render_table, resolve
from iacscan.graph.facts import analyze

ROUTES = str(FIXTURES / "exposure" / "routes")
OPEN_SSH = "aws_instance.open_via_explicit_table"
PATH = (
    "internet",
    "aws_internet_gateway.explicit",
    "aws_route_table.public",
    "aws_subnet.associated",
    "(default network ACL)",
    "aws_security_group.ssh_from_world",
    OPEN_SSH,
)
V6_BLOCKS = ["NO_PUBLIC_ADDRESS", "NO_ROUTE_TO_IGW", "SG_NO_MATCHING_INGRESS"]


def run(*args: str):
    return CliRunner().invoke(main, [*args, "--no-cache"])


def row(family, protocol, ports, verdict, sources=(), path=(), blocked_by=()) -> dict:
    return {
        "family": family,
        "protocol": protocol,
        "ports": list(ports),
        "verdict": verdict,
        "sources": list(sources),
        "path": list(path),
        "blocked_by": list(blocked_by),
        "unknowns": [],
        "assumptions": [],
    }


def test_json_lists_every_row_with_its_path_and_blockers() -> None:
    result = run("explain", OPEN_SSH, ROUTES, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "resource": OPEN_SSH,
        "type": "aws_instance",
        "file": "main.tf",
        "line": 42,
        "workload": True,
        "exposure": [
            row(4, "tcp", (0, 21), "CLOSED", blocked_by=["SG_NO_MATCHING_INGRESS"]),
            row(4, "tcp", (22, 22), "OPEN", ["0.0.0.0/0"], PATH),
            row(4, "tcp", (23, 65535), "CLOSED", blocked_by=["SG_NO_MATCHING_INGRESS"]),
            row(4, "udp", (0, 65535), "CLOSED", blocked_by=["SG_NO_MATCHING_INGRESS"]),
            row(6, "tcp", (0, 65535), "CLOSED", blocked_by=V6_BLOCKS),
            row(6, "udp", (0, 65535), "CLOSED", blocked_by=V6_BLOCKS),
        ],
        "through_load_balancers": [],
        "lateral": [],
        "chain_from_internet": None,
    }


def test_table_is_exact() -> None:
    result = run("explain", OPEN_SSH, ROUTES)
    assert result.exit_code == 0, result.output
    path = " -> ".join(PATH)
    pad = " " * len(path)
    assert result.stdout.splitlines() == [
        f"{OPEN_SSH} (aws_instance) at main.tf:42",
        "",
        f"family    protocol    ports     verdict    sources    path{' ' * (len(path) - 4)}  blocked by",
        f"--------  ----------  --------  ---------  ---------  {'-' * len(path)}  {'-' * 58}",
        f"IPv4      tcp         0-21      CLOSED     -          -{pad[1:]}  SG_NO_MATCHING_INGRESS",
        f"IPv4      tcp         22        OPEN       0.0.0.0/0  {path}  -",
        f"IPv4      tcp         23-65535  CLOSED     -          -{pad[1:]}  SG_NO_MATCHING_INGRESS",
        f"IPv4      udp         0-65535   CLOSED     -          -{pad[1:]}  SG_NO_MATCHING_INGRESS",
        f"IPv6      tcp         0-65535   CLOSED     -          -{pad[1:]}  {', '.join(V6_BLOCKS)}",
        f"IPv6      udp         0-65535   CLOSED     -          -{pad[1:]}  {', '.join(V6_BLOCKS)}",
    ]
    assert result.stderr == ""


def test_output_is_deterministic() -> None:
    first, second = run("explain", OPEN_SSH, ROUTES), run("explain", OPEN_SSH, ROUTES)
    assert first.stdout == second.stdout


def test_unknown_address_exits_2_with_close_matches() -> None:
    result = run("explain", "aws_instance.open_via_explict_table", ROUTES)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(
        "iacscan: no resource 'aws_instance.open_via_explict_table'; did you mean: "
        "aws_instance.open_via_explicit_table, "
    )


def test_unknown_address_without_close_matches() -> None:
    result = run("explain", "google_compute_instance.vm", ROUTES)
    assert result.exit_code == 2
    assert result.stderr == "iacscan: no resource 'google_compute_instance.vm'\n"


def test_non_workload_says_so_in_table_and_json() -> None:
    table = run("explain", "aws_vpc.explicit", ROUTES)
    assert table.exit_code == 0
    assert table.stdout == (
        "aws_vpc.explicit (aws_vpc) at main.tf:14: not a workload the analysis models "
        "(aws_alb, aws_autoscaling_group, aws_db_instance, aws_ecs_service, aws_eks_cluster, "
        "aws_elasticache_cluster, aws_elasticache_replication_group, aws_elasticsearch_domain, "
        "aws_instance, aws_lambda_function, aws_lb, aws_mq_broker, aws_network_interface, "
        "aws_opensearch_domain, aws_rds_cluster_instance, aws_redshift_cluster, "
        "azurerm_linux_virtual_machine, azurerm_linux_virtual_machine_scale_set, "
        "azurerm_virtual_machine, azurerm_windows_virtual_machine, "
        "azurerm_windows_virtual_machine_scale_set, google_compute_instance, "
        "google_compute_instance_template, google_compute_region_instance_template)\n"
    )
    document = json.loads(run("explain", "aws_vpc.explicit", ROUTES, "--format", "json").stdout)
    assert document == {
        "resource": "aws_vpc.explicit",
        "type": "aws_vpc",
        "file": "main.tf",
        "line": 14,
        "workload": False,
        "exposure": [],
        "through_load_balancers": [],
        "lateral": [],
        "chain_from_internet": None,
    }


def test_lateral_flows_and_lb_chains_are_listed_after_the_internet_rows() -> None:
    example = str(FIXTURES / "example")
    lines = run("explain", "aws_db_instance.orders", example).stdout.splitlines()
    tail = lines[lines.index("from other workloads:") :]
    assert tail == [
        "from other workloads:",
        "",
        "from                 protocol    ports    verdict    admitted by",
        "-------------------  ----------  -------  ---------  -----------------------------------",
        "aws_instance.web[0]  tcp         5432     OPEN       aws_security_group_rule.db_from_web",
        "aws_instance.web[1]  tcp         5432     OPEN       aws_security_group_rule.db_from_web",
        "",
        "from the internet over other workloads:",
        "",
        "OPEN: internet -> aws_instance.web[0] -> aws_db_instance.orders",
        "  aws_instance.web[0] -> aws_db_instance.orders: tcp 5432 (OPEN) "
        "via aws_security_group_rule.db_from_web",
    ]
    lb = str(FIXTURES / "exposure" / "lb_chain")
    document = json.loads(run("explain", "aws_ecs_service.ecs", lb, "--format", "json").stdout)
    (chain,) = [v for v in document["through_load_balancers"] if v["family"] == 4]
    assert (chain["verdict"], chain["ports"], chain["path"][1:3]) == (
        "OPEN",
        [22, 22],
        ["aws_lb.public", "aws_lb_listener.ecs"],
    )
    lateral = {(f["source"], f["protocol"]): f["ports"] for f in document["lateral"]}
    assert lateral == {("aws_lb.internal", "tcp"): [[22, 22]], ("aws_lb.public", "tcp"): [[22, 22]]}


def test_undetermined_rows_list_unknowns_and_assumptions_under_the_table() -> None:
    loaded = load_fixture("exposure/unknowns")
    explanation = explain(analyze(loaded.graph), "aws_instance.default_vpc_unknown_source")
    text = render_table(explanation)
    assert "UNDETERMINED" in text
    assert text.endswith(
        "\n\nassumption: ASSUMED_DEFAULT_VPC\n"
        "unknown: aws_security_group.ssh_from_variable.ingress[0]: "
        "a value known only after apply\n"
    )


def test_rows_are_sorted_by_family_protocol_and_ports() -> None:
    explanation = explain(analyze(load_fixture("exposure/routes").graph), OPEN_SSH)
    keys = [(v.family, v.protocol, v.ports) for v in explanation.verdicts]
    assert keys == sorted(keys)
    assert explanation.workload


def test_several_roots_accept_a_bare_address_when_unique() -> None:
    loaded = load_fixture("exposure")  # every case is its own root module
    assert resolve(loaded.graph, OPEN_SSH) == f"routes:{OPEN_SSH}"
    assert resolve(loaded.graph, f"routes:{OPEN_SSH}") == f"routes:{OPEN_SSH}"
    with pytest.raises(UnknownAddress) as error:
        resolve(loaded.graph, "aws_security_group.ssh_from_world")
    assert str(error.value).startswith("several root modules declare")
    assert "routes:aws_security_group.ssh_from_world" in error.value.matches


def test_data_sources_are_not_workloads(tmp_path) -> None:
    (tmp_path / "main.tf").write_text(
        'data "aws_instance" "existing" {\n  instance_id = "i-1"\n}\n'
    )
    graph = load([tmp_path], environ={}, jobs=1, use_cache=False).graph
    explanation = explain(analyze(graph), "data.aws_instance.existing")
    assert explanation.note == NOT_A_WORKLOAD
    assert explanation.verdicts == ()


def test_a_data_store_shows_its_chain_from_the_internet() -> None:
    fixture = str(FIXTURES / "rules" / "IAC-AWS-EXPOSURE-006" / "fail")
    cache = "aws_elasticache_cluster.sessions_reachable_over_app"
    lines = run("explain", cache, fixture).stdout.splitlines()
    assert lines[lines.index("from the internet over other workloads:") :] == [
        "from the internet over other workloads:",
        "",
        f"OPEN: internet -> aws_instance.web -> aws_instance.app -> {cache}",
        "  aws_instance.web -> aws_instance.app: tcp 8080 (OPEN) "
        "via aws_security_group.app.ingress[0]",
        f"  aws_instance.app -> {cache}: tcp 6379 (OPEN) "
        "via aws_security_group.cache_from_vpc.ingress[0]",
    ]
    document = json.loads(run("explain", cache, fixture, "--format", "json").stdout)
    assert document["chain_from_internet"]["path"] == [
        "internet",
        "aws_instance.web",
        "aws_instance.app",
        cache,
    ]
    assert [h["ports"] for h in document["chain_from_internet"]["hops"]] == [
        [[8080, 8080]],
        [[6379, 6379]],
    ]
