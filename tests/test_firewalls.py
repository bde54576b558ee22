"""GCP firewall rules and Azure NSGs: records, first-match evaluation, exposure, explain.

The rule fixtures (tests/test_rules.py) pin which rules fire; these tests pin the semantics
underneath: priority order, deny before allow at equal priority (GCP), both NSG layers
(Azure), the implied and default denies, and undetermined verdicts that name the unknown.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from iacscan.api import load
from iacscan.cli import main
from iacscan.explain import explain, render_table
from iacscan.graph.facts import analyze
from iacscan.graph.firewalls import container
from iacscan.graph.firewalls.evaluate import Candidate, first_match
from iacscan.graph.firewalls.records import all_rules, port_spans
from iacscan.graph.network.sets import INTERNET
from iacscan.model import Location, Resource
from iacscan.model.values import Unknown

RULES = Path(__file__).resolve().parent.parent / "fixtures" / "rules"


def _resource(type_: str, name: str, attrs: dict[str, object]) -> Resource:
    return Resource(f"{type_}.{name}", type_, name, "managed", attrs, Location("main.tf", 1, 1))


def _rows(tree: Path, address: str) -> list[tuple[int, str, str, str, tuple[str, ...]]]:
    loaded = load([tree], use_cache=False)
    node = next(n for n, d in loaded.graph.nodes(data=True) if d["resource"].address == address)
    return [
        (v.family, v.protocol, f"{v.ports[0]}-{v.ports[1]}", v.verdict, v.blocked_by)
        for v in analyze(loaded.graph).exposure(node)
        if v.family == 4 and v.protocol == "tcp"
    ]


# -- records --------------------------------------------------------------------------------------
def test_port_spans_read_both_clouds_forms() -> None:
    assert port_spans(["22", "8000-8080"], "tcp") == [(22, 22), (8000, 8080)]
    assert port_spans(["*"], "tcp") == [(0, 65535)]
    assert port_spans([], "tcp") == [(0, 65535)]  # GCP: no ports means every port
    assert port_spans(["22"], "-1") == [(0, 65535)]  # all protocols: ports do not apply
    assert isinstance(port_spans(["ssh"], "tcp"), Unknown)


def test_azure_sources_and_protocols_are_normalized() -> None:
    nsg = _resource(
        "azurerm_network_security_group",
        "n",
        {
            "security_rule": [
                {
                    "name": "any",
                    "priority": 100,
                    "direction": "Inbound",
                    "access": "Allow",
                    "protocol": "*",
                    "destination_port_range": "*",
                    "source_address_prefix": "Internet",
                },
                {
                    "name": "tagged",
                    "priority": 110,
                    "direction": "Outbound",
                    "access": "Deny",
                    "protocol": "Tcp",
                    "destination_port_ranges": ["22", "3389"],
                    "source_address_prefixes": ["10.0.0.0/8"],
                    "destination_address_prefixes": ["VirtualNetwork", "198.51.100.7"],
                },
            ]
        },
    )
    first, second = all_rules([nsg])
    assert (first.direction, first.action, first.protocol, first.ports) == (
        "ingress",
        "allow",
        "-1",
        [(0, 65535)],
    )
    assert first.cidrs == ["0.0.0.0/0", "::/0"]
    assert (second.direction, second.action, second.protocol) == ("egress", "deny", "tcp")
    # an outbound rule's remote side is its destination
    assert second.cidrs == ["198.51.100.7/32"] and second.source_tags == ["VirtualNetwork"]
    assert [r["from_port"] for r in second.records()] == [22, 3389]  # one record per span


def test_gcp_ingress_rule_without_sources_admits_everyone() -> None:
    firewall = _resource(
        "google_compute_firewall",
        "f",
        {"name": "f", "network": "app", "allow": [{"protocol": "tcp", "ports": ["22"]}]},
    )
    (rule,) = all_rules([firewall])
    assert (rule.priority, rule.cidrs, rule.path) == (1000, ["0.0.0.0/0"], "allow[0]")


# -- first match ------------------------------------------------------------------------------------
def _rule(action: str, priority: object, cidrs: list[object], order: int = 0) -> Candidate:
    firewall = _resource(
        "google_compute_firewall",
        f"{action}{priority}",
        {
            "name": "x",
            "network": "app",
            "priority": priority,
            "source_ranges": cidrs,
            action: [{"protocol": "tcp", "ports": ["22"]}],
        },
    )
    return Candidate(all_rules([firewall])[0], "", order)


def test_lower_priority_number_decides_first() -> None:
    part = first_match(
        [_rule("deny", 1000, ["0.0.0.0/0"]), _rule("allow", 900, ["0.0.0.0/0"], 1)],
        4,
        "tcp",
        (22, 22),
        "IMPLIED",
    )
    assert part.low == part.high == INTERNET[4]
    assert part.path == ("google_compute_firewall.allow900.allow[0]",)


def test_deny_wins_a_tie_and_names_itself() -> None:
    part = first_match(
        [_rule("allow", 1000, ["0.0.0.0/0"], 1), _rule("deny", 1000, ["0.0.0.0/0"], 0)],
        4,
        "tcp",
        (22, 22),
        "IMPLIED",
    )
    assert part.high == () and part.blocks == (
        "FIREWALL_DENY(google_compute_firewall.deny1000.deny[0])",
    )


def test_a_deny_carves_its_range_out_of_a_later_allow() -> None:
    part = first_match(
        [_rule("deny", 100, ["8.0.0.0/8"]), _rule("allow", 200, ["0.0.0.0/0"], 1)],
        4,
        "tcp",
        (22, 22),
        "IMPLIED",
    )
    assert part.low == part.high and (134217728, 150994943) not in part.high
    assert not any(low <= 134217728 <= high for low, high in part.high)


def test_nothing_matching_is_the_implied_deny() -> None:
    part = first_match([_rule("allow", 100, ["10.0.0.0/8"])], 4, "tcp", (22, 22), "IMPLIED")
    assert (part.high, part.blocks) == ((), ("IMPLIED",))


def test_an_unknown_source_leaves_the_cell_undetermined() -> None:
    unknown = Unknown("variable 'admin_cidr' has no value")
    part = first_match([_rule("allow", 100, [unknown])], 4, "tcp", (22, 22), "IMPLIED")
    assert part.low == () and part.high == INTERNET[4]
    assert part.unknowns == (
        "google_compute_firewall.allow100.allow[0]: source variable 'admin_cidr' has no value",
    )


# -- exposure over fixtures ---------------------------------------------------------------------
def test_gcp_priority_scenarios() -> None:
    fail = RULES / "IAC-GCP-EXPOSURE-001" / "fail"
    assert _rows(fail, "google_compute_instance.rdp_allowed_before_deny") == [
        (4, "tcp", "0-3388", "CLOSED", ("FIREWALL_IMPLIED_DENY",)),
        (4, "tcp", "3389-3389", "OPEN", ()),
        (4, "tcp", "3390-65535", "CLOSED", ("FIREWALL_IMPLIED_DENY",)),
    ]
    ok = RULES / "IAC-GCP-EXPOSURE-001" / "pass"
    deny = "FIREWALL_DENY(google_compute_firewall.ssh_deny_1000.deny[0])"
    assert (4, "tcp", "22-22", "CLOSED", (deny,)) in _rows(
        ok, "google_compute_instance.deny_wins_the_tie"
    )
    assert _rows(ok, "google_compute_instance.no_external_ip")[1] == (
        4,
        "tcp",
        "22-22",
        "CLOSED",
        ("NO_EXTERNAL_IP",),
    )


def test_azure_both_layers_and_the_standard_sku() -> None:
    ok = RULES / "IAC-AZURE-EXPOSURE-001" / "pass"
    locked = _rows(ok, "azurerm_linux_virtual_machine.subnet_nsg_denies")
    deny = "FIREWALL_DENY(azurerm_network_security_group.subnet_locked.security_rule[0])"
    assert (4, "tcp", "22-22", "CLOSED", (deny,)) in locked
    assert _rows(ok, "azurerm_linux_virtual_machine.standard_ip_no_nsg") == [
        (4, "tcp", "0-65535", "CLOSED", ("NO_NSG_STANDARD_SKU_CLOSED",))
    ]
    fail = RULES / "IAC-AZURE-EXPOSURE-001" / "fail"
    assert _rows(fail, "azurerm_linux_virtual_machine.basic_ip_no_nsg") == [
        (4, "tcp", "0-65535", "OPEN", ())
    ]


def test_explain_shows_the_path_through_both_clouds() -> None:
    loaded = load([RULES / "IAC-AZURE-EXPOSURE-001" / "fail"], use_cache=False)
    text = render_table(
        explain(analyze(loaded.graph), "azurerm_linux_virtual_machine.ssh_via_nic_nsg")
    )
    assert (
        "internet -> azurerm_public_ip.web_ip -> azurerm_network_interface.web_nic -> "
        "azurerm_network_security_group.ssh_open.security_rule[0] -> "
        "azurerm_linux_virtual_machine.ssh_via_nic_nsg"
    ) in text
    assert "NSG_DENY_ALL_INBOUND(azurerm_network_security_group.ssh_open)" in text


def test_explain_cli_lists_the_unknown_of_an_undetermined_gcp_row() -> None:
    tree = RULES / "IAC-GCP-EXPOSURE-001" / "fail" / "unknowns"
    result = CliRunner().invoke(
        main, ["explain", "google_compute_instance.tags_known_after_apply", str(tree)]
    )
    assert result.exit_code == 0, result.output
    assert "IPv4      tcp         22        UNDETERMINED  0.0.0.0/0" in result.output
    assert (
        "unknown: google_compute_firewall.ssh_to_tagged.allow[0]: target tags are known only "
        "after apply"
    ) in result.output


def test_containers_for_exports(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        textwrap.dedent(
            """
            resource "google_compute_network" "vpc" {
              name                    = "app"
              auto_create_subnetworks = false
            }
            resource "google_compute_subnetwork" "web" {
              name          = "web"
              ip_cidr_range = "10.0.0.0/24"
              network       = google_compute_network.vpc.id
            }
            resource "google_compute_instance" "vm" {
              name         = "vm"
              machine_type = "e2-small"
              network_interface {
                subnetwork = "web"
              }
            }
            """
        )
    )
    loaded = load([tmp_path], use_cache=False)
    by_address = {d["resource"].address: d["resource"] for _, d in loaded.graph.nodes(data=True)}
    facts = analyze(loaded.graph)
    vm, subnet = (
        by_address["google_compute_instance.vm"],
        by_address["google_compute_subnetwork.web"],
    )
    assert container(facts.firewalls(vm), vm) == ("google_compute_subnetwork.web")
    assert container(facts.firewalls(subnet), subnet) == ("google_compute_network.vpc")


@pytest.mark.parametrize("fmt", ["dot", "mermaid"])
def test_exports_draw_vnets_and_subnets_as_boxes(fmt: str) -> None:
    tree = RULES / "IAC-AZURE-EXPOSURE-001" / "fail"
    result = CliRunner().invoke(main, ["graph", str(tree), "--format", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "dot":
        assert 'label="azurerm_subnet.app"; style="rounded"' in result.output
    else:
        assert "subgraph n" in result.output and '["azurerm_virtual_network.main"]' in result.output


def test_gcp_routes_to_the_internet_gateway(tmp_path: Path) -> None:
    ok = RULES / "IAC-GCP-EXPOSURE-001" / "pass"
    assert (4, "tcp", "22-22", "CLOSED", ("NO_ROUTE_TO_INTERNET_GATEWAY",)) in _rows(
        ok, "google_compute_instance.no_route_to_gateway"
    )
    source = (ok / "main.tf").read_text()
    restored = """
