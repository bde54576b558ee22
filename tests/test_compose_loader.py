"""Compose projects into resources: discovery, override files, extends, include, profiles,
errors with file and line, and the lines findings point at."""

from __future__ import annotations

import textwrap
from pathlib import Path

from iacscan.api import load
from iacscan.model import Location, Resource, ScanError


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def resources(root: Path, environ: dict[str, str] | None = None) -> dict[str, Resource]:
    result = load([root], environ=environ or {}, use_cache=False)
    assert result.errors == []
    return {r.address: r for r in result.resources}


def test_service_network_and_volume_resources(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "compose.yaml": """\
                services:
                  web:
                    image: nginx:1.27
                    networks: [front]
                    volumes:
                      - data:/data
                networks:
                  front:
                    driver: bridge
                volumes:
                  data: {}
            """
        },
    )
    found = resources(tmp_path)
    assert sorted(found) == ["network.front", "service.web", "volume.data"]
    web = found["service.web"]
    assert (web.type, web.name, web.mode, web.root) == ("compose_service", "web", "managed", ".")
    assert web.location == Location("compose.yaml", 2, 6)
    assert web.lines["volumes[0]"] == (6, 6)
    assert found["network.front"].attrs == {"driver": "bridge"}
    assert found["network.front"].location == Location("compose.yaml", 8, 9)
    assert found["volume.data"].type == "compose_volume"


def test_compose_yaml_wins_over_docker_compose_yml_and_override_merges(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "compose.yaml": """\
                services:
                  web:
                    image: nginx:1.27
                    ports:
                      - "80:80"
                    environment:
                      A: "1"
                      B: "2"
                    command: [serve, --port, "80"]
            """,
            "docker-compose.yml": "services:\n  ignored:\n    image: busybox\n",
            "compose.override.yaml": """\
                services:
                  web:
                    ports:
                      - "80:80"
                      - "127.0.0.1:9000:9000"
                    environment:
                      - B=3
                    command: [serve]
                  debug:
                    image: busybox:1.36
            """,
        },
    )
    result = load([tmp_path], environ={}, use_cache=False)
    assert result.files == ["compose.override.yaml", "compose.yaml"]
    found = {r.address: r for r in result.resources}
    assert sorted(found) == ["network.default", "service.debug", "service.web"]
    web = found["service.web"].attrs
    assert [(p["host_ip"], p["published"], p["target"]) for p in web["ports"]] == [
        ("", 80, 80),
        ("127.0.0.1", 9000, 9000),
    ]
    assert web["environment"] == {"A": "1", "B": "3"}
    assert web["command"] == ["serve"]
    # attributes from the override file have no line in the service's own file
    assert found["service.web"].lines["environment.A"] == (7, 7)
    assert "environment.B" not in found["service.web"].lines
    assert found["service.debug"].location == Location("compose.override.yaml", 9, 10)


def test_reset_and_override_tags(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "compose.yaml": """\
                services:
                  web:
                    image: nginx:1.27
                    ports: ["80:80"]
                    environment: {A: "1", B: "2"}
            """,
            "compose.override.yml": """\
                services:
                  web:
                    ports: !reset []
                    environment: !override
                      C: "3"
            """,
        },
    )
    web = resources(tmp_path)["service.web"].attrs
    assert "ports" not in web
    assert web["environment"] == {"C": "3"}


