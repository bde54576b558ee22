"""Plan files read into the neutral model: addresses, unknowns, secrets, changes, locations.

The fixtures under ``fixtures/plans`` are real plans written by ``terraform show -json``
(Terraform 1.11, AWS provider 5.100) for the configurations next to them, except
``format01.plan.json`` (Terraform 0.12's layout) and ``data_sources.plan.json`` (AWS data
sources cannot be read offline), which are written by hand to the documented format.
"""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import FIXTURES

from iacscan.api import load
from iacscan.model.values import Ref, Unknown
from iacscan.terraform.plan import action, load_plans, read_plan
from iacscan.terraform.plan_discovery import discover_plans, looks_like_plan

PLANS = FIXTURES / "plans"


def plan(name: str, source: str | None = None):
    sources = PLANS / source if source else None
    return load([PLANS / f"{name}.plan.json"], source_dir=sources, use_cache=False)


def by_address(result):
    return {r.address: r for r in result.resources}


def test_nested_modules_and_for_each_give_full_addresses():
    resources = by_address(plan("modules", "modules"))
    sg = resources['module.app["ssh_open_to_world"].module.sg.aws_security_group.this']
    assert sg.module == 'module.app["ssh_open_to_world"].module.sg'
    assert (sg.type, sg.name, sg.mode, sg.index) == ("aws_security_group", "this", "managed", None)
    assert resources["aws_subnet.public[1]"].index == 1
    assert sorted(resources) == [
        "aws_internet_gateway.gw",
        "aws_route_table.public",
        "aws_route_table_association.public[0]",
        "aws_route_table_association.public[1]",
        "aws_subnet.public[0]",
        "aws_subnet.public[1]",
        "aws_vpc.main",
        'module.app["https_open_to_world"].aws_instance.this',
        'module.app["https_open_to_world"].module.sg.aws_security_group.this',
        'module.app["ssh_open_to_world"].aws_instance.this',
        'module.app["ssh_open_to_world"].module.sg.aws_security_group.this',
    ]


def test_unknown_ids_become_refs_through_module_outputs_and_variables():
    resources = by_address(plan("modules", "modules"))
    instance = resources['module.app["ssh_open_to_world"].aws_instance.this']
    # [module.sg.id] inside module.app: the output's expression, in the same app instance
    assert instance.attrs["vpc_security_group_ids"] == [
        Ref('module.app["ssh_open_to_world"].module.sg.aws_security_group.this', "id")
    ]
    # var.subnet_id is the caller's aws_subnet.public[1].id: the index is in the reference
    assert instance.attrs["subnet_id"] == Ref("aws_subnet.public[1]", "id")
    sg = resources['module.app["ssh_open_to_world"].module.sg.aws_security_group.this']
    assert sg.attrs["vpc_id"] == Ref("aws_vpc.main", "id")  # through two module calls


def test_computed_attributes_the_configuration_does_not_set_are_left_out():
    instance = by_address(plan("modules", "modules"))[
        'module.app["ssh_open_to_world"].aws_instance.this'
    ]
    # public_ip, arn, monitoring... are unknown in the plan and unset in the configuration:
    # absent, as in HCL evaluation, so rules read the provider's default the same way.
    assert "public_ip" not in instance.attrs and "monitoring" not in instance.attrs
    assert instance.attrs["metadata_options"][0]["http_tokens"] == "required"
    assert "timeouts" not in instance.attrs  # null is unset


def test_count_index_comes_from_the_source_when_the_plan_does_not_say_it():
    # The configuration lists only "aws_subnet.public" and "count.index" for
    # aws_subnet.public[count.index].id; the source block says how they combine.
    with_sources = by_address(plan("modules", "modules"))
    assert with_sources["aws_route_table_association.public[1]"].attrs["subnet_id"] == Ref(
        "aws_subnet.public[1]", ""
    )
    without = by_address(plan("modules"))["aws_route_table_association.public[1]"]
    value = without.attrs["subnet_id"]
    assert isinstance(value, Unknown)
    assert value.refs == {Ref("aws_subnet.public[0]", ""), Ref("aws_subnet.public[1]", "")}
    assert "the plan does not say which index" in value.reason


