"""Host paths as a container host sees them, shared by the Compose adapter (which normalizes
bind sources) and the rules (which normalize a volume driver's ``device``)."""

from __future__ import annotations

import posixpath


def host_path(source: str) -> str:
    """A bind source as the host sees it: absolute paths normalized (``/var/run/../x``)."""
    if source.startswith("//") or not source.startswith("/"):
        return source  # a Windows named pipe (//./pipe/docker_engine) or a relative path
    return posixpath.normpath(source)
