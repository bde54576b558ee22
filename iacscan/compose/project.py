"""A Compose project: its files read, interpolated, included, extended and merged.

Each file is parsed and interpolated on its own (as Compose does) from the environment over
the project's ``.env``; ``include:`` brings in other projects' files, ``extends:`` merges a
base service (same or other file) under the service, and the files then merge in order.
Every step that fails on one file or entry reports a ``ScanError`` with file and line and
leaves the rest of the project loading. Nothing is executed and nothing is fetched.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iacscan.compose.interpolate import interpolate, parse_dotenv
from iacscan.compose.merge import Spans, merge
from iacscan.compose.normalize import Normalized, normalize_definition, normalize_service
from iacscan.compose.yamltree import MAX_BYTES, LList, LMap, YamlError, parse_yaml
from iacscan.model import Comment, ScanError
from iacscan.reading import Refused, Tree

SECTIONS = ("networks", "volumes")
MAX_INCLUDE_DEPTH = 10
_HASH = re.compile(r"(?:^|(?<=\s))#")


@dataclass
class Definition:
    """One service, network or volume after merging: where it was first declared."""

    attrs: dict[str, Any]
    spans: Spans
    file: str
    line: int
    end_line: int


@dataclass
class Model:
    """A project's merged definitions by section (``services``, ``networks``, ``volumes``)."""

    sections: dict[str, dict[str, Definition]] = field(
        default_factory=lambda: {"services": {}, "networks": {}, "volumes": {}}
    )
    services_line: tuple[str, int] | None = None  # where ``services:`` is, for implicit nodes