resource "google_compute_route" "office_only" {
  name             = "to-office"
  network          = google_compute_network.no_default_route.name
  dest_range       = "203.0.113.0/24"
  next_hop_gateway = "default-internet-gateway"
}
"""
    (tmp_path / "main.tf").write_text(source + restored)
    rows = _rows(tmp_path, "google_compute_instance.no_route_to_gateway")
    assert (4, "tcp", "22-22", "RESTRICTED", ()) in rows


def test_azure_load_balancer_nat_rule_reaches_the_backend_port() -> None:
    fail = RULES / "IAC-AZURE-EXPOSURE-001" / "fail"
    loaded = load([fail], use_cache=False)
    node = "azurerm_linux_virtual_machine.ssh_via_lb_nat_rule"
    (row,) = [v for v in analyze(loaded.graph).exposure(node) if v.verdict == "OPEN"]
    assert (row.protocol, row.ports, row.sources) == ("tcp", (22, 22), ("0.0.0.0/0",))
    assert row.path == (
        "internet",
        "azurerm_lb.public",
        "azurerm_lb_nat_rule.ssh",
        "azurerm_network_interface.nat_nic",
        "azurerm_network_security_group.ssh_open.security_rule[0]",
        node,
    )
    ok = RULES / "IAC-AZURE-EXPOSURE-001" / "pass"
    assert (4, "tcp", "22-22", "CLOSED", ("NO_PUBLIC_IP", "NO_NSG_STANDARD_SKU_CLOSED")) in _rows(
        ok, "azurerm_linux_virtual_machine.standard_lb_without_nsg"
    )


def test_azure_vnet_default_rules_make_lateral_flows() -> None:
    fail = RULES / "IAC-AZURE-EXPOSURE-006" / "fail"
    loaded = load([fail], use_cache=False)
    text = render_table(
        explain(analyze(loaded.graph), "azurerm_linux_virtual_machine.db_open_to_the_vnet")
    )
    assert "from other workloads:" in text
    assert (
        "azurerm_linux_virtual_machine.web  tcp         0-65535  OPEN       (default rules)" in text
    )
    ok = RULES / "IAC-AZURE-EXPOSURE-006" / "pass"
    loaded = load([ok], use_cache=False)
    node = "azurerm_linux_virtual_machine.db_shielded_from_the_vnet"
    assert [f.ports for f in analyze(loaded.graph).firewall_reachers(node)] == []


def test_gcp_lateral_flow_by_source_tag() -> None:
    loaded = load([RULES / "IAC-GCP-EXPOSURE-006" / "fail"], use_cache=False)
    (flow,) = analyze(loaded.graph).firewall_reachers("google_compute_instance.db_reached_from_web")
    assert (flow.source, flow.protocol, flow.ports, flow.sure, flow.via) == (
        "google_compute_instance.web",
        "tcp",
        ((5432, 5432),),
        ((5432, 5432),),
        ("google_compute_firewall.postgres_to_db.allow[0]",),
    )