def test_extends_same_file_and_other_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "compose.yaml": """\
                services:
                  base:
                    image: app:1.0
                    cap_add: [NET_ADMIN]
                    environment: {LEVEL: info}
                  web:
                    extends: base
                    environment: {PORT: "80"}
                  worker:
                    extends:
                      file: common/services.yml
                      service: hardened
                    image: app:2.0
            """,
            "common/services.yml": """\
                services:
                  hardened:
                    image: app:0.1
                    read_only: true
                    cap_drop: [ALL]
            """,
        },
    )
    found = resources(tmp_path)
    assert found["service.web"].attrs == {
        "image": "app:1.0",
        "cap_add": ["NET_ADMIN"],
        "environment": {"LEVEL": "info", "PORT": "80"},
    }
    assert found["service.worker"].attrs == {
        "image": "app:2.0",
        "read_only": True,
        "cap_drop": ["ALL"],
    }
    # inherited from the same file keeps its line; from another file, the service line
    assert found["service.web"].location_of("cap_add[0]") == Location("compose.yaml", 4, 4)
    assert found["service.worker"].location_of("read_only") == Location("compose.yaml", 9, 13)
    assert "service.hardened" not in found


def test_circular_extends_is_an_error_and_the_service_still_loads(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "compose.yaml": """\
                services:
                  a:
                    extends: b
                    image: a:1
                  b:
                    extends: a
                    image: b:1
            """
        },
    )
    result = load([tmp_path], environ={}, use_cache=False)
    assert ScanError("compose.yaml", 3, "extends: is circular", "eval") in result.errors
    assert {r.address for r in result.resources} >= {"service.a", "service.b"}


def test_include_adds_services_and_rejects_a_second_definition(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "compose.yaml": """\
                include:
                  - db/compose.yaml
                  - path: [cache.yaml]
                services:
                  web:
                    image: nginx:1.27
            """,
            "db/compose.yaml": "services:\n  db:\n    image: postgres:${PG:-16}\n",
            "db/.env": "PG=15\n",
            "cache.yaml": "services:\n  db:\n    image: other:1\n  cache:\n    image: redis:7.2\n",
        },
    )
    result = load([tmp_path / "compose.yaml"], environ={}, use_cache=False)
    found = {r.address: r for r in result.resources if r.root == "."}
    assert sorted(found) == ["network.default", "service.cache", "service.db", "service.web"]
    assert found["service.db"].attrs["image"] == "postgres:15"  # the included project's .env
    assert found["service.db"].location == Location("db/compose.yaml", 2, 3)
    assert result.errors == [
        ScanError("cache.yaml", 2, "service 'db' is already defined in db/compose.yaml")
    ]


def test_services_with_profiles_are_all_loaded(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "compose.yaml": """\
                services:
                  web:
                    image: nginx:1.27
                  debug:
                    image: busybox:1.36
                    profiles: [debug]
            """
        },
    )
    found = resources(tmp_path)
    assert found["service.debug"].attrs["profiles"] == ["debug"]
    assert "service.web" in found


def test_bad_yaml_is_an_error_with_file_and_line_and_other_projects_load(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "broken/compose.yaml": "services:\n  web:\n    image: [nginx\n  db: {}\n",
            "good/docker-compose.yml": "services:\n  web:\n    image: nginx:1.27\n",
            "main.tf": 'resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n}\n',
        },
    )
    result = load([tmp_path], environ={}, use_cache=False)
    assert [(e.file, e.line) for e in result.errors] == [("broken/compose.yaml", 4)]
    assert result.errors[0].message.startswith("invalid YAML: ")
    addresses = sorted((r.root, r.address) for r in result.resources)
    assert addresses == [
        (".", "aws_vpc.main"),
        ("good", "network.default"),
        ("good", "service.web"),
    ]
    assert result.files == ["good/docker-compose.yml", "main.tf"]


def test_bad_entries_are_errors_with_their_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "compose.yaml": """\
                services:
                  web:
                    image: nginx:1.27
                    ports:
                      - "80:80"
                      - "http:80"
                      - "1:2:3:4"
            """
        },
    )
    result = load([tmp_path], environ={}, use_cache=False)
    assert result.errors == [
        ScanError("compose.yaml", 6, "ports: invalid port 'http'", "eval"),
        ScanError("compose.yaml", 7, "ports: invalid host IP '1:2' in '1:2:3:4'", "eval"),
    ]
    web = next(r for r in result.resources if r.address == "service.web")
    assert [p["target"] for p in web.attrs["ports"]] == [80]