def test_changes_deletions_and_replacements():
    result = plan("changes", "changes")
    changes = {r.address: r.change for r in result.resources}
    assert changes == {
        "aws_instance.new_bastion": "create",
        "aws_internet_gateway.gw": "create",
        "aws_route_table.public": "create",
        "aws_route_table_association.public": "create",
        "aws_s3_bucket.logs": "update",
        "aws_security_group.shared_ssh_open_to_world": "no-op",
        "aws_subnet.public": "replace",
        "aws_vpc.main": "no-op",
    }  # legacy_ssh_open_to_world is deleted: not a resource of the planned graph
    assert "aws_security_group.legacy_ssh_open_to_world" not in result.graph


def test_known_ids_of_existing_resources_join_like_refs():
    resources = by_address(plan("changes", "changes"))
    bastion = resources["aws_instance.new_bastion"]
    # the group exists (no-op): its id is known, and equals the referenced group's id
    assert bastion.attrs["vpc_security_group_ids"] == [
        Ref("aws_security_group.shared_ssh_open_to_world", "id")
    ]
    assert resources["aws_security_group.shared_ssh_open_to_world"].attrs["vpc_id"] == Ref(
        "aws_vpc.main", "id"
    )
    assert resources["aws_s3_bucket.logs"].attrs["tags"] == {"Team": "platform"}


def test_sensitive_values_are_masked():
    resources = by_address(plan("sensitive", "sensitive"))
    db = resources["aws_db_instance.publicly_accessible_db"]
    assert db.attrs["password"] == Unknown("sensitive value")
    rule = resources["aws_security_group_rule.ssh_from_secret_range"]
    cidrs = rule.attrs["cidr_blocks"]
    assert cidrs == Unknown("sensitive value") or cidrs == [Unknown("sensitive value")]
    assert "plan-fixture-secret" not in repr([r.attrs for r in resources.values()])


def test_data_sources_from_prior_state_keep_their_values():
    resources = by_address(plan("data_sources", "data_sources"))
    vpc = resources["data.aws_vpc.existing"]
    assert (vpc.mode, vpc.change, vpc.attrs["cidr_block"]) == ("data", "", "10.20.0.0/16")
    assert resources["data.aws_subnet.public"].attrs["map_public_ip_on_launch"] is True
    web = resources["aws_instance.web"]
    assert web.attrs["subnet_id"] == Ref("data.aws_subnet.public", "id")
    assert web.attrs["vpc_security_group_ids"] == [
        Ref("aws_security_group.ssh_open_to_world", "id")
    ]


def test_format_0_1_without_sources_points_at_the_plan_lines():
    result = plan("format01")
    resources = by_address(result)
    assert result.files == ["format01.plan.json"] and result.roots == ["format01.plan.json"]
    sg = resources["aws_security_group.ssh_open_to_world"]
    assert (sg.location.file, sg.location.line) == ("format01.plan.json", 8)
    web = resources["module.web.aws_instance.this[1]"]
    assert (web.location.line, web.module, web.index) == (67, "module.web", 1)
    # Terraform 0.12 references name whole resources: the Ref has no attribute
    assert web.attrs["vpc_security_group_ids"] == [Ref("aws_security_group.ssh_open_to_world", "")]
    assert "aws_s3_bucket.retired_public_bucket" not in resources  # deleted


def test_sources_map_resources_to_their_blocks_and_read_comments():
    result = plan("changes", "changes")
    sg = by_address(result)["aws_security_group.shared_ssh_open_to_world"]
    assert (sg.location.file, sg.location.line, sg.location.end_line) == ("changes/main.tf", 31, 41)
    assert sg.location_of("ingress[0].cidr_blocks").line == 39
    assert "changes/main.tf" in result.files and "changes.plan.json" in result.files
    assert [c.line for c in result.comments["changes/main.tf"]][:4] == [1, 2, 3, 30]


def test_default_source_dir_is_the_plans_directory_when_it_holds_tf_files(tmp_path):
    shutil.copytree(PLANS / "changes", tmp_path / "infra")
    shutil.copy(PLANS / "changes.plan.json", tmp_path / "infra" / "plan.json")
    result = load([tmp_path / "infra" / "plan.json"], use_cache=False)
    bastion = by_address(result)["aws_instance.new_bastion"]
    assert (bastion.location.file, bastion.location.line) == ("main.tf", 43)


def test_action_words():
    assert action(["create"]) == "create"
    assert action(["delete", "create"]) == action(["create", "delete"]) == "replace"
    assert action(["no-op"]) == "no-op" and action(["read"]) == "read"


