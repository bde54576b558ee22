"""Which module directories are evaluated as roots, and the path.* values each root sees."""

from __future__ import annotations

from conftest import FIXTURES, load_fixture

from iacscan.api import load
from iacscan.model import ScanError

REPO = FIXTURES / "terraform/eval/module_repo"


def _by_root(result):
    return sorted((r.root, r.address, r.attrs["name"]) for r in result.resources)


def test_scanned_module_repository_is_a_root_beside_its_examples():
    result = load_fixture("terraform/eval/module_repo")
    assert result.errors == []
    assert result.roots == [".", "examples/simple", "examples/disabled"]
    assert _by_root(result) == [
        (".", "aws_security_group.this", "repo-module_repo"),
        (".", "module.child.aws_security_group.child", "repo-child"),
        ("examples/disabled", "aws_security_group.disabled", "disabled-disabled"),
        ("examples/simple", "module.repo.aws_security_group.this", "ex-simple-simple"),
        ("examples/simple", "module.repo.module.child.aws_security_group.child", "ex-simple-child"),
    ]


def test_node_ids_of_the_named_root_carry_no_prefix():
    result = load_fixture("terraform/eval/module_repo")
    assert sorted(result.graph.nodes) == [
        "aws_security_group.this",
        "examples/disabled:aws_security_group.disabled",
        "examples/simple:module.repo.aws_security_group.this",
        "examples/simple:module.repo.module.child.aws_security_group.child",
        "module.child.aws_security_group.child",
    ]


def test_path_values_follow_terraform():
    def described(result):
        return {r.address: r.attrs["description"] for r in result.resources if r.root == "."}

    assert described(load_fixture("terraform/eval/module_repo")) == {
        "aws_security_group.this": "module . root .",
        "module.child.aws_security_group.child": "child at modules/child",
    }
    # the example reads "../../": the repository must be named too (reads stay inside the
    # paths named on the command line); the example's resources are those of its root
    repo = FIXTURES / "terraform/eval/module_repo"
    example = load([repo / "examples/simple", repo], environ={}, jobs=1)
    assert {
        r.address: r.attrs["description"] for r in example.resources if r.root == "examples/simple"
    } == {
        "module.repo.aws_security_group.this": "module ../.. root .",
        "module.repo.module.child.aws_security_group.child": "child at ../../modules/child",
    }


def test_path_cwd_is_the_absolute_root_directory(tmp_path):
    root = tmp_path / "live"
    root.mkdir()
    (root / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = path.cwd\n}\n')
    (result,) = load_fixture(str(root)).resources  # an absolute path replaces FIXTURES
    assert result.attrs["bucket"] == root.resolve().as_posix()


def test_a_directory_called_only_from_a_root_that_is_not_scanned_is_a_root(tmp_path):
    # prod/ is called (statically) by a sibling with count = 0: evaluated nowhere else.
    (tmp_path / "prod").mkdir()
    (tmp_path / "prod/main.tf").write_text(
        'resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n}\n'
    )
    (tmp_path / "staging").mkdir()
    (tmp_path / "staging/main.tf").write_text(
        'module "x" {\n  source = "../prod"\n  count  = 0\n}\n'
    )
    result = load_fixture(str(tmp_path))
    assert result.errors == []
    assert result.roots == ["staging", "prod"]
    assert [(r.root, r.address) for r in result.resources] == [("prod", "aws_vpc.main")]


def test_a_module_calling_itself_is_an_error_at_the_call():
    result = load_fixture("terraform/eval/self_call")
    assert result.errors == [
        ScanError(
            "main.tf",
            5,
            "module 'again': source './' is its own directory (a module cannot call itself)",
            "module",
        )
    ]
    assert [r.address for r in result.resources] == ["aws_security_group.me"]


def test_a_module_cycle_through_two_directories_is_an_error(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a/main.tf").write_text('module "b" {\n  source = "../b"\n}\n')
    (tmp_path / "b/main.tf").write_text('module "a" {\n  source = "../a"\n}\n')
    # both named (reads stay inside the named paths), so each is a root and meets the cycle
    result = load([tmp_path / "a", tmp_path / "b"], environ={}, jobs=1)
    assert result.errors == [
        ScanError(
            f"{x}/main.tf",
            1,
            f"module {y!r}: source '../{y}' is a module calling it (a module cannot call itself)",
            "module",
        )
        for x, y in (("a", "b"), ("b", "a"))
    ]
