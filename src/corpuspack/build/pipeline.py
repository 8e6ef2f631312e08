"""The build's middle: raw captures in, validated article records and a report out.

Reads raw/ (through ingest) and nothing else; writes nothing but the optional cache and
the store's spill files in a temporary folder. Memory is bounded: captures are read and
processed a batch at a time, each batch's records are validated, checked and spilled to
the store (build/batches.py), and the corpus-level checks run on the store's columns.

run() is the entry point and Result (build/result.py) what it gives. While it runs, a _Build holds the
run's state: the report so far, the focus, the captures the cache holds that are waiting
to be taken, and the count of captures done.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from corpuspack.article import profiles
from corpuspack.article.custom import CustomFields
from corpuspack.build import batches, computed, engines
from corpuspack.build.batches import Members
from corpuspack.build.captures import Process, Read, Work, named_death, process, stream
from corpuspack.build.extensions import BUILTIN, Chosen, blamed
from corpuspack.build.result import Result
from corpuspack.build.store import Store
from corpuspack.build.tables import QUOTE_FIELDS
from corpuspack.cache import Cache, FileIndex, keys, schemas
from corpuspack.capture import bundles, ingest
from corpuspack.capture.listing import Listing
from corpuspack.findings.policy import accept_duplicates
from corpuspack.findings.report import Finding, Report
from corpuspack.project.datapackage import Project, ProjectError
from corpuspack.project.schema import RecordSchema
from corpuspack.project.vocabulary import Vocabulary

BATCH = 512  # captures read and processed at a time: bounds the records and rows alive at once
HITS = 4096  # cached entries checked and stored at a time: Arrow rows, checked column by column
LOOKUP = 1024  # capture files whose keys are looked up in the cache together

__all__ = ["BATCH", "HITS", "LOOKUP", "Progress", "Result", "process", "run"]

Progress = Callable[[int, int | None], None]  # told captures done and their total (None: unknown)


def run(
    project: Project,
    *,
    today: dt.date | None = None,
    focus: set[str] | None = None,
    cache: Cache | None = None,
    jobs: int = 1,
    engine: str = "local",
    scheduler: str | None = None,
    progress: Progress | None = None,
    chosen: Chosen = BUILTIN,
) -> Result:
    """Check the corpus.

    today (if given) makes publication dates after it errors. focus, a set of
    project-relative paths, limits per-file checks and findings to those files (and
    the captures their sidecars belong to); corpus-level checks still compare them
    with every other article. cache skips extraction of unchanged captures; the
    captures it does not hold are extracted by `jobs` processes of the engine named
    (one of chosen.engines; a Dask scheduler's address for "dask"). progress is told how many
    captures are done. chosen: the annotators and checks to run (default corpuspack's own;
    corpuspack.plugins gathers the registered ones). The result does not depend on the cache,
    the engine or jobs.
    """
    if chosen.cache_fingerprint() is None:
        cache = None  # (extensions of no known fingerprint: see Chosen.fingerprint)
    schema, quotes_schema, vocabulary = _schemas(project, chosen, cache)
    custom = CustomFields(schema.custom, chosen.field_sources)
    task = Process(
        tuple(schema.enum("outlet")), vocabulary, chosen.annotators, chosen.profiles, custom
    )
    scan = ingest.scan(project.raw_dir, project.root)
    build = _Build(project, schema, vocabulary, scan, focus, today, cache, progress, chosen)
    with _gc_tuned():
        build.read(task, engine, jobs=jobs, scheduler=scheduler)
        build.check_corpus()
    return Result(
        store=build.store,
        report=build.report,
        schema=schema,
        quotes_schema=quotes_schema,
        vocabulary=vocabulary,
        cache=cache,
        extensions=chosen.recorded,
        reads=build.reads,
        listing=Listing(project.raw_dir, scan.listed, project.root),
    )


@contextlib.contextmanager
def _gc_tuned() -> Iterator[None]:
    """Fewer garbage collections while the captures are read and kept (engines.tune_gc: the
    modules and the scan frozen out of the collector's sweeps), as they were after."""
    thresholds = engines.tune_gc()
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _schemas(
    project: Project, chosen: Chosen, cache: Cache | None = None
) -> tuple[RecordSchema, RecordSchema, Vocabulary]:
    """The articles' and the quotes' schemas and the vocabulary, checked before any capture is read
    (by frictionless too, unless the cache remembers it accepting them: cache/schemas.py)."""
    folder = cache.folder if cache is not None else None
    schema = schemas.record_schema(project.load_schema(), folder)
    unknown = sorted(set(project.settings.require) - set(schema.names))
    if unknown:
        raise ProjectError(
            f'datapackage.json: "require" names unknown field(s) {", ".join(unknown)}; '
            f"fields are: {', '.join(schema.names)}"
        )
    profiles.load_registry(
        chosen.profiles
    )  # a broken profile stops the build before any capture is read
    vocabulary = project.load_vocabulary()
    schema.check_annotations(vocabulary)
    quotes_schema = schemas.record_schema(project.load_quotes_schema(), folder, QUOTE_FIELDS)
    return schema, quotes_schema, vocabulary


class _Miss(NamedTuple):
    """A capture the cache does not hold: the engine computes it."""

    capture: ingest.Capture
    inputs: ingest.Inputs
    key: bytes | None  # its cache key, made from the bytes read (None without a cache)


@dataclass
class _Flight:
    """A batch whose misses the engine computes while the next batch is read."""

    pending: engines.Pending[computed.Output]
    misses: list[_Miss]
    members: Members  # its captures from bundles
    found: list[Finding]  # its problems so far


@dataclass
class _Hits:
    """Captures the cache holds, waiting to be taken HITS at a time across batches: checked in
    Arrow, more rows at once cost less per row, and an entry is about 6 KB."""

    captures: list[tuple[ingest.Capture, bytes]] = field(default_factory=list)
    members: Members = field(default_factory=dict)


@dataclass
class _Focus:
    """The files a focused check is about, and the captures they belong to, noted as they are read."""

    files: set[str] | None  # project-relative paths; None: every file
    captures: set[str] = field(default_factory=set)
    related: set[str] = field(default_factory=set)  # every file of those captures (and bundles)

    @property
    def focused(self) -> set[str] | None:
        """The focused captures (None without focus: every capture is)."""
        return None if self.files is None else self.captures

    def note(self, capture: ingest.Capture) -> None:
        if self.files is not None and capture.related & self.files:
            self.captures.add(capture.shown)
            self.related.update(capture.related)

    def only_focused(self, findings: list[Finding]) -> list[Finding]:
        if self.files is None:
            return findings
        wanted = self.files | self.captures | self.related
        return [f for f in findings if f.file in wanted]


@dataclass
class _Tally:
    """Captures done, told to the caller's progress: the engines call it with each count done."""

    total: int | None
    progress: Progress | None
    done: int = 0

    def __call__(self, count: int) -> None:
        self.done += count
        if self.progress:
            self.progress(self.done, self.total)


class _Build:
    """One run's state while its captures are read, computed, checked and kept, batch by batch."""

    def __init__(
        self,
        project: Project,
        schema: RecordSchema,
        vocabulary: Vocabulary,
        scan: ingest.Scan,
        focus: set[str] | None,
        today: dt.date | None,
        cache: Cache | None,
        progress: Progress | None,
        chosen: Chosen,
    ):
        self.corpus_checks = chosen.corpus_checks
        self.chosen = chosen
        self.project = project
        self.settings = project.settings
        self.schema = schema
        self.vocabulary = vocabulary
        self.scan = scan
        self.cache = cache
        self.report = Report(files_checked=scan.files_seen)
        self.focus = _Focus(focus)
        self.store = Store(schema.plain_arrow, project.settings.splits)
        self.keeper = batches.Keeper(
            self.store,
            schema,
            project.settings,
            today,
            self.focus.focused,
            cache,
            chosen.record_checks,
        )
        # Bundles' lines are not counted ahead (that would read them twice): with bundles, no total.
        self.tally = _Tally(len(scan.captures) if not scan.bundles else None, progress)
        self.hits = _Hits()
        self.checked = 0
        # The digests of the files read, as read: the cache's file index keeps them too.
        self.reads = cache.files if cache is not None else FileIndex(None)

    def read(self, task: Process, engine: str, *, jobs: int, scheduler: str | None) -> None:
        """Read every capture, have the engine compute those the cache does not hold, keep them all."""
        if self.cache is not None:
            context = keys.context_of(
                self.project.schema_paths, self.settings, self.chosen.cache_fingerprint() or ""
            )
            self.cache.open(self.schema.plain_arrow, context)
            self.store.read_from(self.cache.rows)
        with (
            store_cleaned_on_error(self.store, self.cache),
            engines.start(
                engine,
                computed.ArrowTask(task, self.schema.plain_arrow),
                jobs=jobs,
                total=self.tally.total,
                scheduler=scheduler,
                factories=self.chosen.engines,
            ) as workers,
        ):
            try:
                self._batches(workers)
            except engines.WorkerDied as died:
                raise named_death(died) from None

    def _batches(self, workers: engines.Engine[Work, computed.Output]) -> None:
        # Captures are read and processed a batch at a time, so the bytes held at once stay
        # bounded; a batch has work for every worker of the engine.
        captures = stream(
            self.scan,
            self.settings.max_file_bytes,
            self.cache,
            self.vocabulary,
            LOOKUP,
            self.reads.observe,
        )
        size = workers.batch(BATCH)
        # One batch is computed by the workers while the next is read and the last one's records
        # are checked and stored here: this process's work overlaps theirs. Batches are still kept
        # in the order read.
        in_flight: _Flight | None = None
        while batch := list(itertools.islice(captures, size)):
            flight = self._submit(batch, workers)
            if in_flight is not None:
                self._finish(in_flight)
            in_flight = flight
            if len(self.hits.captures) >= HITS:
                self._take_hits(workers)
        if in_flight is not None:
            self._finish(in_flight)
        self._take_hits(workers)

    def _submit(self, batch: list[Read], workers: engines.Engine[Work, computed.Output]) -> _Flight:
        """Sort a batch's captures into hits (left waiting) and misses (handed to the engine)."""
        found: list[Finding] = []
        members: Members = {}
        hits: list[tuple[ingest.Capture, bytes]] = []
        misses: list[_Miss] = []
        for item in batch:
            found += item.problems
            capture = item.capture
            if capture is not None:
                if capture.bundle is not None and capture.bundle_line is not None:
                    members[capture.shown] = (capture.bundle, capture.bundle_line)
                self.focus.note(capture)
            if capture is None or item.problems:
                self.tally(1)
            elif item.key is not None:  # held by the cache, known from its file index: not read
                hits.append((capture, item.key))
            else:
                assert item.inputs is not None  # a capture read without problems has its bytes
                self._route(capture, item.inputs, hits, misses)
        self.hits.captures += hits
        self.hits.members.update(members)
        pending = workers.submit([(miss.capture, miss.inputs) for miss in misses])
        return _Flight(pending, misses, members, found)

    def _route(
        self,
        capture: ingest.Capture,
        inputs: ingest.Inputs,
        hits: list[tuple[ingest.Capture, bytes]],
        misses: list[_Miss],
    ) -> None:
        """A read capture is a hit if the cache holds the key made from the bytes read (never
        from the file index), else a miss."""
        if self.cache is None:
            misses.append(_Miss(capture, inputs, None))
            return
        key = self.cache.entry_key(inputs, capture.shown, self.vocabulary)
        if self.cache.holds(key):
            hits.append((capture, key))
        else:
            misses.append(_Miss(capture, inputs, key))

    def _finish(self, flight: _Flight) -> None:
        outputs = flight.pending.result(self.tally)
        kept = batches.keep_outputs(
            self.keeper, outputs, [miss.key for miss in flight.misses], flight.members
        )
        self.checked += kept.checked
        self.report.extend(self._settle(flight.found + kept.findings, flight.members))

    def _take_hits(self, workers: engines.Engine[Work, computed.Output]) -> None:
        """Keep the waiting hits; those the cache can no longer give are read and computed."""
        cache, hits = self.cache, self.hits
        if cache is None or not hits.captures:
            return
        self.hits = _Hits()
        entries, located, lost = cache.fetch([key for _, key in hits.captures])
        found, misses = self._read_again([hits.captures[index][0] for index in lost])
        self.tally(entries.num_rows)
        kept = batches.keep_entries(self.keeper, entries, hits.members, located, cache.rows)
        self.checked += kept.checked
        found += kept.findings
        if misses:
            outputs = workers.run([(miss.capture, miss.inputs) for miss in misses], self.tally)
            kept = batches.keep_outputs(
                self.keeper, outputs, [miss.key for miss in misses], hits.members
            )
            self.checked += kept.checked
            found += kept.findings
        self.report.extend(self._settle(found, hits.members))

    def _read_again(self, captures: list[ingest.Capture]) -> tuple[list[Finding], list[_Miss]]:
        """Captures whose entries the cache lost (a pack another build compacted away, or found
        damaged), read to be computed after all."""
        assert self.cache is not None
        found: list[Finding] = []
        misses: list[_Miss] = []
        for capture in captures:
            inputs, problems = ingest.read(
                capture, self.settings.max_file_bytes, self.reads.observe
            )
            found += problems
            if problems:
                self.tally(1)
            else:
                key = self.cache.entry_key(inputs, capture.shown, self.vocabulary)
                misses.append(_Miss(capture, inputs, key))
        return found, misses

    def check_corpus(self) -> None:
        """Once every batch is kept: the checks that compare records across the corpus."""
        self.report.articles_checked = self.checked
        # A capture's findings all come with its batch, but for those of the whole corpus.
        with store_cleaned_on_error(self.store, self.cache):
            self.store.close()
            found = list(self.scan.findings)
            for check in self.corpus_checks:
                with blamed("corpus check", check.name):
                    found += check.check(self.store, self.settings, self.focus.focused)
            # Before _settle: accepted duplicates are named by their captures, not their bundles.
            found = accept_duplicates(found, self.settings.accepted_duplicates, self.focus.focused)
            self.report.extend(self._settle(found, self.store.members({f.file for f in found})))
            if self.cache is not None:
                self.cache.close()
                self.report.extend(self.cache.findings())  # damaged cache files, not used
        # A finding about the whole table (not a row) can come from every batch: shown once.
        self.report.findings = list(
            {(f.file, f.line, f.code, f.field, f.message): f for f in self.report.findings}.values()
        )

    def _settle(self, findings: list[Finding], members: Members) -> list[Finding]:
        """Findings as reported: only the focused ones (with focus), each once, those about a
        bundle's capture moved onto the bundle and its line."""
        findings = self.focus.only_focused(findings)
        # The same problem found twice is shown once (a capture with two copies has two problems).
        findings = list(
            {(f.file, f.line, f.code, f.field, f.related): f for f in findings}.values()
        )
        return bundles.relocate(findings, members) if members else findings


@contextlib.contextmanager
def store_cleaned_on_error(store: Store, cache: Cache | None = None) -> Iterator[None]:
    """Remove the spill files when the build stops with an error (they hold a copy of the corpus),
    and the cache's unfinished pack."""
    try:
        yield
    except BaseException:
        store.cleanup()
        if cache is not None:
            cache.discard()
        raise