def test_a_compose_file_named_explicitly_is_a_project(tmp_path: Path) -> None:
    write(tmp_path, {"docker-compose.prod.yml": "services:\n  api:\n    image: api:1\n"})
    assert sorted(resources(tmp_path / "docker-compose.prod.yml")) == [
        "network.default",
        "service.api",
    ]
    # Not a default name: a directory scan does not read it, and says it found nothing.
    unread = load([tmp_path], environ={}, use_cache=False)
    assert unread.resources == []
    assert [(e.message, e.kind) for e in unread.errors] == [
        (f"no Terraform, plan or Compose files under {tmp_path}", "usage")
    ]


def test_depends_on_gives_graph_edges(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "compose.yaml": """\
                services:
                  web:
                    image: nginx:1.27
                    depends_on:
                      db:
                        condition: service_healthy
                  db:
                    image: postgres:16
            """
        },
    )
    result = load([tmp_path], environ={}, use_cache=False)
    edges = sorted((a, b, d["kind"]) for a, b, d in result.graph.edges(data=True))
    assert edges == [
        ("service.db", "network.default", "on_network"),
        ("service.web", "network.default", "on_network"),
        ("service.web", "service.db", "depends_on"),
    ]


def test_malformed_sections_are_errors_and_empty_services_load(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a/compose.yaml": "services: [web]\n",
            "b/compose.yaml": "services:\n  web:\n  db: postgres\n",
            "c/compose.yaml": "- services\n",
        },
    )
    result = load([tmp_path], environ={}, use_cache=False)
    assert result.errors == [
        ScanError("a/compose.yaml", 1, "services must be a mapping"),
        ScanError("b/compose.yaml", 3, "service 'db' must be a mapping"),
        ScanError("c/compose.yaml", 1, "a compose file must be a mapping"),
    ]
    found = {(r.root, r.address): r for r in result.resources}
    assert sorted(found) == [("b", "network.default"), ("b", "service.db"), ("b", "service.web")]
    assert found[("b", "service.web")].location == Location("b/compose.yaml", 2, 2)
    assert found[("b", "service.web")].attrs == {}


def test_profile_selection_keeps_unprofiled_and_selected_services(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "compose.yaml": """\
                services:
                  web:
                    image: nginx:1.27
                  debug:
                    image: busybox:1.36
                    profiles: [debug]
                  seed:
                    image: busybox:1.36
                    profiles: [setup]
            """
        },
    )

    def services(*profiles: str) -> list[str]:
        result = load([tmp_path], environ={}, use_cache=False, profiles=profiles)
        return sorted(r.address for r in result.resources if r.type == "compose_service")

    assert services() == ["service.debug", "service.seed", "service.web"]
    assert services("debug") == ["service.debug", "service.web"]
    assert services("debug", "setup") == ["service.debug", "service.seed", "service.web"]


def test_compose_files_form_one_project_in_the_order_given(tmp_path: Path) -> None:
    """``-f base.yml -f prod.yml``: prod overrides base, and discovery's compose.yaml of
    the same directory is not read."""
    write(
        tmp_path,
        {
            "compose.yaml": "services:\n  other:\n    image: busybox:1.36\n",
            "base.yml": "services:\n  web:\n    image: nginx:1.26\n    user: app\n",
            "prod.yml": "services:\n  web:\n    image: nginx:1.27\n",
        },
    )
    files = [tmp_path / "base.yml", tmp_path / "prod.yml"]
    result = load([tmp_path], environ={}, use_cache=False, compose_files=files)
    assert result.errors == []
    found = {r.address: r for r in result.resources if r.type == "compose_service"}
    assert sorted(found) == ["service.web"]
    assert found["service.web"].attrs["image"] == "nginx:1.27"
    assert found["service.web"].attrs["user"] == "app"
    assert found["service.web"].location.file == "base.yml"
