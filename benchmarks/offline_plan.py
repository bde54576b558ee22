"""A real, offline ``terraform plan`` of a root module, run in place (for fixtures and benchmarks).

``../shared/tools/tfplan`` copies the root directory alone, so ``../`` module sources and
``path.cwd`` (the directory's own name) do not survive; this plans in the directory given (callers
pass a copy) with the same provider settings: the hashicorp/aws filesystem mirror, fake
credentials, no refresh, no network.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

PROVIDER = """
  region                      = "eu-west-1"
  access_key                  = "AKIAIOSFODNN7EXAMPLE"
  secret_key                  = "offline-plan-only"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
"""
MIRROR = Path(os.environ.get("TFPLAN_MIRROR", "/opt/tf-plugins"))


def available() -> bool:
    from shutil import which

    return (
        which("terraform") is not None and (MIRROR / "registry.terraform.io/hashicorp/aws").is_dir()
    )


def plan_in_place(root: Path, out: Path) -> str:
    """Offline plan as ../shared/tools/tfplan makes it (same provider settings); error text."""
    rc = root / ".tfplan.rc"
    rc.write_text(
        f'provider_installation {{\n  filesystem_mirror {{\n    path = "{MIRROR}"\n'
        '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n'
        '  direct { exclude = ["registry.terraform.io/*/*"] }\n}\n'
    )
    texts = [p.read_text(errors="replace") for p in root.glob("*.tf")]
    has_provider = any(re.search(r'^\s*provider\s+"aws"', t, re.M) for t in texts)
    name = "zz_fidelity_override.tf" if has_provider else "zz_fidelity_provider.tf"
    (root / name).write_text(f'provider "aws" {{{PROVIDER}}}\n')
    if not any("required_providers" in t for t in texts):
        (root / "zz_fidelity_versions.tf").write_text(
            'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n'
        )
    env = {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(rc),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
    }
    for command in (
        ["init", "-input=false", "-no-color"],
        ["plan", "-refresh=false", "-input=false", "-no-color", "-out", "tfplan"],
    ):
        done = subprocess.run(
            ["terraform", *command],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
        if done.returncode != 0:
            return done.stdout[-1500:] + done.stderr[-1500:]
    with out.open("w") as handle:
        done = subprocess.run(
            ["terraform", "show", "-json", "tfplan"],
            cwd=root,
            env=env,
            stdout=handle,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    return done.stderr if done.returncode else ""
