"""Where a module call's configuration comes from: a local directory or one that
``terraform init`` installed (``.terraform/modules/modules.json``); never downloaded.

A module that calls its own directory, or a directory among its callers, would recurse
forever (Terraform refuses it too): that call is an error at its line.
"""

from __future__ import annotations

import os
from pathlib import Path

from iacscan.terraform import ast
from iacscan.terraform.config import Declared, ModuleConfig, Project


def child_config(
    project: Project,
    here: Path,
    callers: tuple[Path, ...],
    key_path: str,
    name: str,
    declared: Declared,
) -> ModuleConfig | None:
    """The configuration a module call names, or None (reported) when it cannot be read."""
    source_attr = declared.block.body.attributes.get("source")
    source = (
        source_attr.expr.value
        if source_attr and isinstance(source_attr.expr, ast.Literal)
        else None
    )
    if not isinstance(source, str):
        project.error(
            declared.file,
            declared.block.line,
            f"module {name!r}: source must be a literal string",
            "module",
        )
        return None
    if source.startswith(("./", "../")):
        # as written: the loader's tree check names a symlink that leads out, or a loop
        target = Path(os.path.normpath(here / source))
    else:
        installed = project.installed_module(key_path)
        if installed is None:
            # One warning per source, not an error: see iacscan.notices.
            project.error(declared.file, declared.block.line, source, "not-installed")
            return None
        target = installed
    real = Path(os.path.realpath(target))  # never raises; a loop stays a loop
    if real in (*callers, here):
        what = "its own directory" if real == here else "a module calling it"
        project.error(
            declared.file,
            declared.block.line,
            f"module {name!r}: source {source!r} is {what} (a module cannot call itself)",
            "module",
        )
        return None
    config = project.load_config(target)
    if config is None:
        project.error(
            declared.file,
            declared.block.line,
            f"module {name!r}: no configuration in {source!r}",
            "module",
        )
    return config
