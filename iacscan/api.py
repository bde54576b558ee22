"""The library API: ``load`` runs discovery, parsing, evaluation and graph building.

Data flows one way: paths -> parsed files -> evaluated resources -> graph. The CLI is a thin
layer over this module; tests and other tools call it directly.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from iacscan.cache import ParseCache, Progress, default_cache_dir
from iacscan.compose import load_compose
from iacscan.compose.discovery import discover_projects
from iacscan.graph.builder import build_graph
from iacscan.inputs import InputLoad, skip_matches
from iacscan.model import Comment, Resource, ScanError
from iacscan.terraform.loader import TerraformLoader, discover, is_config_file
from iacscan.terraform.plan import load_plans
from iacscan.terraform.plan_discovery import discover_plans


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
    skipped: list[str] = field(default_factory=list)  # files left out by --skip-path


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
    skip_paths: Iterable[str] = (),
) -> LoadResult:
    """Read Terraform configuration and Compose projects under ``paths`` into resources and
    one resource graph (``environ`` also feeds Compose interpolation; default os.environ).
    Terraform plans (``terraform show -json``) among them are read by content; ``source_dir``
    is where their configuration lives (default: the plan's directory if it has .tf files).
    ``skip_paths`` are globs over paths as the user sees them, relative to the current
    directory (``examples``, ``modules/*/test``): a directory matching one is not read."""
    path_list = [Path(p) for p in paths] or [Path(".")]
    root = scan_root(path_list)
    errors = [e for path in path_list if (e := refusal(path, root)) is not None]
    readable = [p for p in path_list if p.exists()]
    directories: dict[Path, None] = {}  # ordered set: a path may be named twice
    for path in readable:
        directories.update(dict.fromkeys(discover(path)))
    skip = tuple(skip_paths)
    kept = [d for d in directories if not skip_matches(_seen(d), skip)]
    cache = ParseCache((cache_dir or default_cache_dir()) if use_cache else None)
    workers = jobs if jobs is not None else min(os.cpu_count() or 1, 8)
    loader = TerraformLoader(
        root, cache, workers, [Path(f) for f in var_files], variables, environ, progress
    )
    loaded = loader.load(sorted(kept))
    env = os.environ if environ is None else environ
    loaded.add(load_compose(readable, root, env, [Path(f) for f in compose_files], profiles))
    loaded.add(load_plans(readable, root, Path(source_dir) if source_dir else None, cache))
    skipped = _drop_skipped(loaded, skip, root) + [
        _rel(f, root)
        for d in directories
        if d not in kept
        for f in sorted(d.iterdir())
        if is_config_file(f.name)
    ]
    resources = sorted(loaded.resources, key=lambda r: (r.root, r.address))
    graph = build_graph(resources)
    all_errors = sorted(set(errors + loaded.errors))
    files, roots, comments = sorted(set(loaded.files)), loaded.roots, loaded.comments
    return LoadResult(root, resources, graph, all_errors, files, roots, comments, sorted(skipped))


def refusal(path: Path, root: Path) -> ScanError | None:
    """Why a path named on the command line cannot be scanned, if it cannot: every named
    path is read (by name, else by content) or refused, never silently passed over."""
    if not path.exists():
        return ScanError(str(path), 0, "path does not exist", "usage")
    if discover(path) or discover_projects(path) or discover_plans(path):
        return None
    if path.is_dir():
        message = f"no Terraform, plan or Compose files under {path}"
    elif path.name.endswith((".tfvars", ".tfvars.json")):
        # pre-commit passes a changed envs/prod.tfvars whose module lives elsewhere: say so,
        # without failing the commit; the module itself is read when it is named.
        message = "variables file with no .tf files beside it: not read (give it as --var-file)"
        return ScanError(_rel(path, root), 0, message, "warning")
    else:
        message = "not a Terraform (.tf, .tf.json, .tfvars), plan JSON or Compose file"
    return ScanError(str(path), 0, message, "usage")


def _rel(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path.resolve(), root)).as_posix()


def _seen(path: Path) -> str:
    """A path as the user names it: relative to the current directory when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def _drop_skipped(loaded: InputLoad, skip: tuple[str, ...], root: Path) -> list[str]:
    """Compose and plan inputs under a --skip-path glob, left out after reading (cheap)."""
    if not skip:
        return []
    dropped = sorted({f for f in loaded.files if skip_matches(_seen(root / f), skip)})
    gone = set(dropped)
    loaded.files = [f for f in loaded.files if f not in gone]
    loaded.resources = [r for r in loaded.resources if r.location.file not in gone]
    loaded.errors = [e for e in loaded.errors if e.file not in gone]
    loaded.comments = {f: c for f, c in loaded.comments.items() if f not in gone}
    return dropped
