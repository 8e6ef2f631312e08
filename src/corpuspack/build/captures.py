"""A build's captures: the stream it reads, and what is computed of each.

stream() gives every capture of a scan, read, or only named when the cache holds its
entry. process() turns one capture's bytes into an Entry (record, findings,
near-duplicate signature); Process is the engine's task, process() of a batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from corpuspack.article import extract, profiles
from corpuspack.article.custom import NO_CUSTOM_FIELDS, CustomFields
from corpuspack.article.standoff import merge
from corpuspack.build import engines
from corpuspack.build.extensions import BUILTIN, blamed
from corpuspack.cache import Cache, Entry
from corpuspack.capture import ingest
from corpuspack.checks import minhash
from corpuspack.findings.report import Finding
from corpuspack.hooks import Annotator
from corpuspack.project.vocabulary import Vocabulary

Work = tuple[ingest.Capture, ingest.Inputs]  # what the engine computes an Entry of


def process(
    capture: ingest.Capture,
    inputs: ingest.Inputs,
    registry: profiles.Registry,
    known_outlets: list[str],
    vocabulary: Vocabulary,
    annotators: Sequence[Annotator] = BUILTIN.annotators,
    custom: CustomFields = NO_CUSTOM_FIELDS,
) -> Entry:
    """One capture from bytes to annotated record, findings and near-duplicate signature: a pure function."""
    document, findings = ingest.load(capture, inputs)
    if document is None:
        return Entry(article=None, findings=findings, signature=None)
    article, more = extract.extract(document, registry, known_outlets, vocabulary)
    if article is not None:
        article, problems = custom.fill(article, document)
        more += problems
    if article is not None:
        found: list = []
        for annotator in annotators:
            with blamed("annotator", annotator.name):
                found += annotator.annotate(article.text)
        article = replace(article, annotations=merge(article.annotations, found))
    return Entry(
        article=article,
        findings=findings + more,
        signature=minhash.signature(article.text) if article else None,
    )


@dataclass(frozen=True)
class Process:
    """process() with the project's settings, picklable for worker processes."""

    known_outlets: tuple[str, ...]
    vocabulary: Vocabulary
    annotators: tuple[Annotator, ...]
    profile_texts: tuple[profiles.ProfileText, ...] = profiles.packaged()
    custom: CustomFields = NO_CUSTOM_FIELDS

    def batch(self, items: Sequence[Work]) -> list[Entry]:
        registry, known = profiles.load_registry(self.profile_texts), list(self.known_outlets)
        return [
            process(capture, inputs, registry, known, self.vocabulary, self.annotators, self.custom)
            for capture, inputs in items
        ]


class Read(NamedTuple):
    """A capture as stream() gives it: read (with its bytes), held by the cache (with its key,
    not read), or unusable (with the problems; capture None for a bundle's unreadable line)."""

    capture: ingest.Capture | None
    inputs: ingest.Inputs | None
    problems: list[Finding]
    key: bytes | None  # only for a capture the cache holds, known from its file index


def stream(
    scan: ingest.Scan,
    max_bytes: int,
    cache: Cache | None,
    vocabulary: Vocabulary,
    lookup: int,
    seen: ingest.Seen | None = None,
) -> Iterator[Read]:
    """Every capture, files first, then bundles' lines: a capture file the cache holds (known by
    its key, from the file index, looked up `lookup` files at a time) is not read. seen is told
    of each file read (ingest.read)."""
    for start in range(0, len(scan.captures), lookup):
        chunk = scan.captures[start : start + lookup]
        keys: list[bytes | None] = [None] * len(chunk)
        held = [False] * len(chunk)
        if cache is not None:
            keys = cache.file_keys(chunk, vocabulary, max_bytes)
            held = cache.known(keys)
        for capture, key, hit in zip(chunk, keys, held, strict=True):
            if hit and key is not None:
                yield Read(capture, None, [], key)
                continue
            inputs, problems = ingest.read(capture, max_bytes, seen)
            yield Read(capture, inputs, problems, None)
    for member, data, trouble in ingest.bundle_inputs(scan, max_bytes, seen):
        yield Read(member, data, trouble, None)


def named_death(died: engines.WorkerDied) -> engines.WorkerDied:
    """The same death, its message naming the capture (a bundle's by its line) and what to do."""
    if died.item is None:
        return engines.WorkerDied(
            None,
            None,
            died.tried,
            f"a worker process died while computing one of {died.tried} captures; computed "
            "again one at a time in a fresh process, none made it die (it may have been killed "
            "from outside, e.g. by the kernel for want of memory): run the build again",
        )
    capture: ingest.Capture = died.item[0]
    where = (
        f"{capture.bundle}, line {capture.bundle_line}"
        if capture.bundle is not None
        else capture.shown
    )
    return engines.WorkerDied(
        died.item,
        died.exitcode,
        died.tried,
        f"{where}: a worker process died ({engines.death(died.exitcode)}) while computing this "
        "capture, and so does a fresh process computing it alone: reading it crashes "
        "corpuspack's extraction or a plugin's annotator or field source. Leave it out of raw/ "
        "to build the rest, and report it with the capture",
    )
