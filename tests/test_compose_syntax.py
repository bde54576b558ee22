"""Every short and long syntax of ports, volumes, devices, capabilities and security options
becomes one canonical shape."""

from __future__ import annotations

from typing import Any

import pytest

from iacscan.compose.syntax import (
    SyntaxProblem,
    capability,
    parse_device,
    parse_port,
    parse_volume,
    security_option,
)
from iacscan.model.values import Unknown


def port(
    host_ip: str, published: Any, target: Any, protocol: str = "tcp", mode: str = "ingress"
) -> dict[str, Any]:
    pub = published if isinstance(published, tuple) else (published, published)
    tgt = target if isinstance(target, tuple) else (target, target)
    return {
        "host_ip": host_ip,
        "published": pub[0],
        "published_end": pub[1],
        "target": tgt[0],
        "target_end": tgt[1],
        "protocol": protocol,
        "mode": mode,
    }


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("3000", port("", None, 3000)),
        (3000, port("", None, 3000)),
        ("3000-3005", port("", None, (3000, 3005))),
        ("8000:8000", port("", 8000, 8000)),
        ("9090-9091:8080-8081", port("", (9090, 9091), (8080, 8081))),
        ("49100:22", port("", 49100, 22)),
        ("127.0.0.1:8001:8001", port("127.0.0.1", 8001, 8001)),
        ("127.0.0.1:5000-5010:5000-5010", port("127.0.0.1", (5000, 5010), (5000, 5010))),
        ("127.0.0.1::5000", port("127.0.0.1", None, 5000)),
        ("0.0.0.0:80:80", port("0.0.0.0", 80, 80)),
        ("6060:6060/udp", port("", 6060, 6060, "udp")),
        ("[::1]:6001:6001", port("::1", 6001, 6001)),
        ("[::]:53:53/udp", port("::", 53, 53, "udp")),
        ("::1:6001:6001", port("::1", 6001, 6001)),
        (
            {
                "target": 80,
                "published": "8080",
                "host_ip": "127.0.0.1",
                "protocol": "TCP",
                "mode": "host",
            },
            port("127.0.0.1", 8080, 80, mode="host"),
        ),
        ({"target": 443, "published": "8443-8444"}, port("", (8443, 8444), 443)),
        ({"target": 53, "protocol": "udp"}, port("", None, 53, "udp")),
    ],
)
def test_port_syntaxes(written: Any, canonical: dict[str, Any]) -> None:
    assert parse_port(written) == canonical


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("http:80", "invalid port 'http'"),
        ("80:99999", "invalid port range '99999'"),
        ("[::1:80", "invalid port '[::1:80'"),
        ({"published": 80}, "a long-syntax port needs 'target'"),
        ("host:80:80", "invalid host IP 'host' in 'host:80:80'"),
    ],
)
def test_malformed_ports(written: Any, message: str) -> None:
    with pytest.raises(SyntaxProblem) as problem:
        parse_port(written)
    assert str(problem.value) == message


def test_unknown_port_parts_stay_unknown() -> None:
    unknown = Unknown("variable PORT is not set")
    assert parse_port(unknown) is unknown
    assert parse_port({"target": 80, "published": unknown})["published"] is unknown


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("/data", {"type": "volume", "source": None, "target": "/data", "read_only": False}),
        ("data:/data", {"type": "volume", "source": "data", "target": "/data", "read_only": False}),
        (
            "./conf:/etc/app:ro",
            {"type": "bind", "source": "./conf", "target": "/etc/app", "read_only": True},
        ),
        ("~/x:/x:rw,z", {"type": "bind", "source": "~/x", "target": "/x", "read_only": False}),
        (
            "/var/run/../run//docker.sock:/s:ro,Z",
            {"type": "bind", "source": "/var/run/docker.sock", "target": "/s", "read_only": True},
        ),
        (
            "C:\\data:/data",
            {"type": "bind", "source": "C:\\data", "target": "/data", "read_only": False},
        ),
        (
            {"type": "bind", "source": "/etc/", "target": "/host", "read_only": True},
            {"type": "bind", "source": "/etc", "target": "/host", "read_only": True},
        ),
        (
            {"source": "/srv", "target": "/srv"},
            {"type": "bind", "source": "/srv", "target": "/srv", "read_only": False},
        ),
        (
            {"type": "tmpfs", "target": "/tmp"},
            {"type": "tmpfs", "source": None, "target": "/tmp", "read_only": False},
        ),
    ],
)
def test_volume_syntaxes(written: Any, canonical: dict[str, Any]) -> None:
    assert parse_volume(written) == {"propagation": None, **canonical}


def test_bind_propagation_in_both_syntaxes() -> None:
    assert parse_volume("/mnt:/mnt:ro,rshared")["propagation"] == "rshared"
    assert parse_volume("/mnt:/mnt:z")["propagation"] is None
    long = {"type": "bind", "source": "/mnt", "target": "/m", "bind": {"propagation": "slave"}}
    assert parse_volume(long)["propagation"] == "slave"


def test_devices_capabilities_and_security_options() -> None:
    assert parse_device("/dev/ttyUSB0") == {
        "source": "/dev/ttyUSB0",
        "target": "/dev/ttyUSB0",
        "permissions": "rwm",
    }
    assert parse_device("/dev/sda:/dev/xvda:r") == {
        "source": "/dev/sda",
        "target": "/dev/xvda",
        "permissions": "r",
    }
    assert parse_device("nvidia.com/gpu=all")["source"] == "nvidia.com/gpu=all"
    assert [capability(c) for c in ("cap_sys_admin", "NET_ADMIN", " all ")] == [
        "SYS_ADMIN",
        "NET_ADMIN",
        "ALL",
    ]
    assert [
        security_option(o)
        for o in (
            "seccomp:unconfined",
            "apparmor=unconfined",
            "label:disable",
            "no-new-privileges",
            "no-new-privileges:TRUE",
            "label=type:svirt_apache_t",
        )
    ] == [
        "seccomp=unconfined",
        "apparmor=unconfined",
        "label=disable",
        "no-new-privileges=true",
        "no-new-privileges=true",
        "label=type:svirt_apache_t",
    ]
