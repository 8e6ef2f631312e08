"""What a build made (pipeline.run's Result): the records in their store, the report, and what a
release needs to write and describe them, raw/ as the build used it included."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from corpuspack.article.record import Article
from corpuspack.build.store import Store
from corpuspack.cache import Cache, FileIndex
from corpuspack.capture.listing import Listing, Walk
from corpuspack.findings.report import Finding, Report, error
from corpuspack.project.schema import RecordSchema
from corpuspack.project.vocabulary import Vocabulary


@dataclass
class Result:
    """What a build made: every record (in the store), the report, and what a release needs to
    write them."""

    store: Store  # the records, spilled to disk: read by release file, by column or by row
    report: Report  # the findings, and how many files and articles were checked
    schema: RecordSchema  # the articles' (schema/article.schema.json)
    quotes_schema: RecordSchema  # the quotes configuration's (schema/quotes.schema.json)
    vocabulary: Vocabulary  # the annotation labels the records were made with
    cache: Cache | None = None  # the build's cache (its file index hashes raw/ for the manifest)
    extensions: dict = field(default_factory=dict)  # what plugins decide, for the manifest
    reads: FileIndex | None = None  # the files the build read, with the digests of their bytes
    listing: Listing | None = None  # the files of raw/ the build's scan saw

    def walk_raw(self) -> Walk | None:
        """A walk of raw/ (manifest.tree_sha256's listed) to compare with what the scan saw."""
        return self.listing.walk() if self.listing is not None else None

    def raw_changes(self, walk: Walk) -> list[Finding]:
        """raw/ now against what the build used: files added or removed since the scan, and
        files the cache's file index vouched for unread that changed since (an error each)."""
        assert self.listing is not None
        shown = self.listing.shown
        vouched = self.reads.changed if self.reads is not None else []
        found = [(name, "added after the build listed raw/") for name in walk.added]
        found += [(name, "removed after the build listed raw/") for name in walk.removed]
        found += [
            (path.removeprefix(walk.prefix), "changed after the build used it unread")
            for path in vouched
        ]
        return [
            error(
                shown + name,
                "raw-changed-during-build",
                f"raw/ changed while the build ran: {what}; run the build again",
            )
            for name, what in dict(found).items()
        ]

    def file_digests(self, paths: Sequence[str], inodes: Sequence[int]) -> list[bytes]:
        """SHA-256 of files of raw/ (for manifest.tree_sha256): of the bytes the build read where it
        read them (so the manifest describes what the release holds, even if a capture changed
        since), from the cache's file index or read now for the others."""
        reads = self.reads if self.reads is not None else FileIndex(None)
        return reads.digests_by_inode(paths, inodes)

    @property
    def count(self) -> int:
        return self.store.count

    @property
    def articles(self) -> list[Article]:
        """Every record, by id, rebuilt from the store: for small corpora and tests (it holds them all)."""
        return self.store.articles()
