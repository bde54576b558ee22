"""``scan(paths, options) -> ScanResult``: the whole pipeline as named steps.

load (parse, evaluate, graph) -> check (rules) -> decide (selection, suppressions, baseline,
thresholds) -> the result every reporter consumes. The CLI only builds ScanOptions and picks
a reporter.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from iacscan.api import LoadResult, load
from iacscan.aws import AwsSettings
from iacscan.cache import Progress
from iacscan.decide import decide, read_baseline, select_rules
from iacscan.model import Finding, ScanError
from iacscan.rules.context import annotate
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
    aws_context: AwsSettings | None = None  # read existing AWS infrastructure (iacscan.aws)


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
    rules = select_rules(load_rules(options.rule_files), options.rules, options.skip_rules)
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
        aws_context=options.aws_context,
    )
    settings = {"allowed_registries": options.allowed_registries}
    engine = run_rules(rules, loaded.resources, loaded.graph, settings)
    found = annotate(engine.findings, rules, loaded.resources, loaded.graph)
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
        errors=sorted(set(loaded.errors + engine.errors + decision.errors)),
        loaded=loaded,
    )
