"""Command line: a thin click layer over ``iacscan.api``; it parses options and picks output."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from iacscan import __version__
from iacscan.api import load
from iacscan.export import EXPORTERS

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _parse_vars(values: tuple[str, ...]) -> dict[str, str]:
    parsed = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--var")
        parsed[name.strip()] = value
    return parsed


@click.group()
@click.version_option(__version__, prog_name="iacscan")
def main() -> None:
    """Find where planned infrastructure breaks least privilege, before it is created."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(sorted(EXPORTERS)), default="json", show_default=True
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Write to FILE instead of stdout."
)
@click.option(
    "--var-file",
    "var_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A .tfvars file (repeatable).",
)
@click.option(
    "--var", "var_values", multiple=True, metavar="NAME=VALUE", help="A root variable (repeatable)."
)
@click.option("--jobs", type=click.IntRange(1, 64), help="Parser processes on a cold cache.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the parse cache.")
def graph(
    paths: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    var_files: tuple[Path, ...],
    var_values: tuple[str, ...],
    jobs: int | None,
    no_cache: bool,
) -> None:
    """Export the resource graph of PATHS (default: the current directory)."""
    result = load(
        paths or (Path("."),),
        var_files=var_files,
        variables=_parse_vars(var_values),
        jobs=jobs,
        use_cache=not no_cache,
    )
    for error in result.errors:
        where = f"{error.file}:{error.line}" if error.line else error.file
        click.echo(f"iacscan: {where}: {error.message}", err=True)
    text = EXPORTERS[fmt](result.graph)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    if not result.files:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_OK)
