"""From ``iacscan graph``'s options to a view: the part of the command that is not click.

JSON is the data export and the API's shape, so it keeps every edge layer unless told
otherwise; the drawings default to relations and flows, because raw references double
every edge and make a review picture unreadable.
"""

from __future__ import annotations

from typing import Any

import click

from iacscan.export.view import build_view
from iacscan.export.viewmodel import DEFAULT_LAYERS, LAYERS, View, ViewOptions
from iacscan.scan import ScanResult

FORMAT_LAYERS: dict[str, tuple[str, ...]] = {"json": LAYERS}


def parse_layers(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[str, ...] | None:
    """``--edges references,flows`` -> ("references", "flows"); None when not given."""
    if value is None:
        return None
    names = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    unknown = [n for n in names if n not in LAYERS]
    if unknown or not names:
        raise click.BadParameter(f"choose from {', '.join(LAYERS)} (got {value!r})")
    return tuple(n for n in LAYERS if n in names)


def make_view(result: ScanResult, fmt: str, edges: tuple[str, ...] | None, **options: Any) -> View:
    """The view the chosen format draws, from the pipeline's facts and kept findings."""
    assert result.facts is not None  # every pipeline run analyses
    layers: tuple[str, ...] = edges if edges else FORMAT_LAYERS.get(fmt, DEFAULT_LAYERS)
    return build_view(result.facts, result.findings, ViewOptions(edges=layers, **options))
