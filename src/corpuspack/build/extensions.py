"""corpuspack's own annotator and checks, as the extensions (corpuspack.hooks) a build runs.

corpuspack.plugins registers these through the hooks like any plugin's; a build given no
extensions runs these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from corpuspack.annotate import quotations
from corpuspack.article.profiles import ProfileText, packaged
from corpuspack.article.record import Annotation, Article
from corpuspack.build import engines as engines_mod
from corpuspack.checks import corpus
from corpuspack.findings.report import Finding
from corpuspack.hooks import Annotator, CorpusCheck, EngineFactory, FieldSource, RecordCheck


class ExtensionFailed(Exception):
    """An annotator or check (corpuspack's or a plugin's) raised: the message names it."""


@contextmanager
def blamed(kind: str, name: str) -> Iterator[None]:
    """Run an extension's call, naming the extension if it raises, so that a plugin's failure
    is reported as the plugin's, not as corpuspack's bug."""
    try:
        yield
    except ExtensionFailed:
        raise
    except Exception as exc:
        raise ExtensionFailed(f"the {kind} {name!r} failed: {type(exc).__name__}: {exc}") from exc


@dataclass(frozen=True)
class QuotationAnnotator:
    """Direct quotations and their speakers, by rule (corpuspack.annotate.quotations)."""

    name: str = "quotations"

    def annotate(self, text: str) -> Sequence[Annotation]:
        return quotations.annotate(text)


@dataclass(frozen=True)
class MetadataChecks:
    """Required metadata and publication dates after today."""

    name: str = "metadata"

    def check(
        self, articles: Sequence[Article], settings: Any, today: dt.date | None
    ) -> list[Finding]:
        return corpus.record_checks(articles, settings, today)

    def suspects(self, table: pa.Table, settings: Any, today: dt.date | None) -> list[int]:
        """The rows of an Arrow table of records that may have a finding: only they are checked."""
        return corpus.record_check_suspects(table, settings, today)


@dataclass(frozen=True)
class DuplicateChecks:
    """Duplicate ids, urls and texts, and near-duplicates."""

    name: str = "duplicates"

    def check(self, store: Any, settings: Any, focus: set[str] | None) -> list[Finding]:
        return corpus.check(store, settings, focus=focus)


@dataclass(frozen=True)
class Chosen:
    """The annotators, checks, outlet profiles and field sources a build runs (default:
    corpuspack's own)."""

    annotators: tuple[Annotator, ...] = (QuotationAnnotator(),)
    record_checks: tuple[RecordCheck, ...] = (MetadataChecks(),)
    corpus_checks: tuple[CorpusCheck, ...] = field(default=(DuplicateChecks(),))
    profiles: tuple[ProfileText, ...] = field(default_factory=packaged)
    field_sources: tuple[FieldSource, ...] = ()  # of the corpus's own fields (none built in)
    # What of these decides a release's bytes beyond corpuspack (plugins.Extensions.record()).
    recorded: dict = field(default_factory=dict, compare=False, hash=False)
    # plugins.Extensions.fingerprint() of the extensions these were chosen from: part of the cache
    # key. None for a Chosen made otherwise (then a build with other annotators or profiles
    # than the built-ins uses no cache: nothing in the key would tell their entries apart).
    fingerprint: str | None = field(default=None, compare=False)
    # The engines by name (--engine): they change where captures are processed, never a byte.
    engines: Mapping[str, EngineFactory] = field(
        default_factory=lambda: dict(engines_mod.FACTORIES), compare=False, hash=False
    )

    def cache_fingerprint(self) -> str | None:
        """What the cache key holds of these (None: no cache can be used)."""
        if self.fingerprint is not None:
            return self.fingerprint
        builtin = (
            self.annotators == BUILTIN.annotators
            and self.profiles == BUILTIN.profiles
            and not self.field_sources
        )
        return "" if builtin else None


BUILTIN = Chosen()
