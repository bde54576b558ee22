"""Which problems met while reading are errors (the gate fails) and which are warnings.

A module whose source was never installed (``terraform init`` not run) is not broken input:
the scan reads everything else, and the module's outputs are unknown. Reported as one error
per call, such modules buried the findings (1,960 of 2,114 lines on a large repository), so
they become one warning per distinct source, naming its calls, and never fail the gate.
"""

from __future__ import annotations

from collections import defaultdict

from iacscan.model import ScanError

NOT_INSTALLED = "not-installed"  # ScanError.kind; message is the module source
WARNING = "warning"  # ScanError.kind of any other warning (an undeclared --var)
SHOWN_CALLS = 3


def split(problems: list[ScanError]) -> tuple[list[ScanError], list[ScanError]]:
    """(errors, notices): notices are warnings as met, one per module call; ``group`` makes
    the warnings shown (kept apart so report paths can be rebased first)."""
    errors = [p for p in problems if p.kind not in (NOT_INSTALLED, WARNING)]
    notices = [p for p in problems if p.kind in (NOT_INSTALLED, WARNING)]
    return sorted(errors), sorted(notices)


def group(notices: list[ScanError]) -> list[ScanError]:
    """The warnings to show, sorted: not-installed calls become one warning per source."""
    warnings = [n for n in notices if n.kind != NOT_INSTALLED]
    calls: dict[str, list[ScanError]] = defaultdict(list)
    for notice in notices:
        if notice.kind == NOT_INSTALLED:
            calls[notice.message].append(notice)
    warnings += [_not_installed(source, sorted(group)) for source, group in calls.items()]
    return sorted(set(warnings))


def _not_installed(source: str, calls: list[ScanError]) -> ScanError:
    first = calls[0]
    sites = [f"{c.file}:{c.line}" for c in calls[:SHOWN_CALLS]]
    if len(calls) > SHOWN_CALLS:
        sites.append(f"{len(calls) - SHOWN_CALLS} more")
    plural = "call" if len(calls) == 1 else "calls"
    message = (
        f"module source {source!r} is not installed ({len(calls)} {plural}: "
        f"{', '.join(sites)}); run `terraform init` to scan it (iacscan never downloads modules)"
    )
    return ScanError(first.file, first.line, message, WARNING)
