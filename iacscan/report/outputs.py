"""Where reports go: one or more ``FORMAT[:FILE]`` outputs, paths as the user sees them.

Findings carry paths relative to the scanned root; a user reads them from the current
directory (or ``--path-base``), and GitHub code scanning resolves SARIF URIs against the
repository root. So every output is rendered from a copy of the result whose paths are
rebased, and output destinations are checked before the scan starts: a missing directory
is a usage error, never a traceback after a long scan.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from iacscan.config import FORMATS
from iacscan.model import Finding, Location, ScanError

if TYPE_CHECKING:
    from iacscan.scan import ScanResult


class OutputError(ValueError):
    """An output that cannot be written: reported as a usage error (exit 2)."""


@dataclass(frozen=True)
class Output:
    fmt: str
    file: Path | None  # None: standard output


def plan_outputs(formats: list[str], default_file: Path | None) -> list[Output]:
    """``--format sarif:out.sarif --format table``; ``-o`` is the file of the one format
    given without its own file. Directories are checked now, before any work is done."""
    outputs = []
    for spec in formats:
        name, sep, file = spec.partition(":")
        if name.lower() not in FORMATS:
            raise OutputError(f"unknown format {name!r} (one of {', '.join(FORMATS)})")
        if sep and not file:
            raise OutputError(f"--format {spec!r}: the file name after ':' is missing")
        outputs.append(Output(name.lower(), Path(file) if file else None))
    bare = [o for o in outputs if o.file is None]
    if len(bare) > 1:
        raise OutputError("only one --format may go to stdout/-o; give the others a FILE")
    if default_file is not None:
        if not bare:
            raise OutputError("-o needs a --format without a FILE of its own to write")
        outputs[outputs.index(bare[0])] = Output(bare[0].fmt, default_file)
    for output in outputs:
        if output.file is not None:
            writable(output.file)
    return outputs


def writable(file: Path) -> None:
    parent = file.parent if str(file.parent) else Path(".")
    if file.is_dir():
        raise OutputError(f"cannot write {file}: it is a directory")
    if not parent.is_dir():
        raise OutputError(f"cannot write {file}: directory {parent} does not exist")


def write(file: Path, text: str) -> None:
    try:
        file.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {file}: {exc.strerror or exc}") from None


def git_root(start: Path) -> Path | None:
    """The enclosing git checkout (a ``.git`` directory or file), if any."""
    for directory in [start, *start.parents]:
        if (directory / ".git").exists():
            return directory
    return None


def rebase(result: ScanResult, base: Path) -> ScanResult:
    """A copy of ``result`` whose file paths are relative to ``base`` instead of the root."""
    root = result.root.resolve()
    base = base.resolve()
    if root == base:
        return result
    prefix = Path(os.path.relpath(root, base)).as_posix()

    def path(file: str) -> str:
        return f"{prefix}/{file}" if file else prefix

    def finding(item: Finding) -> Finding:
        location = Location(path(item.location.file), item.location.line, item.location.end_line)
        root = path("" if item.root == "." else item.root) if item.root else ""
        return dataclasses.replace(item, location=location, root=root)

    def error(item: ScanError) -> ScanError:
        if item.kind == "usage" or item.file.startswith("<"):
            return item  # named by the user as given, or not a file
        return dataclasses.replace(item, file=path(item.file))

    return dataclasses.replace(
        result,
        findings=[finding(f) for f in result.findings],
        undetermined=[finding(f) for f in result.undetermined],
        suppressed=[finding(f) for f in result.suppressed],
        baselined=[finding(f) for f in result.baselined],
        errors=[error(e) for e in result.errors],
        notices=[error(e) for e in result.notices],
        files=[path(f) for f in result.files],
        skipped=[path(f) for f in result.skipped],
        places={
            node: Location(path(loc.file), loc.line, loc.end_line)
            for node, loc in result.places.items()
        },
    )
