from __future__ import annotations

from pathlib import Path

import pytest

from iacscan.api import LoadResult, load
from iacscan.scan import ScanOptions, ScanResult, scan

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Tests never read or write the user's parse cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))


def load_fixture(relative: str, **kwargs) -> LoadResult:
    kwargs.setdefault("environ", {})
    kwargs.setdefault("jobs", 1)
    return load([FIXTURES / relative], **kwargs)


def by_address(result: LoadResult) -> dict:
    return {r.address: r for r in result.resources}


def scan_fixture(relative: str, **kwargs) -> ScanResult:
    """The whole pipeline (load, analyse, check, decide) over a fixture, as the CLI runs it."""
    options = ScanOptions(environ=kwargs.pop("environ", {}), jobs=kwargs.pop("jobs", 1), **kwargs)
    return scan([FIXTURES / relative], options)
