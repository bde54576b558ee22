"""Evaluation of Terraform modules: exact values and addresses for each language feature."""

from __future__ import annotations

from conftest import by_address, load_fixture

from iacscan.model import ScanError
from iacscan.model.values import Ref, Unknown


def network(**kwargs):
    return by_address(load_fixture("terraform/eval/network", **kwargs))


def test_count_expands_with_cidrsubnet_and_count_index():
    resources = network()
    first, second = resources["aws_subnet.public[0]"], resources["aws_subnet.public[1]"]
    assert first.attrs["cidr_block"] == "10.0.0.0/24"
    assert second.attrs["cidr_block"] == "10.0.1.0/24"
    assert first.attrs["availability_zone"] == "eu-west-1a"
    assert (first.attrs["map_public_ip_on_launch"], second.attrs["map_public_ip_on_launch"]) == (
        True,
        False,
    )
    assert first.attrs["vpc_id"] == Ref("aws_vpc.main", "id")
    assert second.index == 1


def test_auto_tfvars_override_terraform_tfvars_which_override_defaults():
    vpc = network()["aws_vpc.main"]
    assert vpc.attrs["tags"] == {"Project": "demo", "Environment": "prod", "Name": "demo-prod-vpc"}
    admin = network()["aws_security_group.admin"]
    assert [i["cidr_blocks"] for i in admin.attrs["ingress"]] == [["198.51.100.0/24"]]


def test_cli_vars_override_var_files_and_environment_sits_below_files(tmp_path):
    var_file = tmp_path / "extra.tfvars"
    var_file.write_text('name = "fromfile"\nenvironment = "fromfile"\n')
    resources = network(
        var_files=[var_file],
        variables={"environment": "cli"},
        environ={"TF_VAR_name": "fromenv", "TF_VAR_vpc_cidr": "10.9.0.0/16"},
    )
    vpc = resources["aws_vpc.main"]
    assert vpc.attrs["tags"]["Name"] == "fromfile-cli-vpc"
    assert vpc.attrs["cidr_block"] == "10.9.0.0/16"


def test_dynamic_block_with_iterator_and_nested_block_lines():
    admin = network()["aws_security_group.admin"]
    assert admin.attrs["ingress"] == [
        {
            "description": "ssh from 198.51.100.0/24",
            "from_port": 22,
            "to_port": 22,
            "protocol": "tcp",
            "cidr_blocks": ["198.51.100.0/24"],
        }
    ]
    assert admin.lines["ingress[0]"] == (67, 73)  # the dynamic block's content
    assert admin.lines["ingress[0].cidr_blocks"] == (72, 72)
    assert admin.lines["egress[0]"] == (76, 81)
    assert (admin.location.line, admin.location.end_line) == (59, 82)
    assert admin.location.file == "main.tf"


def test_module_for_each_addresses_inputs_and_outputs():
    resources = network()
    api = resources['module.service["api"].aws_security_group.this']
    db = resources['module.service["db"].aws_security_group.this']
    assert api.attrs["name"] == "demo-prod-api"
    assert api.attrs["ingress"][0]["cidr_blocks"] == ["0.0.0.0/0"]
    assert db.attrs["ingress"][0]["cidr_blocks"] == ["10.0.0.0/8"]
    assert api.attrs["ingress"][1]["security_groups"] == [Ref("aws_security_group.admin", "id")]
    assert api.attrs["vpc_id"] == Ref("aws_vpc.main", "id")
    assert api.module == 'module.service["api"]'
    assert api.location.file == "modules/service/main.tf"
    nic = resources['module.service["api"].aws_network_interface.this[0]']
    assert nic.attrs["description"] == "demo-prod-api on port 8443"
    assert 'module.service["db"].aws_network_interface.this[0]' not in resources
    bastion = resources["aws_instance.bastion"]
    assert bastion.attrs["vpc_security_group_ids"] == [
        Ref("aws_security_group.admin", "id"),
        Ref('module.service["api"].aws_security_group.this', "id"),
    ]


def test_heredoc_template_with_for_directive():
    bastion = network()["aws_instance.bastion"]
    assert bastion.attrs["user_data"] == (
        '#!/bin/bash\necho "demo-prod" > /etc/motd\n    echo "port 8443"\n    echo "port 5432"\n'
    )


def test_every_expected_address_is_present():
    assert sorted(network()) == [
        "aws_instance.bastion",
        "aws_internet_gateway.gw",
        "aws_route_table.public",
        "aws_route_table_association.public[0]",
        "aws_route_table_association.public[1]",
        "aws_security_group.admin",
        "aws_subnet.public[0]",
        "aws_subnet.public[1]",
        "aws_vpc.main",
        'module.service["api"].aws_network_interface.this[0]',
        'module.service["api"].aws_security_group.this',
        'module.service["db"].aws_security_group.this',
    ]


def test_unset_variables_are_unknown_and_propagate_through_merge():
    result = load_fixture("terraform/eval/unknowns")
    resources = by_address(result)
    sg = resources["aws_security_group.from_variable"]
    assert sg.attrs["ingress"][0]["cidr_blocks"] == [
        Unknown("variable 'allowed_cidr' has no value")
    ]
    assert sg.attrs["tags"] == Unknown("merge() of an unknown value")
    assert sg.attrs["vpc_id"] == Ref("data.aws_vpc.existing", "id")
    assert resources["data.aws_vpc.existing"].attrs == {"default": True}
    assert result.errors == []


