"""What each input adapter (Terraform HCL, Compose, plan files) hands to ``api.load``.

Every adapter reads its files into the neutral model and reports the same five things, so
``load`` merges them without knowing which adapter produced what.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from iacscan.model import Comment, Resource, ScanError


@dataclass
class InputLoad:
    """Resources read, errors met, files read (relative), root ids, and comments per file
    (for inline suppressions)."""

    resources: list[Resource] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    roots: list[str] = field(default_factory=list)
    comments: dict[str, tuple[Comment, ...]] = field(default_factory=dict)

    def add(self, other: InputLoad) -> None:
        """Merge ``other`` in (``api.load`` sorts and de-duplicates errors and files)."""
        self.resources += other.resources
        self.errors += other.errors
        self.files += other.files
        self.roots += other.roots
        self.comments.update(other.comments)


def skip_matches(path: str, globs: tuple[str, ...]) -> bool:
    """Whether ``--skip-path`` globs cover ``path`` (``/``-separated).

    A glob without ``/`` (``examples``, ``test*``) names a file or directory anywhere; one
    with ``/`` (``modules/*/examples/``) is matched against the leading segments, so it
    covers everything below the directory it names.
    """
    parts = path.split("/")
    for glob in globs:
        pattern = glob.strip("/")
        if "/" not in pattern:
            if any(fnmatch.fnmatchcase(part, pattern) for part in parts):
                return True
        elif any(
            fnmatch.fnmatchcase("/".join(parts[:n]), pattern) for n in range(1, len(parts) + 1)
        ):
            return True
    return False
