"""Compose reachability: published ports, host-local binds, host network, internal networks,
shared namespaces and service-to-service reach; ``explain`` and inline suppressions."""

from __future__ import annotations

import textwrap
from pathlib import Path

from click.testing import CliRunner

from iacscan.api import LoadResult, load
from iacscan.cli import main
from iacscan.graph.compose_reach import peers, service_exposure
from iacscan.scan import ScanOptions, scan

PROJECT = """\
services:
  web:
    image: nginx:1.27
    ports:
      - "80:80"
      - "127.0.0.1:9000:9000"
      - "[::1]:9001:9001"
      - "0.0.0.0:8443:443/udp"
      - "192.168.1.10:8080:8080"
    networks: [front]
  api:
    image: ghcr.io/acme/api:1.0
    networks: [front, back]
  db:
    image: postgres:16
    ports:
      - "5432:5432"
    networks: [back]
  metrics:
    image: prom/node-exporter:v1.8.0
    network_mode: host
  sidecar:
    image: envoyproxy/envoy:v1.31.0
    network_mode: "service:web"
  lonely:
    image: busybox:1.36
    network_mode: none
networks:
  front:
  back:
    internal: true
"""


def load_project(tmp_path: Path, text: str = PROJECT) -> LoadResult:
    (tmp_path / "compose.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    result = load([tmp_path], environ={}, use_cache=False)
    assert result.errors == []
    return result


def rows(result: LoadResult, node: str) -> list[tuple[int, str, tuple[int, int], str, str]]:
    return [
        (
            v.family,
            v.protocol,
            v.ports,
            v.verdict,
            " -> ".join(v.path) + " | " + ",".join(v.blocked_by),
        )
        for v in service_exposure(result.graph, node)
    ]


def test_published_ports_by_bind_address(tmp_path: Path) -> None:
    result = load_project(tmp_path)
    assert rows(result, "service.web") == [
        (4, "tcp", (80, 80), "OPEN", "internet -> host 0.0.0.0:80 -> service.web:80 | "),
        (
            4,
            "tcp",
            (8080, 8080),
            "RESTRICTED",
            "internet -> host 192.168.1.10:8080 -> service.web:8080 | ",
        ),
        (
            4,
            "tcp",
            (9000, 9000),
            "CLOSED",
            "host 127.0.0.1:9000 -> service.web:9000 | HOST_LOCAL_BIND(127.0.0.1)",
        ),
        (4, "udp", (443, 443), "OPEN", "internet -> host 0.0.0.0:8443 -> service.web:443 | "),
        (6, "tcp", (80, 80), "OPEN", "internet -> host [::]:80 -> service.web:80 | "),
        (
            6,
            "tcp",
            (9001, 9001),
            "CLOSED",
            "host [::1]:9001 -> service.web:9001 | HOST_LOCAL_BIND(::1)",
        ),
    ]


def test_internal_network_only_is_undetermined_not_exposed(tmp_path: Path) -> None:
    result = load_project(tmp_path)
    verdicts = service_exposure(result.graph, "service.db")
    assert [(v.family, v.verdict, v.blocked_by) for v in verdicts] == [
        (4, "UNDETERMINED", ("INTERNAL_NETWORK(network.back)",)),
        (6, "UNDETERMINED", ("INTERNAL_NETWORK(network.back)",)),
    ]
    assert verdicts[0].unknowns == (
        "published port on a service attached only to internal network(s) network.back; "
        "Docker versions differ",
    )


def test_host_network_exposes_every_port_and_namespaces_are_shared(tmp_path: Path) -> None:
    result = load_project(tmp_path)
    assert [
        (v.family, v.protocol, v.ports, v.verdict)
        for v in service_exposure(result.graph, "service.metrics")
    ] == [
        (4, "tcp", (1, 65535), "OPEN"),
        (4, "udp", (1, 65535), "OPEN"),
        (6, "tcp", (1, 65535), "OPEN"),
        (6, "udp", (1, 65535), "OPEN"),
    ]
    sidecar = service_exposure(result.graph, "service.sidecar")
    assert [(v.ports, v.verdict, v.path[-1]) for v in sidecar if v.verdict == "OPEN"] == [
        ((80, 80), "OPEN", "service.sidecar (network_mode: service)"),
        ((443, 443), "OPEN", "service.sidecar (network_mode: service)"),
        ((80, 80), "OPEN", "service.sidecar (network_mode: service)"),
    ]
    assert service_exposure(result.graph, "service.lonely") == []


def test_services_reach_each_other_iff_they_share_a_network(tmp_path: Path) -> None:
    result = load_project(tmp_path)
    assert peers(result.graph, "service.db") == ["service.api"]
    assert peers(result.graph, "service.web") == ["service.api", "service.sidecar"]
    assert peers(result.graph, "service.api") == ["service.db", "service.sidecar", "service.web"]
    assert peers(result.graph, "service.metrics") == []
    edges = sorted((a, b, d["kind"], d["attribute"]) for a, b, d in result.graph.edges(data=True))
    assert edges == [
        ("service.api", "network.back", "on_network", "networks.back"),
        ("service.api", "network.front", "on_network", "networks.front"),
        ("service.db", "network.back", "on_network", "networks.back"),
        ("service.sidecar", "service.web", "shares_network_namespace", "network_mode"),
        ("service.web", "network.front", "on_network", "networks.front"),
    ]


def test_exposure_evidence_has_the_terraform_keys(tmp_path: Path) -> None:
    text = PROJECT.replace("networks: [back]\n  metrics", "networks: [front]\n  metrics")
    (tmp_path / "compose.yaml").write_text(text, encoding="utf-8")
    result = scan([tmp_path], ScanOptions(rules=["IAC-COMPOSE-020"], environ={}, use_cache=False))
    [finding] = result.findings
    assert (finding.resource, finding.location.line, finding.path) == ("service.db", 16, "ports")
    details = dict(finding.details)
    assert {
        k: details[k] for k in ("verdict", "protocol", "ports", "sources", "path", "blocked_by")
    } == {
        "verdict": "OPEN",
        "protocol": "tcp",
        "ports": "5432",
        "sources": ("0.0.0.0/0",),
        "path": ("internet", "host 0.0.0.0:5432", "service.db:5432"),
        "blocked_by": (),
    }
    assert finding.evidence[:3] == ("verdict: OPEN (IPv4)", "protocol: tcp", "ports: 5432")


def test_explain_a_service(tmp_path: Path) -> None:
    load_project(tmp_path)
    output = CliRunner().invoke(main, ["explain", "service.db", str(tmp_path), "--no-cache"])
    assert output.exit_code == 0
    assert output.output.splitlines()[0] == "service.db (compose_service) at compose.yaml:14"
    assert "UNDETERMINED" in output.output
    assert "service.api" in output.output and "network.back" in output.output


def test_inline_suppression_on_a_service(tmp_path: Path) -> None:
    text = """\
        services:
          # iacscan:ignore IAC-COMPOSE-001 the kernel test rig needs it
          rig:
            image: alpine:3.20
            privileged: true
          other:
            image: alpine:3.20
            privileged: true  # iacscan:ignore IAC-COMPOSE-001
    """
    (tmp_path / "compose.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    result = scan([tmp_path], ScanOptions(rules=["IAC-COMPOSE-001"], environ={}, use_cache=False))
    assert [(f.resource, f.location.line) for f in result.suppressed] == [("service.rig", 5)]
    assert [(f.resource, f.location.line) for f in result.findings] == [("service.other", 8)]
    assert [(e.file, e.line, e.kind) for e in result.errors] == [("compose.yaml", 8, "suppression")]


def test_unknowns_make_verdicts_undetermined_with_the_reason(tmp_path: Path) -> None:
    text = """\
        services:
          bind_from_variable:
            image: nginx:1.27
            ports:
              - target: 80
                published: "8080"
                host_ip: ${BIND_IP}
          mode_from_variable:
            image: nginx:1.27
            network_mode: ${MODE}
          on_maybe_internal:
            image: nginx:1.27
            ports: ["80:80"]
            networks: [maybe]
        networks:
          maybe:
            internal: ${INTERNAL}
    """
    result = load_project(tmp_path, text)
    found = {
        node: [(v.verdict, v.ports, v.unknowns) for v in service_exposure(result.graph, node)]
        for node in ("service.bind_from_variable", "service.mode_from_variable")
    }
    assert found == {
        "service.bind_from_variable": [
            ("UNDETERMINED", (80, 80), ("variable BIND_IP is not set",))
        ],
        "service.mode_from_variable": [("UNDETERMINED", (1, 65535), ("variable MODE is not set",))],
    }
    maybe = service_exposure(result.graph, "service.on_maybe_internal")
    assert {(v.verdict, v.unknowns) for v in maybe} == {
        ("UNDETERMINED", ("whether network.maybe is internal is unknown",))
    }