def test_unknown_count_keeps_one_instance_flagged():
    resources = by_address(load_fixture("terraform/eval/unknowns"))
    web = resources["aws_instance.unknown_count"]
    assert web.multiplicity_unknown is True
    assert isinstance(web.attrs["tags"]["Name"], Unknown)
    eip = resources["aws_eip.web"]
    assert eip.attrs["instance"] == Ref("aws_instance.unknown_count", "id")
    target = eip.attrs["tags"]["Target"]
    assert isinstance(target, Unknown) and target.refs == frozenset(
        {Ref("aws_instance.unknown_count", "id")}
    )


def test_locals_cycle_is_reported_and_the_rest_still_evaluates():
    result = load_fixture("terraform/eval/locals_cycle")
    bucket = by_address(result)["aws_s3_bucket.uses_cycle"]
    assert bucket.attrs["tags"] == {"Ok": "fine"}
    assert isinstance(bucket.attrs["bucket"], Unknown)
    assert [(e.file, e.line, e.kind) for e in result.errors] == [("main.tf", 8, "eval")]
    assert "cycle: a -> b -> a" in result.errors[0].message


def test_installed_remote_module_is_read_and_missing_one_reported():
    result = load_fixture("terraform/eval/remote_module")
    resources = by_address(result)
    assert resources["module.vpc.aws_subnet.this"].attrs["tags"] == {"Name": "installed"}
    app = resources["aws_instance.app"]
    assert app.attrs["subnet_id"] == Ref("module.vpc.aws_subnet.this", "id")
    assert isinstance(app.attrs["tags"]["Sg"], Unknown)
    assert [(e.file, e.line, e.kind) for e in result.errors] == [("main.tf", 7, "not-installed")]
    assert result.errors[0].message == "git::https://example.com/modules/sg.git"


def test_parse_error_is_reported_and_other_files_load():
    result = load_fixture("terraform/eval/parse_error")
    assert list(by_address(result)) == ["aws_security_group.still_loaded"]
    assert result.errors == [ScanError("broken.tf", 5, "unexpected RBRACE '}'", "parse")]


def test_file_functions_read_inside_the_tree_only():
    result = load_fixture("terraform/eval/files")
    resources = by_address(result)
    policy = resources["aws_iam_policy.from_file"].attrs["policy"]
    assert policy == (
        '{"Statement":[{"Action":"ecr:GetAuthorizationToken","Effect":"Allow","Resource":"*"}],'
        '"Version":"2012-10-17"}'
    )
    assert (
        resources["aws_instance.templated"].attrs["user_data"]
        == "#!/bin/sh\nlisten 8080\nuser a\nuser b\n"
    )
    assert isinstance(resources["aws_s3_object.outside_tree"].attrs["content"], Unknown)
    assert [(e.file, e.line) for e in result.errors] == [("main.tf", 19)]


def test_operators_templates_and_for_expressions():
    value = by_address(load_fixture("terraform/eval/precedence"))["terraform_data.results"].attrs[
        "input"
    ]
    assert value == {
        "arithmetic": 12,
        "grouped": 20,
        "comparison": True,
        "conditional": "yes",
        "negation": True,
        "modulo": 2,
        "nested_cond": "b",
        "escapes": 'tab\there "quoted" ${literal} %{ not a directive }',
        "directive": "two",
        "splat": ["x", "y"],
        "grouping": {"a": ["a1", "a2"], "b": ["b1"]},
        "expanded": 9,
    }


def test_module_count_nested_modules_and_resource_for_each():
    result = load_fixture("terraform/eval/module_count")
    resources = by_address(result)
    assert (
        resources["module.bucket[1].module.policy.aws_iam_policy.read"].attrs["name"]
        == "read-logs-1"
    )
    assert resources['aws_security_group_rule.by_port["ssh"]'].attrs["description"] == "ssh (22)"
    assert resources['aws_iam_user.team["search"]'].attrs["tags"] == {"Team": "search"}
    summary = resources["terraform_data.summary"].attrs["input"]
    assert summary == {
        "first_bucket": "logs-0",
        "all_buckets": ["logs-0", "logs-1"],
        "nested_arn": Ref("module.bucket[1].module.policy.aws_iam_policy.read", "arn"),
        "users": ["payments-bot", "search-bot"],
        "ports": ["22", "443"],
    }
    assert resources["terraform_data.from_json_tfvars"].attrs["input"] == "from-json"
    assert result.errors == []


def test_json_syntax_configuration_evaluates_like_hcl():
    result = load_fixture("terraform/json_syntax")
    resources = by_address(result)
    assert sorted(resources) == ["aws_security_group.web", "aws_subnet.public", "aws_vpc.main"]
    subnet = resources["aws_subnet.public"]
    assert subnet.attrs["vpc_id"] == Ref("aws_vpc.main", "id")
    assert subnet.location.file == "main.tf.json"
    assert result.graph.has_edge("aws_subnet.public", "aws_vpc.main")


def test_comments_reach_the_load_result_for_suppressions(tmp_path):
    (tmp_path / "main.tf").write_text(
        '# iacscan:ignore IAC-AWS-SG-001 office only\nresource "aws_vpc" "v" {}\n'
    )
    result = load_fixture(str(tmp_path))
    assert [(c.line, c.text) for c in result.comments["main.tf"]] == [
        (1, "# iacscan:ignore IAC-AWS-SG-001 office only")
    ]