def test_plans_are_found_by_content_in_directories(tmp_path):
    (tmp_path / "a").mkdir()
    shutil.copy(PLANS / "format01.plan.json", tmp_path / "a" / "out.json")
    (tmp_path / "a" / "package.json").write_text('{"name": "x", "version": "1.0.0"}')
    (tmp_path / "a" / "terraform.tfvars.json").write_text('{"x": 1}')
    (tmp_path / ".hidden").mkdir()
    shutil.copy(PLANS / "format01.plan.json", tmp_path / ".hidden" / "plan.json")
    # Beside its configuration a plan is not picked up by a directory walk (its findings
    # would be reported twice, once per input); named, it is scanned.
    (tmp_path / "b").mkdir()
    shutil.copy(PLANS / "format01.plan.json", tmp_path / "b" / "plan.json")
    (tmp_path / "b" / "main.tf").write_text("")
    assert discover_plans(tmp_path) == [(tmp_path / "a" / "out.json", False)]
    assert discover_plans(tmp_path / "b" / "plan.json") == [(tmp_path / "b" / "plan.json", True)]
    named = tmp_path / "tfplan-output"  # any name when named explicitly
    shutil.copy(PLANS / "format01.plan.json", named)
    assert discover_plans(named) == [(named, True)]
    assert not looks_like_plan(tmp_path / "a" / "package.json")


def test_utf16_plan_from_powershell(tmp_path):
    text = (PLANS / "format01.plan.json").read_text()
    (tmp_path / "plan.json").write_bytes(text.encode("utf-16"))
    assert len(load([tmp_path / "plan.json"], use_cache=False).resources) == 3


@pytest.mark.parametrize(
    ("content", "named", "message"),
    [
        (
            b'{"format_version": "2.0", "planned_values": {}}',
            True,
            "unsupported plan format_version 2.0",
        ),
        (b'{"format_version": "1.0", "values": {}}', True, "not a Terraform plan"),
        (b'{"format_version": "1.0", "values": {}}', False, None),  # a state met in a walk
        (b'{"format_version": "1.0", "planned_values": ', True, "cannot read plan"),
        (b"PK\x03\x04binary", True, "a binary plan: convert it with `terraform show -json"),
    ],
)
def test_what_is_not_a_readable_plan(tmp_path, content, named, message):
    path = tmp_path / "plan.json"
    path.write_bytes(content)
    result = load_plans([path if named else tmp_path], tmp_path, None, None)
    assert result.resources == []
    assert [e.message for e in result.errors if message and message in e.message] == [
        e.message for e in result.errors
    ]
    assert bool(result.errors) is (message is not None)


def test_read_plan_keeps_data_sources_read_at_apply_time():
    document, error = read_plan(PLANS / "data_sources.plan.json")
    assert error is None and document is not None
    assert sorted(document.instances) == [
        "aws_instance.web",
        "aws_security_group.ssh_open_to_world",
        "data.aws_subnet.public",
        "data.aws_vpc.existing",
    ]


def test_committed_plans_are_terraform_output():
    for name in ("modules", "changes", "sensitive"):
        data = json.loads((PLANS / f"{name}.plan.json").read_text())
        assert (data["format_version"], data["terraform_version"][:4]) == ("1.2", "1.11")


def test_modules_installed_by_terraform_init_are_found_through_modules_json(tmp_path):
    infra = tmp_path / "infra"
    shutil.copytree(PLANS / "modules", infra)
    installed = infra / ".terraform" / "modules"
    installed.mkdir(parents=True)
    (infra / "modules" / "app").rename(installed / "app")
    (infra / "modules" / "sg").rename(installed / "sg")  # app calls "../sg"
    manifest = {
        "Modules": [{"Key": "app", "Source": "example/app/aws", "Dir": ".terraform/modules/app"}]
    }
    (installed / "modules.json").write_text(json.dumps(manifest))
    data = json.loads((PLANS / "modules.plan.json").read_text())
    data["configuration"]["root_module"]["module_calls"]["app"]["source"] = "example/app/aws"
    (infra / "plan.json").write_text(json.dumps(data))
    resources = by_address(load([infra / "plan.json"], use_cache=False))
    instance = resources['module.app["ssh_open_to_world"].aws_instance.this']
    sg = resources['module.app["ssh_open_to_world"].module.sg.aws_security_group.this']
    assert (instance.location.file, instance.location.line) == (
        ".terraform/modules/app/main.tf",
        24,
    )
    assert (sg.location.file, sg.location.line) == (".terraform/modules/sg/main.tf", 13)
