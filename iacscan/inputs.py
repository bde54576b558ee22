"""What each input adapter (Terraform HCL, Compose, plan files) hands to ``api.load``.

Every adapter reads its files into the neutral model and reports the same five things, so
``load`` merges them without knowing which adapter produced what.
"""

from __future__ import annotations

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
