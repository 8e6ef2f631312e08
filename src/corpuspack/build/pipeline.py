"""The build's middle: raw captures in, validated article records and a report out.

Reads raw/ (through ingest) and nothing else; writes nothing but the optional cache and
the store's spill files in a temporary folder. Memory is bounded: captures are read and
processed a batch at a time, each batch's records are validated, checked and spilled to
the store, and the corpus-level checks run on the store's columns.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace

import pyarrow as pa
import pyarrow.compute as pc

from corpuspack import cache as cache_mod
from corpuspack.annotate import quotations
from corpuspack.article import extract, profiles
from corpuspack.article.record import Article
from corpuspack.article.standoff import merge
from corpuspack.build import engines
from corpuspack.build import store as store_mod
from corpuspack.build.store import Store
from corpuspack.build.tables import QUOTE_FIELDS
from corpuspack.cache import Cache, Entry
from corpuspack.capture import bundles as shards
from corpuspack.capture import ingest
from corpuspack.checks import corpus
from corpuspack.checks import table as validate
from corpuspack.findings.report import Report, error
from corpuspack.project.datapackage import Project, ProjectError
from corpuspack.project.schema import RecordSchema
from corpuspack.project.vocabulary import Vocabulary

BATCH = 512  # captures read and processed at a time: bounds the records and rows alive at once
HITS = 4096  # cached entries checked and stored at a time: Arrow rows, checked column by column
LOOKUP = 1024  # capture files whose keys are looked up in the cache together


@dataclass
class Result:
    store: Store
    report: Report
    schema: RecordSchema
    quotes_schema: RecordSchema | None = None
    vocabulary: Vocabulary | None = None
    cache: Cache | None = None  # the build's cache (its file index hashes raw/ for the manifest)

    @property
    def count(self) -> int:
        return self.store.count

    @property
    def articles(self) -> list[Article]:
        """Every record, by id, rebuilt from the store: for small corpora and tests (it holds them all)."""
        return self.store.articles()


def process(
    capture: ingest.Capture,
    inputs: ingest.Inputs,
    registry: profiles.Registry,
    known_outlets: list[str],
    vocabulary: Vocabulary,
) -> Entry:
    """One capture from bytes to annotated record, findings and near-duplicate signature: a pure function."""
    document, findings = ingest.load(capture, inputs)
    if document is None:
        return Entry(article=None, findings=findings, signature=None)
    article, more = extract.extract(document, registry, known_outlets, vocabulary)
    if article is not None:
        article = replace(
            article, annotations=merge(article.annotations, quotations.annotate(article.text))
        )
    return Entry(
        article=article,
        findings=findings + more,
        signature=corpus.signature(article.text) if article else None,
    )


@dataclass(frozen=True)
class _Process:
    """process() with the project's settings, picklable for worker processes."""

    known_outlets: tuple[str, ...]
    vocabulary: Vocabulary

    def batch(self, items: list[tuple[ingest.Capture, ingest.Inputs]]) -> list[Entry]:
        registry, known = profiles.registry(), list(self.known_outlets)
        return [
            process(capture, inputs, registry, known, self.vocabulary) for capture, inputs in items
        ]


