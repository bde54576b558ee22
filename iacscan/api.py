"""The library API: ``load`` runs discovery, parsing, evaluation and graph building.

Data flows one way: paths -> parsed files -> evaluated resources -> graph. The CLI is a thin
layer over this module; tests and other tools call it directly.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx

from iacscan.cache import ParseCache, Progress, default_cache_dir
from iacscan.compose import load_compose
from iacscan.graph.builder import build_graph
from iacscan.model import Comment, Resource, ScanError
from iacscan.terraform.loader import TerraformLoader, discover
from iacscan.terraform.plan import load_plans

if TYPE_CHECKING:
    from iacscan.aws import AwsSettings


@dataclass
class LoadResult:
    """Everything read from the inputs; ``errors`` lists what could not be read or evaluated."""

    root: Path
    resources: list[Resource]
    graph: nx.MultiDiGraph
    errors: list[ScanError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    roots: list[str] = field(default_factory=list)
    comments: dict[str, tuple[Comment, ...]] = field(default_factory=dict)  # for suppressions


def scan_root(paths: list[Path]) -> Path:
    """The directory that output paths are relative to: the common parent of the inputs."""
    dirs = [str((p if p.is_dir() else p.parent).resolve()) for p in paths]
    return Path(os.path.commonpath(dirs)) if dirs else Path.cwd()


def load(
    paths: Iterable[str | Path],
    *,
    var_files: Iterable[str | Path] = (),
    variables: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    compose_files: Iterable[str | Path] = (),
    profiles: Iterable[str] = (),
    source_dir: str | Path | None = None,
    aws_context: AwsSettings | None = None,
) -> LoadResult:
    """Read Terraform configuration and Compose projects under ``paths`` into resources and
    one resource graph (``environ`` also feeds Compose interpolation; default os.environ).
    Terraform plans (``terraform show -json``) among them are read by content; ``source_dir``
    is where their configuration lives (default: the plan's directory if it has .tf files).
    ``aws_context`` adds the existing AWS infrastructure the inputs point at (iacscan.aws)."""
    path_list = [Path(p) for p in paths] or [Path(".")]
    root = scan_root(path_list)
    errors: list[ScanError] = []
    directories: dict[Path, None] = {}  # ordered set: a path may be named twice
    for path in path_list:
        if not path.exists():
            errors.append(ScanError(str(path), 0, "path does not exist", "usage"))
            continue
        directories.update(dict.fromkeys(discover(path)))
    cache = ParseCache((cache_dir or default_cache_dir()) if use_cache else None)
    workers = jobs if jobs is not None else min(os.cpu_count() or 1, 8)
    loader = TerraformLoader(
        root, cache, workers, [Path(f) for f in var_files], variables, environ, progress
    )
    loaded = loader.load(sorted(directories))
    env = os.environ if environ is None else environ
    loaded.add(load_compose(path_list, root, env, [Path(f) for f in compose_files], profiles))
    loaded.add(load_plans(path_list, root, Path(source_dir) if source_dir else None, cache))
    if aws_context is not None:  # imports boto3 only now
        from iacscan.aws import add_context

        loaded.resources, aws_errors = add_context(loaded.resources, aws_context)
        errors += aws_errors
    resources = sorted(loaded.resources, key=lambda r: (r.root, r.address))
    graph = build_graph(resources)
    all_errors = sorted(set(errors + loaded.errors))
    files, roots, comments = sorted(set(loaded.files)), loaded.roots, loaded.comments
    return LoadResult(root, resources, graph, all_errors, files, roots, comments)
