"""iacscan: graph-based security analysis of infrastructure-as-code before it is created."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from iacscan.api import LoadResult


def load(*args: Any, **kwargs: Any) -> LoadResult:
    """Load paths into evaluated resources and their graph (see ``iacscan.api.load``)."""
    from iacscan.api import load as _load

    return _load(*args, **kwargs)


__all__ = ["__version__", "load"]