def run(
    project: Project,
    *,
    today: dt.date | None = None,
    focus: set[str] | None = None,
    cache: Cache | None = None,
    jobs: int = 1,
    engine: str = "local",
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Check the corpus.

    today (if given) makes publication dates after it errors. focus, a set of
    project-relative paths, limits per-file checks and findings to those files (and
    the captures their sidecars belong to); corpus-level checks still compare them
    with every other article. cache skips extraction of unchanged captures; the
    captures it does not hold are extracted by `jobs` processes. The result does
    not depend on either.
    """
    schema = RecordSchema(project.load_schema())
    unknown = sorted(set(project.settings.require) - set(schema.names))
    if unknown:
        raise ProjectError(
            f'datapackage.json: "require" names unknown field(s) {", ".join(unknown)}; '
            f"fields are: {', '.join(schema.names)}"
        )
    profiles.registry()  # a broken outlet profile stops the build before any capture is read
    vocabulary = project.load_vocabulary()
    schema.check_annotations(vocabulary)
    quotes_schema = RecordSchema(project.load_quotes_schema(), expected=QUOTE_FIELDS)
    known_outlets = schema.enum("outlet")
    scan = ingest.scan(project.raw_dir, project.root)
    report = Report(files_checked=scan.files_seen)
    focus_captures: set[str] | None = None if focus is None else set()
    focus_related: set[str] = (
        set()
    )  # every file of a focused capture (its shard, for one from a shard)
    store = Store(schema.arrow, project.settings.splits)
    checked = 0

    def settle(findings: list, members: dict[str, tuple[str, int]]) -> list:
        """Findings as reported: only the focused ones (with focus), each once, a shard's capture's
        moved onto the shard and its line (members: capture -> (shard, line))."""
        if focus is not None:
            wanted = focus | focus_captures | focus_related
            findings = [f for f in findings if f.file in wanted]
        # The same problem found twice is shown once.
        findings = list({(f.file, f.line, f.code, f.field): f for f in findings}.values())
        return shards.relocate(findings, members) if members else findings

    # Shards' lines are not counted ahead (that would read them twice): with shards, no total.
    total = len(scan.captures) if not scan.shards else None
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done, total)

    task = _Process(tuple(known_outlets), vocabulary).batch
    max_bytes = project.settings.max_file_bytes
    # The cache's entries are taken HITS at a time, across batches: checked in Arrow, more rows
    # at once cost less per row, and an entry is about 6 KB.
    pending_hits: list[tuple[ingest.Capture, bytes]] = []
    pending_members: dict[str, tuple[str, int]] = {}

    def take_hits() -> int:
        if not pending_hits:
            return 0
        found: list = []
        entries, located, lost = cache.fetch([key for _, key in pending_hits])
        misses = []
        for index in lost:  # read and computed after all
            capture = pending_hits[index][0]
            inputs, problems = ingest.read(capture, max_bytes)
            found += problems
            if problems:
                advance(1)
            else:
                misses.append((capture, inputs, Cache.key(inputs, capture.shown, vocabulary)))
        advance(entries.num_rows)
        count = _keep_hits(
            store,
            entries,
            located,
            cache.rows,
            pending_members,
            schema,
            project.settings,
            found,
            focus_captures,
            today,
        )
        if misses:
            computed = workers.run([(capture, inputs) for capture, inputs, _ in misses], advance)
            count += _keep(
                store,
                computed,
                [key for _, _, key in misses],
                pending_members,
                schema,
                project.settings,
                found,
                focus_captures,
                today,
                cache,
            )
        report.extend(settle(found, pending_members))
        pending_hits.clear()
        pending_members.clear()
        return count

    if cache is not None:
        cache.open(schema.arrow)
        store.read_from(cache.rows)
    stream = _captures(scan, max_bytes, cache, vocabulary)
    # Captures are read and processed a batch at a time, so the bytes held at once stay bounded;
    # a batch has work for every worker of the engine.
    with (
        store_cleaned_on_error(store, cache),
        engines.start(engine, task, jobs=jobs, total=total, scheduler=scheduler) as workers,
    ):
        size = workers.batch(BATCH)
        # One batch is computed by the workers while the next is read and the last one's records
        # are checked and stored here: this process's work overlaps theirs. Batches are still kept
        # in the order read.
        in_flight = None

        def finish(flight) -> int:
            pending, misses, members, found = flight
            count = _keep(
                store,
                pending.result(advance),
                [key for _, _, key in misses],
                members,
                schema,
                project.settings,
                found,
                focus_captures,
                today,
                cache,
            )
            report.extend(settle(found, members))
            return count

        while batch := list(itertools.islice(stream, size)):
            found = []
            members: dict[
                str, tuple[str, int]
            ] = {}  # this batch's captures from shards -> (shard, line)
            hits: list[tuple[ingest.Capture, bytes]] = []
            misses: list[tuple[ingest.Capture, ingest.Inputs, bytes | None]] = []
            for capture, inputs, problems, key in batch:
                found += problems
                if capture is not None and capture.shard:
                    members[capture.shown] = (capture.shard, capture.shard_line)
                if focus is not None and capture is not None and capture.related & focus:
                    focus_captures.add(capture.shown)
                    focus_related.update(capture.related)
                if capture is None or problems:
                    advance(1)
                elif inputs is None:  # known to the cache from the file index, not read
                    hits.append((capture, key))
                else:
                    # A read capture's key is made from the bytes read, never from the file index.
                    key = (
                        Cache.key(inputs, capture.shown, vocabulary) if cache is not None else None
                    )
                    if cache is not None and cache.holds(key):
                        hits.append((capture, key))
                    else:
                        misses.append((capture, inputs, key))
            pending_hits += hits
            pending_members.update(members)
            flight = (
                workers.submit([(capture, inputs) for capture, inputs, _ in misses]),
                misses,
                members,
                found,
            )
            if in_flight is not None:
                checked += finish(in_flight)
            in_flight = flight
            if len(pending_hits) >= HITS:
                checked += take_hits()
        if in_flight is not None:
            checked += finish(in_flight)
        checked += take_hits()
    report.articles_checked = checked
    # A capture's findings all come with its batch, but for those of the whole corpus.
    with store_cleaned_on_error(store, cache):
        store.close()
        found = scan.findings + corpus.check(store, project.settings, focus=focus_captures)
        report.extend(settle(found, store.members({f.file for f in found})))
        if cache is not None:
            cache.close()
    # A finding about the whole table (not a row) can come from every batch: shown once.
    report.findings = list(
        {(f.file, f.line, f.code, f.field, f.message): f for f in report.findings}.values()
    )
    return Result(
        store=store,
        report=report,
        schema=schema,
        quotes_schema=quotes_schema,
        vocabulary=vocabulary,
        cache=cache,
    )


def _captures(scan: ingest.Scan, max_bytes: int, cache: Cache | None, vocabulary: Vocabulary):
    """(capture, inputs, problems, key) for every capture: a capture file the cache holds (known by its
    key, from the file index) is not read and comes with inputs None."""
    for start in range(0, len(scan.captures), LOOKUP):
        chunk = scan.captures[start : start + LOOKUP]
        keys = (
            cache.file_keys(chunk, vocabulary, max_bytes)
            if cache is not None
            else [None] * len(chunk)
        )
        held = cache.known(keys) if cache is not None else [False] * len(chunk)
        for capture, key, hit in zip(chunk, keys, held):
            if hit:
                yield capture, None, [], key
                continue
            inputs, problems = ingest.read(capture, max_bytes)
            yield capture, inputs, problems, None
    for capture, inputs, problems in ingest.shard_inputs(scan, max_bytes):
        yield capture, inputs, problems, None


@contextlib.contextmanager
def store_cleaned_on_error(store: Store, cache: Cache | None = None):
    """Remove the spill files when the build stops with an error (they hold a copy of the corpus),
    and the cache's unfinished pack."""
    try:
        yield
    except BaseException:
        store.cleanup()
        if cache is not None:
            cache.discard()
        raise


def _keep(
    store: Store,
    entries: list[Entry],
    keys: list[bytes | None],
    members: dict[str, tuple[str, int]],
    schema: RecordSchema,
    settings,
    found: list,
    focus: set[str] | None,
    today: dt.date | None,
    cache: Cache | None,
) -> int:
    """Check a batch's computed records on their own, add them to the store and the cache; returns how
    many were checked.

    Their rows become one Arrow table, used both to validate them (the focused ones) and
    to spill them. Repeated ids are left to the corpus check, which sees every batch.
    """
    for entry in entries:
        found += entry.findings
    with_record = [i for i, e in enumerate(entries) if e.article is not None]
    articles = [entries[i].article for i in with_record]
    rows = [a.to_row() for a in articles]
    table, fits = _table(rows, schema.arrow) if rows else (None, [])
    focused = [focus is None or a.raw_path in focus for a in articles]
    picked = [i for i, f in enumerate(focused) if f]
    if picked:
        chunk_table = None  # made again from the rows if some did not fit the Arrow types
        if table is not None and len(fits) == len(rows):
            chunk_table = table if len(picked) == len(rows) else table.take(pa.array(picked))
        checks = validate.check_chunk(
            [articles[i] for i in picked],
            [rows[i] for i in picked],
            schema.descriptor,
            schema.arrow,
            chunk_table,
        )
        found += [f for f in checks if f.code != "duplicate-id"]
        found += corpus.record_checks([articles[i] for i in picked], settings, today)
    for i in sorted(set(range(len(rows))) - set(fits)):
        found.append(
            error(
                articles[i].raw_path,
                "unrepresentable-record",
                "the record does not fit the Arrow "
                "types of schema/article.schema.json, so it cannot be released; see the findings about "
                "its fields",
            )
        )
    extra = None
    if table is not None:
        extra = store_mod.extras(
            [articles[i] for i in fits], [entries[with_record[i]].signature for i in fits]
        )
        store.add_rows(
            table,
            extra,
            [focused[i] for i in fits],
            [members.get(articles[i].raw_path) for i in fits],
            [keys[with_record[i]] for i in fits],
        )
    if cache is not None:
        # A record Arrow cannot hold is not kept: it is computed again, and reported again, next time.
        without = [i for i, e in enumerate(entries) if e.article is None]
        cache.put(
            _entry_table(
                cache,
                [keys[i] for i in without],
                [entries[i].findings for i in without],
                None,
                None,
            )
        )
        if table is not None:
            cache.put(
                _entry_table(
                    cache,
                    [keys[with_record[i]] for i in fits],
                    [entries[with_record[i]].findings for i in fits],
                    table,
                    extra,
                )
            )
    return len(picked)


def _entry_table(
    cache: Cache, keys: list, findings: list[list], table: pa.Table | None, extra: dict | None
) -> pa.Table:
    """Cache entries: with their records' rows and extras, or (table None) of captures that made none."""
    schema = cache.entry_schema
    count = len(keys)
    columns = {
        "_key": pa.array(keys, pa.binary(32)),
        "_findings": pa.array([cache_mod.findings_json(f) for f in findings], pa.string()),
        "_ok": pa.array([table is not None] * count, pa.bool_()),
    }
    for field in schema:
        if field.name in columns:
            continue
        if table is None:
            columns[field.name] = pa.nulls(count, field.type)
        elif field.name in extra:
            columns[field.name] = extra[field.name]
        else:
            columns[field.name] = table.column(field.name)
    return pa.Table.from_arrays([columns[f.name] for f in schema], schema=schema)


_EXTRAS = ("_provenance", "_url_key", "_text_sha", "_signature", "_split_pos", "_shard_pos")


def _keep_hits(
    store: Store,
    entries: pa.Table,
    located,
    packs,
    members: dict[str, tuple[str, int]],
    schema: RecordSchema,
    settings,
    found: list,
    focus: set[str] | None,
    today: dt.date | None,
) -> int:
    """The cache's entries for a batch (rows of cache.entry_schema, at located in packs), checked as
    _keep checks computed ones and added to the store, in Arrow: a record is rebuilt only for a row
    with a finding, and the store keeps where the rows are, not copies of them."""
    for text in entries.column("_findings").to_pylist():
        found += cache_mod.findings_of(text)
    ok = entries.column("_ok")
    if (
        ok.null_count or not pc.all(ok).as_py()
    ):  # a filter copies every row: only when some are not ok
        keep = pc.fill_null(ok, False)
        entries = entries.filter(keep)
        located = located[keep.to_numpy(zero_copy_only=False)]
    if not entries.num_rows:
        return 0
    table = pa.Table.from_arrays(
        [entries.column(n) for n in schema.arrow.names], schema=schema.arrow
    )
    extra = {name: entries.column(name).combine_chunks() for name in _EXTRAS}
    paths = table.column("raw_path").to_pylist()
    focused = [focus is None or p in focus for p in paths]
    picked = [i for i, f in enumerate(focused) if f]
    provenance = extra["_provenance"]

    def records(positions: list[int]) -> list[Article]:
        rows = table.take(pa.array(positions, pa.int64())).to_pylist()
        for row, position in zip(rows, positions):
            row["_provenance"] = provenance[position].as_py()
        return [store_mod.record_of(row) for row in rows]

    if picked:
        subset = table if len(picked) == table.num_rows else table.take(pa.array(picked))
        checks = validate.check_records(
            subset, schema.descriptor, lambda i: records([picked[i]])[0]
        )
        found += [f for f in checks if f.code != "duplicate-id"]
        suspects = corpus.record_check_suspects(subset, settings, today)
        if suspects:
            found += corpus.record_checks(records([picked[i] for i in suspects]), settings, today)
    store.add_rows(
        table,
        extra,
        focused,
        [members.get(p) for p in paths],
        entries.column("_key").to_pylist(),
        located=located,
        packs=packs,
    )
    return len(picked)


def _table(rows: list[dict], arrow_schema: pa.Schema) -> tuple[pa.Table | None, list[int]]:
    """The rows as Arrow, and which rows that is: a row that does not fit the Arrow types (a
    schema error, reported by validation) is left out of the store."""
    try:
        return pa.Table.from_pylist(rows, schema=arrow_schema), list(range(len(rows)))
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        fits, tables = [], []
        for index, row in enumerate(rows):
            try:
                tables.append(pa.Table.from_pylist([row], schema=arrow_schema))
                fits.append(index)
            except (pa.ArrowException, TypeError, ValueError, OverflowError):
                continue
        return (pa.concat_tables(tables) if tables else None), fits
