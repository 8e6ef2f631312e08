"""corpuspack's own extensions, registered through the same hooks as anyone's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from corpuspack.annotate import quotations
from corpuspack.article.record import Annotation, Article
from corpuspack.build import engines
from corpuspack.checks import corpus
from corpuspack.findings.report import Finding
from corpuspack.hooks import (
    Annotator,
    CorpusCheck,
    EngineFactory,
    ProfileSource,
    RecordCheck,
    hookimpl,
)


@dataclass(frozen=True)
class Quotations:
    """Direct quotations and their speakers, by rule (corpuspack.annotate.quotations)."""

    name: str = "quotations"

    def annotate(self, text: str) -> Sequence[Annotation]:
        return quotations.annotate(text)


@dataclass(frozen=True)
class RecordChecks:
    """Required metadata and publication dates after today."""

    name: str = "records"

    def check(
        self, articles: Sequence[Article], settings: Any, today: dt.date | None
    ) -> list[Finding]:
        return corpus.record_checks(articles, settings, today)


@dataclass(frozen=True)
class CorpusChecks:
    """Duplicate ids, urls and texts, and near-duplicates."""

    name: str = "duplicates"

    def check(self, store: Any, settings: Any, focus: set[str] | None) -> list[Finding]:
        return corpus.check(store, settings, focus=focus)


@dataclass(frozen=True)
class PackagedProfiles:
    """The outlet profiles that ship with corpuspack (corpuspack/article/profiles/*.yaml)."""

    name: str = "corpuspack"

    def profiles(self) -> Mapping[str, str]:
        folder = resources.files("corpuspack.article.profiles")
        return {
            entry.name: entry.read_text(encoding="utf-8")
            for entry in folder.iterdir()
            if entry.name.endswith(".yaml")
        }


@hookimpl
def corpuspack_annotators() -> Sequence[Annotator]:
    return [Quotations()]


@hookimpl
def corpuspack_record_checks() -> Sequence[RecordCheck]:
    return [RecordChecks()]


@hookimpl
def corpuspack_corpus_checks() -> Sequence[CorpusCheck]:
    return [CorpusChecks()]


@hookimpl
def corpuspack_profile_sources() -> Sequence[ProfileSource]:
    return [PackagedProfiles()]


@hookimpl
def corpuspack_engines() -> Mapping[str, EngineFactory]:
    return {"local": engines.Local, "dask": engines.Dask}
