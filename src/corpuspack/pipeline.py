"""The build's middle: raw captures in, validated article records and a report out.

Reads raw/ (through ingest) and nothing else; writes nothing but the optional cache.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import corpus, extract, ingest, profiles, validate
from .article import Article
from .cache import Cache, Entry
from .project import Project, ProjectError
from .report import Report
from .schema import RecordSchema


@dataclass
class Result:
    articles: list[Article]
    report: Report
    schema: RecordSchema
    signatures: dict[str, list[int]] = field(default_factory=dict)


def process(capture: ingest.Capture, data: bytes, sidecar: bytes | None, registry: profiles.Registry,
            known_outlets: list[str]) -> Entry:
    """One capture from bytes to record, findings and near-duplicate signature: a pure function."""
    document, findings = ingest.load(capture, data, sidecar)
    if document is None:
        return Entry(article=None, findings=findings, signature=None)
    article, more = extract.extract(document, registry, known_outlets)
    return Entry(article=article, findings=findings + more,
                 signature=corpus.signature(article.text) if article else None)


@dataclass(frozen=True)
class _Task:
    """Everything a worker process needs to process captures (picklable, no open handles)."""

    max_bytes: int
    known_outlets: tuple[str, ...]
    cache_dir: Path | None

    def __call__(self, capture: ingest.Capture) -> tuple[list, Entry | None]:
        data, sidecar, problems = ingest.read(capture, self.max_bytes)
        if data is None or problems:
            return problems, None
        cache = Cache(self.cache_dir) if self.cache_dir else None
        key = Cache.key(data, sidecar, capture.shown) if cache else None
        entry = cache.get(key) if cache else None
        if entry is None:
            entry = process(capture, data, sidecar, profiles.registry(), list(self.known_outlets))
            if cache:
                cache.put(key, entry)
        return [], entry

    def batch(self, captures: list[ingest.Capture]) -> list[tuple[list, Entry | None]]:
        return [self(capture) for capture in captures]


def _map(task: _Task, captures: list[ingest.Capture], jobs: int):
    """task over captures in input order, in `jobs` processes (1: in this process)."""
    # Starting a worker costs about a second of imports: small corpora run in this process.
    if jobs <= 1 or len(captures) < 200 * jobs:
        yield from map(task, captures)
        return
    size = max(1, min(256, len(captures) // (jobs * 4) or 1))
    batches = [captures[i:i + size] for i in range(0, len(captures), size)]
    # spawn, not fork: a forked child of a process that has imported pyarrow/numpy threads can hang.
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        for results in pool.map(task.batch, batches):
            yield from results


def _related(capture: ingest.Capture) -> set[str]:
    return {capture.shown, *([capture.sidecar_shown] if capture.sidecar_shown else [])}


def run(project: Project, *, today: dt.date | None = None, focus: set[str] | None = None,
        cache: Cache | None = None, jobs: int = 1) -> Result:
    """Check the corpus.

    today (if given) makes publication dates after it errors. focus, a set of
    project-relative paths, limits per-file checks and findings to those files (and
    the captures their sidecars belong to); corpus-level checks still compare them
    with every other article. cache skips extraction of unchanged captures. jobs
    processes share the extraction; the result does not depend on their number.
    """
    schema = RecordSchema(project.load_schema())
    unknown = sorted(set(project.settings.require) - set(schema.names))
    if unknown:
        raise ProjectError(f"datapackage.json: \"require\" names unknown field(s) {', '.join(unknown)}; "
                           f"fields are: {', '.join(schema.names)}")
    registry = profiles.registry()
    known_outlets = schema.enum("outlet")
    scan = ingest.scan(project.raw_dir, project.root)
    report = Report(files_checked=scan.files_seen)
    report.extend(scan.findings)
    focus_captures = None
    if focus is not None:
        focus_captures = {c.shown for c in scan.captures if _related(c) & focus}
    articles: list[Article] = []
    signatures: dict[str, list[int]] = {}
    task = _Task(max_bytes=project.settings.max_file_bytes, known_outlets=tuple(known_outlets),
                 cache_dir=cache.folder if cache else None)
    for findings, entry in _map(task, scan.captures, jobs):
        report.extend(findings)
        if entry is None:
            continue
        report.extend(entry.findings)
        if entry.article is not None:
            articles.append(entry.article)
            signatures[entry.article.raw_path] = entry.signature
    articles.sort(key=lambda a: (a.id, a.raw_path))
    checked = articles if focus_captures is None else [a for a in articles if a.raw_path in focus_captures]
    report.articles_checked = len(checked)
    report.extend(validate.validate_articles(checked, schema.descriptor))
    report.extend(corpus.check(articles, signatures, project.settings, focus=focus_captures, today=today))
    if focus is not None:
        wanted = focus | focus_captures
        wanted |= {c.sidecar_shown for c in scan.captures if c.shown in focus_captures and c.sidecar_shown}
        report.findings = [f for f in report.findings if f.file in wanted]
    # The same problem found twice (e.g. a duplicate id by frictionless and by the corpus check) is shown once.
    unique = {(f.file, f.line, f.code, f.field): f for f in report.findings}
    report.findings = list(unique.values())
    return Result(articles=articles, report=report, schema=schema, signatures=signatures)