class ProjectReader:
    """Reads the files of one project; ``errors``, ``files`` and ``comments`` accumulate."""

    def __init__(
        self, scan_root: Path, environ: Mapping[str, str], tree: Tree | None = None
    ) -> None:
        self.scan_root = scan_root.resolve()
        self.tree = tree or Tree([self.scan_root])
        self.environ = dict(environ)
        self.errors: list[ScanError] = []
        self.files: list[str] = []
        self.comments: dict[str, tuple[Comment, ...]] = {}
        self._documents: dict[tuple[Path, tuple[tuple[str, str], ...]], Any] = {}

    def rel(self, path: Path) -> str:
        return Path(os.path.relpath(os.path.abspath(path), self.scan_root)).as_posix()

    def env_for(self, directory: Path) -> dict[str, str]:
        """The environment wins over ``.env``, as in Compose. A ``.env`` that is not a
        regular file inside the tree (a FIFO, ``/dev/zero``, a link out) is refused."""
        dotenv = directory / ".env"
        if not os.path.lexists(dotenv):
            return dict(self.environ)
        try:
            text = self.tree.read_text(dotenv)
        except Refused as refused:
            self.error(dotenv, 0, refused.message, "read")
            return dict(self.environ)
        return {**parse_dotenv(text), **self.environ}

    def error(self, file: Path, line: int, message: str, kind: str = "parse") -> None:
        self.errors.append(ScanError(self.rel(file), line, message, kind))

    # -- files -----------------------------------------------------------------------------------
    def read(self, path: Path, env: dict[str, str]) -> LMap | None:
        """One file parsed and interpolated (memoized per environment); None when unreadable."""
        key = (Path(os.path.abspath(path)), tuple(sorted(env.items())))
        if key not in self._documents:
            self._documents[key] = self._read(path, env)
        return self._documents[key]

    def _read(self, path: Path, env: dict[str, str]) -> LMap | None:
        rel = self.rel(path)
        scalars: list[tuple[int, int]] = []
        try:
            limit = min(self.tree.limits.source, MAX_BYTES)  # refused before reading
            text = self.tree.read_text(path, limit).replace("\r\n", "\n")
            document = parse_yaml(text, scalars)
        except Refused as refused:
            self.error(path, 0, refused.message, "read")
            return None
        except YamlError as exc:
            self.error(path, exc.line, exc.message)
            return None
        if document is not None and not isinstance(document, LMap):
            self.error(path, 1, "a compose file must be a mapping")
            return None
        if rel not in self.files:
            self.files.append(rel)
            comments = _comments(text, scalars)
            if comments:
                self.comments[rel] = comments
        return interpolate(document, env) if document is not None else LMap()

    def inside(self, path: Path, origin: Path) -> bool:
        """Referenced files are read only inside the scanned tree (like ``file()``)."""
        try:
            self.tree.inside(path)
        except Refused as refused:
            shown = self.rel(Path(os.path.normpath(path)))
            self.error(origin, 0, f"{shown}: {refused.message}", "read")
            return False
        return True

    # -- a project -------------------------------------------------------------------------------
    def load(self, directory: Path, files: list[Path]) -> Model:
        model = Model()
        env = self.env_for(directory)
        for file in files:
            document = self.read(file, env)
            if document is not None:
                self.apply(model, document, file, env, 0, merging=True)
        return model

    def apply(
        self, model: Model, doc: LMap, file: Path, env: dict[str, str], depth: int, merging: bool
    ) -> None:
        """Add one document's definitions: merged onto earlier files (``merging``), or, for an
        included file, added beside them (a name defined twice is an error, as in Compose)."""
        self._includes(model, doc, file, depth)
        services = doc.get("services")
        if services is not None and not isinstance(services, LMap):
            self.error(file, doc.spans["services"][0], "services must be a mapping")
        if isinstance(services, LMap):
            if model.services_line is None:
                model.services_line = (self.rel(file), doc.spans["services"][0])
            for name, body in services.items():
                if body is not None and not isinstance(body, LMap):
                    self.error(file, services.spans[name][0], f"service {name!r} must be a mapping")
                raw = body if isinstance(body, LMap) else LMap()  # ``web:`` alone is valid
                raw.span = raw.span if raw else services.spans[name]
                resolved = self.extended(raw, str(name), doc, file, env, ())
                self._add(
                    model, "services", str(name), resolved, file, services.spans[name], raw, merging
                )
        for section in SECTIONS:
            entries = doc.get(section)
            if isinstance(entries, LMap):
                for name, raw in entries.items():
                    norm = normalize_definition(raw)
                    resolved = (norm.attrs, self.tagged(norm, file))
                    self._add(
                        model, section, str(name), resolved, file, entries.spans[name], raw, merging
                    )

    def _add(
        self,
        model: Model,
        section: str,
        name: str,
        resolved: tuple[dict[str, Any], Spans],
        file: Path,
        span: tuple[int, int],
        raw: Any,
        merging: bool,
    ) -> None:
        existing = model.sections[section].get(name)
        if existing is None:
            rel = self.rel(file)
            model.sections[section][name] = Definition(*resolved, rel, span[0], span[1])
        elif merging:
            tags = raw.tags if isinstance(raw, LMap) else {}
            existing.attrs, existing.spans = merge((existing.attrs, existing.spans), resolved, tags)
        elif section == "services":
            self.error(file, span[0], f"service {name!r} is already defined in {existing.file}")

    def tagged(self, norm: Normalized, file: Path) -> Spans:
        rel = self.rel(file)
        for line, message in norm.problems:
            self.error(file, line, message, "eval")
        return {path: (rel, a, b) for path, (a, b) in norm.spans.items()}

    # -- include and extends ---------------------------------------------------------------------
    def _includes(self, model: Model, doc: LMap, file: Path, depth: int) -> None:
        entries = doc.get("include")
        if entries is None:
            return
        if depth >= MAX_INCLUDE_DEPTH:
            self.error(file, doc.spans["include"][0], "include nested too deep (a cycle?)")
            return
        for entry in entries if isinstance(entries, LList) else [entries]:
            paths = entry.get("path") if isinstance(entry, LMap) else entry
            for item in paths if isinstance(paths, LList) else [paths]:
                if not isinstance(item, str):
                    self.error(file, doc.spans["include"][0], "include: path is unknown", "eval")
                    continue
                target = file.parent / item
                if self.inside(target, file):
                    env = self.env_for(target.parent)
                    included = self.read(target, env)
                    if included is not None:
                        self.apply(model, included, target, env, depth + 1, merging=False)

    def extended(
        self,
        raw: LMap,
        name: str,
        doc: LMap,
        file: Path,
        env: dict[str, str],
        chain: tuple[tuple[Path, str], ...],
    ) -> tuple[dict[str, Any], Spans]:
        """The service with its ``extends`` chain resolved (canonical attrs, tagged spans)."""
        own_raw = LMap({k: v for k, v in raw.items() if k != "extends"})
        own_raw.spans, own_raw.span, own_raw.tags = raw.spans, raw.span, raw.tags
        norm = normalize_service(own_raw)
        own = (norm.attrs, self.tagged(norm, file))
        if "extends" not in raw:
            return own
        base = self._base(raw, name, doc, file, env, chain)
        return merge(base, own, raw.tags) if base is not None else own

    def _base(
        self,
        raw: LMap,
        name: str,
        doc: LMap,
        file: Path,
        env: dict[str, str],
        chain: tuple[tuple[Path, str], ...],
    ) -> tuple[dict[str, Any], Spans] | None:
        spec, line = raw["extends"], raw.spans["extends"][0]
        base_name = (
            spec
            if isinstance(spec, str)
            else spec.get("service")
            if isinstance(spec, LMap)
            else None
        )
        base_file = spec.get("file") if isinstance(spec, LMap) else None
        if not isinstance(base_name, str) or not isinstance(base_file, (str, type(None))):
            self.error(file, line, "extends: needs a service name", "eval")
            return None
        path = file if base_file is None else file.parent / base_file
        if base_file is not None and not self.inside(path, file):
            return None
        base_doc = doc if base_file is None else self.read(path, env)
        services = base_doc.get("services") if base_doc is not None else None
        base_raw = services.get(base_name) if isinstance(services, LMap) else None
        link = (Path(os.path.abspath(path)), base_name)
        if not isinstance(base_raw, LMap) or link in chain or base_doc is None:
            why = "is circular" if link in chain else f"service {base_name!r} not found"
            self.error(file, line, f"extends: {why}", "eval")
            return None
        return self.extended(
            base_raw, base_name, base_doc, path, env, (*chain, (Path(os.path.abspath(file)), name))
        )


def _comments(text: str, scalars: list[tuple[int, int]]) -> tuple[Comment, ...]:
    """``# iacscan:...`` comments: a ``#`` that starts a YAML comment, not one inside a
    quoted value or a block scalar (the first such ``#`` of a line starts its comment)."""
    starts = [start for start, _ in scalars]
    found, offset = [], 0
    for number, line in enumerate(text.split("\n"), 1):
        if "iacscan:" in line:
            for match in _HASH.finditer(line):
                at = offset + match.start()
                i = bisect.bisect_right(starts, at) - 1
                if i >= 0 and scalars[i][0] <= at < scalars[i][1]:
                    continue  # inside a value
                if "iacscan:" in line[match.end() :]:
                    found.append(Comment(number, line[match.end() :].strip()))
                break
        offset += len(line) + 1
    return tuple(found)
