"""Scan reporters, one module per format, all ``render(result, options) -> str``.

A reporter only turns a finished ``ScanResult`` into text: it never scans, prints or reads
the clock, so the same result always renders to the same bytes and the CLI decides where
the text goes (stdout, ``--output``) and whether colour is wanted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from iacscan.report import github, json_report, junit, sarif, table

if TYPE_CHECKING:
    from iacscan.scan import ScanResult


@dataclass(frozen=True, kw_only=True)
class ReportOptions:
    """What the user asked to see; keyword-only so boolean flags are never passed by position.

    ``version`` is the iacscan version written into machine formats. It is passed in rather
    than imported so golden outputs do not change with every release.
    """

    color: bool = False
    show_undetermined: bool = False
    show_suppressed: bool = False
    version: str
    base_uri: str = ""  # absolute URI of the directory report paths are relative to


Reporter = Callable[["ScanResult", "ReportOptions"], str]

REPORTERS: dict[str, Reporter] = {
    "table": table.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "github": github.render,
}

__all__ = ["REPORTERS", "ReportOptions", "Reporter"]
