"""``scan(paths, options) -> ScanResult``: the whole pipeline as named steps.

load (parse, evaluate, graph) -> check (rules) -> decide (selection, suppressions, baseline,
thresholds) -> the result every reporter consumes. The CLI only builds ScanOptions and picks
a reporter.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from iacscan.api import LoadResult, load
from iacscan.cache import Progress
from iacscan.decide import decide, read_baseline, select_rules
from iacscan.model import Finding, Location, ScanError
from iacscan.notices import group, split
from iacscan.rules.context import annotate
from iacscan.rules.dedupe import dedupe
from iacscan.rules.engine import run_rules
from iacscan.rules.loader import load_rules
from iacscan.rules.model import Rule

CHANGING = frozenset({"create", "update", "replace"})


@dataclass(frozen=True, order=True)
class Evaluation:
    """One rule evaluated on one subject: the unit JUnit reports as a test case."""

    rule_id: str
    resource: str
    status: str  # pass | fail | undetermined


@dataclass
class ScanResult:
    """What reporters consume. ``findings`` are the kept ones, sorted deterministically."""

    root: Path
    files: list[str]
    resource_count: int
    rules: list[Rule]
    findings: list[Finding] = field(default_factory=list)  # status fail, kept
    undetermined: list[Finding] = field(default_factory=list)  # status undetermined, kept
    suppressed: list[Finding] = field(default_factory=list)
    baselined: list[Finding] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    loaded: LoadResult | None = None
    notices: list[ScanError] = field(default_factory=list)  # warnings as met (notices.split)
    skipped: list[str] = field(default_factory=list)  # left out by --skip-path
    disabled: list[str] = field(default_factory=list)  # rules switched off by the selection
    settings_file: str = ""  # the .iacscan.yml the settings came from, if any
    places: dict[str, Location] = field(default_factory=dict)  # graph node -> its block

    @property
    def warnings(self) -> list[ScanError]:
        """What to warn about; warnings never fail the gate."""
        return group(self.notices)

    def by_severity(self) -> dict[str, int]:
        counts = Counter(f.severity for f in self.findings)
        return {s: counts.get(s, 0) for s in ("critical", "high", "medium", "low", "info")}

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


@dataclass
class ScanOptions:
    """Everything a scan can be told; the CLI and ``.iacscan.yml`` fill it in."""

    var_files: list[Path] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    rules: list[str] = field(default_factory=list)  # --rule globs
    skip_rules: list[str] = field(default_factory=list)
    min_severity: str = "info"
    baseline: Path | None = None
    strict: bool = False
    jobs: int | None = None
    use_cache: bool = True
    rule_files: list[Path] | None = None  # default: the built-in rulesets
    environ: dict[str, str] | None = None
    progress: Progress | None = None  # told (done, total) while cold files are parsed
    allowed_registries: list[str] = field(default_factory=list)  # image registry allow-list
    compose_files: list[Path] = field(default_factory=list)  # one project, in this order
    profiles: list[str] = field(default_factory=list)  # Compose profiles (none: every service)
    source_dir: Path | None = None  # a plan's configuration (default: the plan's directory)
    changed_only: bool = False  # report only on what a plan creates, updates or replaces
    skip_categories: list[str] = field(default_factory=list)  # e.g. hardening
    skip_paths: list[str] = field(default_factory=list)  # globs relative to the scanned root
    allow_no_rules: bool = False  # a selection that leaves no rule is otherwise an error


class SelectionError(ValueError):
    """A rule selection that cannot be what the user meant (a typo, or nothing left)."""


def choose_rules(options: ScanOptions) -> tuple[list[Rule], list[str]]:
    """(selected rules, ids switched off); a ``--rule`` glob matching no rule and a
    selection leaving nothing to run are errors, because a gate running no rule passes."""
    every = load_rules(options.rule_files)
    ids = [r.id for r in every]
    for pattern in options.rules:
        if not any(fnmatch.fnmatchcase(i, pattern) for i in ids):
            near = difflib.get_close_matches(pattern.upper(), ids, n=1, cutoff=0.5)
            hint = f" (did you mean {near[0]}?)" if near else ""
            raise SelectionError(f"rule {pattern!r} matches no rule{hint}")
    chosen = select_rules(every, options.rules, options.skip_rules)
    skip = set(options.skip_categories)
    chosen = [r for r in chosen if r.category not in skip]
    if not chosen and not options.allow_no_rules:
        raise SelectionError(
            "the rule selection leaves no rule enabled (rules, skip_rules, skip_categories); "
            "use --allow-no-rules if that is intended"
        )
    kept = {r.id for r in chosen}
    return chosen, [i for i in ids if i not in kept]


def changed_nodes(loaded: LoadResult) -> set[str]:
    """Graph nodes of resources a plan creates, updates or replaces (``--changed-only``)."""
    return {
        node
        for node, data in loaded.graph.nodes(data=True)
        if getattr(data.get("resource"), "change", "") in CHANGING
    }


def scan(paths: list[Path], options: ScanOptions | None = None) -> ScanResult:
    """Load, check and decide: the library entry point behind ``iacscan scan``."""
    options = options or ScanOptions()
    rules, disabled = choose_rules(options)
    loaded = load(
        paths,
        var_files=options.var_files,
        variables=options.variables,
        environ=options.environ,
        jobs=options.jobs,
        use_cache=options.use_cache,
        progress=options.progress,
        compose_files=options.compose_files,
        profiles=options.profiles,
        source_dir=options.source_dir,
        skip_paths=options.skip_paths,
    )
    settings = {"allowed_registries": options.allowed_registries}
    engine = run_rules(rules, loaded.resources, loaded.graph, settings)
    found = dedupe(annotate(engine.findings, rules, loaded.resources, loaded.graph))
    blocks = {node: data["resource"].location for node, data in loaded.graph.nodes(data=True)}
    baseline = read_baseline(options.baseline) if options.baseline else None
    decision = decide(
        found,
        blocks,
        loaded.comments,
        options.min_severity,
        baseline,
        options.strict,
        changed_nodes(loaded) if options.changed_only else None,
    )
    evaluations = sorted(Evaluation(*e) for e in engine.evaluations)
    errors, notices = split(sorted(set(loaded.errors + engine.errors + decision.errors)))
    return ScanResult(
        root=loaded.root,
        files=loaded.files,
        resource_count=len(loaded.resources),
        rules=rules,
        findings=decision.findings,
        undetermined=decision.undetermined,
        suppressed=decision.suppressed,
        baselined=decision.baselined,
        evaluations=evaluations,
        errors=errors,
        loaded=loaded,
        notices=notices,
        skipped=loaded.skipped,
        disabled=disabled,
        places=blocks,
    )
