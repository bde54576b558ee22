"""Hostile file-system input (issue 18): every case is built here in tmp_path (nothing large
in git), scanned through the CLI, and must end in a clean error naming the file while the
good file beside it still reports its finding (exit 1)."""

from __future__ import annotations

import json
import os
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from iacscan.api import load
from iacscan.cache import CACHE_VERSION, ParseCache
from iacscan.cli import main
from iacscan.reading import Limits

GOOD = """resource "aws_ecr_repository_policy" "anyone_pulls" {
  repository = "app"
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = "*", Action = ["ecr:BatchGetImage"] }]
  })
}
"""
GOOD_FINDING = ("IAC-AWS-ECR-001", "aws_ecr_repository_policy.anyone_pulls")
COMPOSE = "services:\n  web:\n    image: ${IMAGE:-nginx}\n    privileged: true\n"
COMPOSE_FINDING = ("IAC-COMPOSE-001", "service.web")
OUTSIDE = 'resource "aws_s3_bucket" "outside_secret" {\n  bucket = "outside"\n}\n'
MODULE_CALL = 'module "o" {\n  source = "%s"\n}\n'


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def scan(tree: Path, *args: str) -> tuple[int, set[tuple[str, str]], list[tuple[str, int, str]]]:
    """Exit code, (rule, resource) findings and (file, line, message) errors of a scan."""
    command = ["scan", str(tree), "--format", "json", "-q", "--path-base", str(tree), *args]
    result = CliRunner().invoke(main, command)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    report = json.loads(result.stdout)
    # with several roots a resource is written ``root:address``
    findings = {(f["rule_id"], f["resource"].split(":")[-1]) for f in report["findings"]}
    errors = [(e["file"], e["line"], e["message"]) for e in report["errors"]]
    return result.exit_code, findings, errors


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The scanned tree (with the good file); ``tmp_path / "outside"`` is not in it."""
    root = tmp_path / "tree"
    write(root / "good" / "main.tf", GOOD)
    return root


def _outside(tree: Path) -> Path:
    write(tree.parent / "outside" / "main.tf", OUTSIDE)
    write(tree.parent / "outside" / "secret.env", "IMAGE=outside-secret-token\n")
    return tree.parent / "outside"


# -- the cases: each builds its hostile thing and returns the errors the scan must report ----
def self_symlink_tf(tree: Path) -> list[tuple[str, int, str]]:
    os.symlink("z.tf", tree / "good" / "z.tf")
    return [("good/z.tf", 0, "symlink loop, not read")]


def fifo_tf(tree: Path) -> list[tuple[str, int, str]]:
    os.mkfifo(tree / "good" / "x.tf")
    return [("good/x.tf", 0, "a FIFO, not read")]


def fifo_tfvars(tree: Path) -> list[tuple[str, int, str]]:
    os.mkfifo(tree / "good" / "terraform.tfvars")
    return [("good/terraform.tfvars", 0, "a FIFO, not read")]


def fifo_plan(tree: Path) -> list[tuple[str, int, str]]:
    (tree / "plans").mkdir()
    os.mkfifo(tree / "plans" / "plan.json")
    return [("plans/plan.json", 0, "a FIFO, not read")]


def fifo_modules_json(tree: Path) -> list[tuple[str, int, str]]:
    write(
        tree / "mod" / "main.tf",
        GOOD.replace("anyone_pulls", "other") + 'module "r" {\n  source = "org/x/aws"\n}\n',
    )
    (tree / "mod" / ".terraform" / "modules").mkdir(parents=True)
    os.mkfifo(tree / "mod" / ".terraform" / "modules" / "modules.json")
    # the uninstalled module itself is a warning (not in errors): see iacscan.notices
    return [("mod/.terraform/modules/modules.json", 0, "a FIFO, not read")]


def device_tf(tree: Path) -> list[tuple[str, int, str]]:
    os.symlink("/dev/zero", tree / "good" / "zero.tf")
    return [("good/zero.tf", 0, "leads through a symlink outside the scanned tree, not read")]


def symlinked_file_outside(tree: Path) -> list[tuple[str, int, str]]:
    os.symlink(_outside(tree) / "main.tf", tree / "good" / "link.tf")
    return [("good/link.tf", 0, "leads through a symlink outside the scanned tree, not read")]


def module_source_outside(tree: Path) -> list[tuple[str, int, str]]:
    _outside(tree)
    write(tree / "caller" / "main.tf", MODULE_CALL % "../../outside")
    return [
        ("../outside", 0, "leads outside the scanned tree, not read"),
        ("caller/main.tf", 1, "module 'o': no configuration in '../../outside'"),
    ]


def symlinked_module_dir_outside(tree: Path) -> list[tuple[str, int, str]]:
    write(tree / "caller" / "main.tf", MODULE_CALL % "./mod")
    os.symlink(_outside(tree), tree / "caller" / "mod")
    return [
        ("caller/main.tf", 1, "module 'o': no configuration in './mod'"),
        ("caller/mod", 0, "leads through a symlink outside the scanned tree, not read"),
    ]


def module_source_symlink_loop(tree: Path) -> list[tuple[str, int, str]]:
    write(tree / "caller" / "main.tf", MODULE_CALL % "./loop")
    os.symlink("loop", tree / "caller" / "loop")
    return [
        ("caller/loop", 0, "symlink loop, not read"),
        ("caller/main.tf", 1, "module 'o': no configuration in './loop'"),
    ]


def modules_json_dir_outside(tree: Path) -> list[tuple[str, int, str]]:
    outside = _outside(tree)
    write(tree / "caller" / "main.tf", MODULE_CALL % "org/x/aws")
    manifest = {"Modules": [{"Key": "o", "Dir": str(outside)}]}
    write(tree / "caller" / ".terraform" / "modules" / "modules.json", json.dumps(manifest))
    return [
        ("../outside", 0, "leads outside the scanned tree, not read"),
        ("caller/main.tf", 1, "module 'o': no configuration in 'org/x/aws'"),
    ]


def modules_json_dir_relative_outside(tree: Path) -> list[tuple[str, int, str]]:
    _outside(tree)
    write(tree / "caller" / "main.tf", MODULE_CALL % "org/x/aws")
    manifest = {"Modules": [{"Key": "o", "Dir": "../../outside"}]}
    write(tree / "caller" / ".terraform" / "modules" / "modules.json", json.dumps(manifest))
    return [
        ("../outside", 0, "leads outside the scanned tree, not read"),
        ("caller/main.tf", 1, "module 'o': no configuration in 'org/x/aws'"),
    ]


def compose_fifo_override(tree: Path) -> list[tuple[str, int, str]]:
    write(tree / "app" / "compose.yaml", COMPOSE)
    os.mkfifo(tree / "app" / "compose.override.yml")
    return [("app/compose.override.yml", 0, "a FIFO, not read")]


def compose_fifo_dotenv(tree: Path) -> list[tuple[str, int, str]]:
    write(tree / "app" / "compose.yaml", COMPOSE)
    os.mkfifo(tree / "app" / ".env")
    return [("app/.env", 0, "a FIFO, not read")]


def compose_dev_zero_dotenv(tree: Path) -> list[tuple[str, int, str]]:
    write(tree / "app" / "compose.yaml", COMPOSE)
    os.symlink("/dev/zero", tree / "app" / ".env")
    return [("app/.env", 0, "leads through a symlink outside the scanned tree, not read")]


def compose_dotenv_outside(tree: Path) -> list[tuple[str, int, str]]:
    write(tree / "app" / "compose.yaml", COMPOSE)
    os.symlink(_outside(tree) / "secret.env", tree / "app" / ".env")
    return [("app/.env", 0, "leads through a symlink outside the scanned tree, not read")]


def compose_include_symlink_loop(tree: Path) -> list[tuple[str, int, str]]:
    write(tree / "app" / "compose.yaml", "include:\n  - loop.yaml\n" + COMPOSE)
    os.symlink("loop.yaml", tree / "app" / "loop.yaml")
    return [("app/compose.yaml", 0, "app/loop.yaml: symlink loop, not read")]


def compose_include_outside(tree: Path) -> list[tuple[str, int, str]]:
    write(_outside(tree) / "compose.yaml", "services:\n  spy:\n    image: x\n")
    write(tree / "app" / "compose.yaml", "include:\n  - ../../outside/compose.yaml\n" + COMPOSE)
    return [
        ("app/compose.yaml", 0, "../outside/compose.yaml: leads outside the scanned tree, not read")
    ]


def compose_scalar_shapes(tree: Path) -> list[tuple[str, int, str]]:
    text = COMPOSE + "    environment: 5\n    networks: net\n    depends_on: b\n"
    write(tree / "app" / "compose.yaml", text + "  b:\n    image: y\n")
    return [
        ("app/compose.yaml", 5, "environment must be a list or a mapping, ignored"),
        ("app/compose.yaml", 6, "networks must be a list or a mapping, ignored"),
        ("app/compose.yaml", 7, "depends_on must be a list or a mapping, ignored"),
    ]


def compose_quoted_suppression(tree: Path) -> list[tuple[str, int, str]]:
    write(tree / "app" / "compose.yaml", COMPOSE + '    command: "x # iacscan:ignore * x"\n')
    return []  # the finding on service.web is still reported (asserted below)


def plan_deep_json(tree: Path) -> list[tuple[str, int, str]]:
    deep = "[" * 100_000 + "]" * 100_000
    plan = '{"format_version": "1.2", "planned_values": {"root_module": {"resources": %s}}}'
    write(tree / "plans" / "plan.json", plan % deep)
    return [("plans/plan.json", 1, "cannot read plan: JSON nested too deeply")]


def plan_module_source_outside(tree: Path) -> list[tuple[str, int, str]]:
    _outside(tree)
    calls = {"o": {"source": "../../outside", "module": {}}}
    plan = {
        "format_version": "1.2",
        "planned_values": {"root_module": {"child_modules": [{"resources": [
            {"address": "module.o.aws_s3_bucket.outside_secret", "mode": "managed",
             "type": "aws_s3_bucket", "name": "outside_secret", "values": {}},
        ]}]}},
        "configuration": {"root_module": {"module_calls": calls}},
    }  # fmt: skip
    write(tree / "planned" / "main.tf", "")
    write(tree / "planned" / "plan.json", json.dumps(plan))
    return [("../../outside", 0, "leads outside the scanned tree, not read")]


CASES: list[Callable[[Path], list[tuple[str, int, str]]]] = [
    self_symlink_tf,
    fifo_tf,
    fifo_tfvars,
    fifo_plan,
    fifo_modules_json,
    device_tf,
    symlinked_file_outside,
    module_source_outside,
    symlinked_module_dir_outside,
    module_source_symlink_loop,
    modules_json_dir_outside,
    modules_json_dir_relative_outside,
    compose_fifo_override,
    compose_fifo_dotenv,
    compose_dev_zero_dotenv,
    compose_dotenv_outside,
    compose_include_symlink_loop,
    compose_include_outside,
    compose_scalar_shapes,
    compose_quoted_suppression,
    plan_deep_json,
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__)
def test_hostile_case_is_a_clean_error_and_the_rest_reports(tree: Path, case) -> None:
    expected = case(tree)
    code, findings, errors = scan(tree, "--no-cache")
    assert code == (2 if expected else 1)  # what was not read keeps the gate red
    assert GOOD_FINDING in findings
    if (tree / "app").exists():
        assert COMPOSE_FINDING in findings  # the project itself still loads
    assert sorted(errors) == sorted(expected)
    assert not any("outside" in address for _, address in findings)


def test_plan_module_source_outside_is_refused(tree: Path) -> None:
    expected = plan_module_source_outside(tree)
    result = load([tree / "planned" / "plan.json"], environ={}, use_cache=False)
    assert [(e.file, e.line, e.message) for e in result.errors] == expected
    located = {r.address: r.location.file for r in result.resources}
    assert located == {"module.o.aws_s3_bucket.outside_secret": "plan.json"}


def test_outside_dotenv_value_never_reaches_the_resources(tree: Path) -> None:
    compose_dotenv_outside(tree)
    result = load([tree], environ={}, use_cache=False)
    web = next(r for r in result.resources if r.address == "service.web")
    assert web.attrs["image"] == "nginx"


def test_size_limits_apply_before_reading(tree: Path) -> None:
    write(tree / "big" / "main.tf", 'locals {\n  s = "' + "a" * 2000 + '"\n}\n')
    write(
        tree / "plans" / "plan.json", '{"format_version": "1.2", "planned_values": {}}' + " " * 3000
    )
    result = load([tree], environ={}, use_cache=False, limits=Limits(source=1000, plan=2000))
    assert [(e.file, e.message) for e in result.errors] == [
        ("big/main.tf", "larger than 1000 bytes, not read"),
        ("plans/plan.json", "larger than 2000 bytes, not read"),
    ]
    assert "good/main.tf" in result.files


def test_named_fifo_is_refused_without_opening_it(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "plan.json")
    result = load([tmp_path / "plan.json"], environ={}, use_cache=False)
    assert [(e.message, e.kind) for e in result.errors] == [("a FIFO, not read", "usage")]


def test_unreadable_directory_is_reported(tree: Path, monkeypatch) -> None:
    blocked = tree / "blocked"
    write(blocked / "main.tf", OUTSIDE)
    real_scandir = os.scandir

    def scandir(path=None):  # what a directory without read permission does (even for root)
        if path is not None and os.fspath(path) == os.fspath(blocked):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path) if path is not None else real_scandir()

    monkeypatch.setattr(os, "scandir", scandir)
    result = load([tree], environ={}, use_cache=False)
    assert [(e.file, e.message) for e in result.errors] == [
        ("blocked", "directory cannot be read (Permission denied), not scanned")
    ]
    assert "good/main.tf" in result.files


def test_plan_sections_of_the_wrong_type_are_reported(tree: Path) -> None:
    shapes = {
        "a": '{"format_version": "1.2", "planned_values": []}',
        "b": '{"format_version": "1.2", "planned_values": {"root_module": []}}',
        "c": '{"format_version": "1.2", "resource_changes": {}}',
        "d": '{"format_version": "1.2", "resource_changes": [{"address": "a.b", "change": []}]}',
        "e": '{"format_version": "1.2", "prior_state": [], "resource_changes": []}',
        "f": '{"format_version": "1.2", "configuration": [], "planned_values": {}}',
    }
    for name, text in shapes.items():
        write(tree / "plans" / f"{name}.json", text)
    code, findings, errors = scan(tree, "--no-cache")
    assert code == 2 and GOOD_FINDING in findings
    assert errors == [
        ("plans/a.json", 1, "plan: planned_values must be an object, ignored"),
        ("plans/b.json", 1, "plan: planned_values.root_module must be an object, ignored"),
        ("plans/c.json", 1, "plan: resource_changes must be a list, ignored"),
        ("plans/e.json", 1, "plan: prior_state must be an object, ignored"),
        ("plans/f.json", 1, "plan: configuration must be an object, ignored"),
    ]


# -- internal errors stay with their file --------------------------------------------------------
def test_internal_error_in_one_terraform_file(tree: Path, monkeypatch) -> None:
    from iacscan.terraform import loader

    write(tree / "broken" / "main.tf", OUTSIDE)
    real = loader.parse_hcl

    def parse(text: str, path: str):
        if path == "broken/main.tf":
            raise ValueError("boom")
        return real(text, path)

    monkeypatch.setattr(loader, "parse_hcl", parse)
    result = load([tree], environ={}, use_cache=False, jobs=1)
    assert [(e.file, e.message, e.kind) for e in result.errors] == [
        ("broken/main.tf", "internal error: ValueError: boom", "internal")
    ]
    assert "aws_ecr_repository_policy.anyone_pulls" in {r.address for r in result.resources}


def test_internal_error_in_one_root_evaluation(tree: Path, monkeypatch) -> None:
    from iacscan.terraform import loader

    write(tree / "broken" / "main.tf", OUTSIDE)
    real = loader.TerraformLoader.evaluate_root

    def evaluate(self, directory):
        if directory.name == "broken":
            raise KeyError("x")
        return real(self, directory)

    monkeypatch.setattr(loader.TerraformLoader, "evaluate_root", evaluate)
    result = load([tree], environ={}, use_cache=False)
    assert [(e.file, e.message, e.kind) for e in result.errors] == [
        ("broken", "internal error: KeyError: 'x'", "internal")
    ]
    assert "aws_ecr_repository_policy.anyone_pulls" in {r.address for r in result.resources}


def test_internal_error_in_one_compose_project(tree: Path, monkeypatch) -> None:
    from iacscan.compose import resources

    write(tree / "app" / "compose.yaml", COMPOSE)
    write(tree / "other" / "compose.yaml", COMPOSE)
    real = resources.project_resources

    def broken(model, root):
        if root == "other":
            raise TypeError("bad")
        return real(model, root)

    monkeypatch.setattr(resources, "project_resources", broken)
    result = load([tree], environ={}, use_cache=False)
    assert [(e.file, e.message, e.kind) for e in result.errors] == [
        ("other/compose.yaml", "internal error: TypeError: bad", "internal")
    ]
    assert {"service.web", "aws_ecr_repository_policy.anyone_pulls"} <= {
        r.address for r in result.resources
    }


def test_internal_error_in_one_plan(tree: Path, monkeypatch) -> None:
    from iacscan.terraform import plan

    write(tree / "plans" / "plan.json", '{"format_version": "1.2", "planned_values": {}}')
    monkeypatch.setattr(plan, "_collect", lambda document: 1 / 0)
    result = load([tree], environ={}, use_cache=False)
    assert [(e.file, e.message, e.kind) for e in result.errors] == [
        ("plans/plan.json", "internal error: ZeroDivisionError: division by zero", "internal")
    ]
    assert "aws_ecr_repository_policy.anyone_pulls" in {r.address for r in result.resources}


# -- the parse cache -------------------------------------------------------------------------------
class _RunsCode:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def _entry(cache: Path, source: Path) -> Path:
    key = ParseCache.key("tf", source.read_bytes())
    path = cache / "iacscan" / CACHE_VERSION / key[:2] / key[2:]
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _cache_scan(tree: Path, cache: Path, monkeypatch) -> tuple[int, set, list]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return scan(tree)


@pytest.mark.parametrize(
    "poison",
    [
        pytest.param(lambda marker: pickle.dumps(_RunsCode(marker)), id="pickle-payload"),
        pytest.param(lambda marker: b"[1, [[18, [], []]], 0, []]", id="empty-body-wrong-root"),
        pytest.param(lambda marker: b'[1, [[4, "x"], [4, "y"]], 1, []]', id="not-a-body"),
        pytest.param(lambda marker: b"[" * 100_000, id="deep-json"),
        pytest.param(lambda marker: b"\xff\xfe garbage", id="garbage"),
    ],
)
def test_poisoned_cache_entry_is_a_miss_and_rewritten(tree, tmp_path, monkeypatch, poison):
    cache = tmp_path / "cache"
    entry = _entry(cache, tree / "good" / "main.tf")
    entry.write_bytes(poison(tmp_path / "PWNED"))
    code, findings, errors = _cache_scan(tree, cache, monkeypatch)
    assert (code, errors) == (1, []) and GOOD_FINDING in findings
    assert not (tmp_path / "PWNED").exists()
    assert entry.read_bytes()[32:].startswith(b"[1,")  # rewritten, signed, data-only


def test_flipped_bytes_in_every_position_never_crash(tree, tmp_path, monkeypatch) -> None:
    cache = tmp_path / "cache"
    _cache_scan(tree, cache, monkeypatch)
    entry = _entry(cache, tree / "good" / "main.tf")
    original = entry.read_bytes()
    for position in range(0, len(original), max(1, len(original) // 40)):
        damaged = bytearray(original)
        damaged[position] ^= 0x5A
        entry.write_bytes(bytes(damaged))
        code, findings, errors = _cache_scan(tree, cache, monkeypatch)
        assert (code, errors) == (1, []) and GOOD_FINDING in findings, position


def test_fifo_planted_as_cache_entry_is_not_opened(tree, tmp_path, monkeypatch) -> None:
    cache = tmp_path / "cache"
    os.mkfifo(_entry(cache, tree / "good" / "main.tf"))
    code, findings, errors = _cache_scan(tree, cache, monkeypatch)
    assert (code, errors) == (1, []) and GOOD_FINDING in findings


def _nested_blocks(depth: int) -> str:
    opening = "".join(f"b{i} {{\n" for i in range(depth))
    return 'resource "null_resource" "deep" {\n' + opening + "}\n" * depth + "}\n"


def test_deep_tree_goes_through_cache_and_process_pool(tree, tmp_path, monkeypatch) -> None:
    for i in range(50):  # above the pool threshold; 95 levels: just under the parser's limit
        write(tree / "deep" / f"f{i}.tf", _nested_blocks(95).replace('"deep"', f'"d{i}"'))
    code, findings, errors = scan(tree, "--no-cache", "--jobs", "2")
    assert (code, errors) == (1, []) and GOOD_FINDING in findings
    for _ in range(2):  # cold (written), then warm (read back)
        code, findings, errors = _cache_scan(tree, tmp_path / "cache", monkeypatch)
        assert (code, errors) == (1, []) and GOOD_FINDING in findings


def test_entry_signed_by_another_key_or_for_another_file_is_a_miss(tree, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    other = write(tree / "other" / "main.tf", OUTSIDE)
    _cache_scan(tree, cache, monkeypatch)
    good, moved = _entry(cache, tree / "good" / "main.tf"), _entry(cache, other)
    good.write_bytes(moved.read_bytes())  # a valid entry of another file under this key
    code, findings, errors = _cache_scan(tree, cache, monkeypatch)
    assert (code, errors) == (1, []) and GOOD_FINDING in findings
    forged = ParseCache(cache / "iacscan", tmp_path / "attacker.key")  # a restored cache
    key = ParseCache.key("tf", (tree / "good" / "main.tf").read_bytes())
    forged.put(key, b"[1,[[18,[],[]]],0,[]]")  # valid data: an empty file
    code, findings, errors = _cache_scan(tree, cache, monkeypatch)
    assert (code, errors) == (1, []) and GOOD_FINDING in findings
    key_file = Path(os.environ["XDG_STATE_HOME"]) / "iacscan" / "cache.key"
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_compose_suppressions_only_in_yaml_comments(tmp_path: Path) -> None:
    from iacscan.compose.project import ProjectReader

    text = (
        "services:\n"
        "  web:  # iacscan:ignore IAC-COMPOSE-001 real comment\n"
        '    command: "a # iacscan:ignore * quoted" # iacscan:ignore X after a value\n'
        "    entrypoint: |\n"
        "      # iacscan:ignore * inside a block scalar\n"
        "    labels: ['# iacscan:ignore * flow']\n"
    )
    write(tmp_path / "compose.yaml", text)
    reader = ProjectReader(tmp_path, {})
    reader.read(tmp_path / "compose.yaml", {})
    assert [(c.line, c.text) for c in reader.comments["compose.yaml"]] == [
        (2, "iacscan:ignore IAC-COMPOSE-001 real comment"),
        (3, "iacscan:ignore X after a value"),
    ]


def test_file_function_never_opens_a_fifo_for_a_blocking_read(tmp_path: Path) -> None:
    """``file()`` reads through the same regular-file check as every other read."""
    write(tmp_path / "main.tf", 'resource "aws_s3_bucket" "b" {\n  bucket = file("pipe")\n}\n')
    os.mkfifo(tmp_path / "pipe")
    result = load([tmp_path], environ={}, use_cache=False)
    assert [(e.file, e.line, e.message) for e in result.errors] == [
        ("main.tf", 2, "bucket: file(): no file exists at 'pipe'")
    ]
