"""corpuspack's extension points: what a corpus or an installed package may add.

Each extension point is a Protocol and a pluggy hook that returns implementations of it.
corpuspack's own annotator, checks, outlet profiles and engines register through these
same hooks (corpuspack.plugins.builtin), so a plugin is never second-class:

- `corpuspack_annotators`: Annotators, each a pure function of an article's text that
  returns spans (the built-in finds quotations and their speakers);
- `corpuspack_record_checks`: RecordChecks, findings about single articles;
- `corpuspack_corpus_checks`: CorpusChecks, findings no single article shows;
- `corpuspack_profile_sources`: ProfileSources, outlet profiles (YAML texts by file name);
- `corpuspack_engines`: EngineFactories by name, where the per-capture work runs;
- `corpuspack_field_sources`: FieldSources, values of the corpus's own fields (those its
  Table Schema adds after the built-in ones) for each article; a sidecar's `fields:` win;
- `corpuspack_findings`: the finding codes a plugin's checks report (a finding's code must
  be in the catalogue, a plugin's as much as corpuspack's).

A plugin is a module or object with functions marked `@hookimpl` and named as below:

    from corpuspack.hooks import hookimpl

    @hookimpl
    def corpuspack_record_checks():
        return [NoShoutingTitles()]

An installed package registers it under the entry point group "corpuspack".
Annotators and checks run in worker processes, so they must be picklable (module-level
classes or functions) and must not depend on anything but their arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import pluggy

if TYPE_CHECKING:
    from corpuspack.article.record import Annotation, Article
    from corpuspack.capture.model import RawDocument
    from corpuspack.findings.report import Finding

PROJECT = "corpuspack"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@runtime_checkable
class Annotator(Protocol):
    """Adds spans to an article. `name` is recorded with the build (it keys the cache)."""

    @property
    def name(self) -> str: ...

    def annotate(self, text: str) -> Sequence[Annotation]: ...


@runtime_checkable
class RecordCheck(Protocol):
    """Findings about single articles, given a batch of them (any order, any size)."""

    @property
    def name(self) -> str: ...

    def check(
        self, articles: Sequence[Article], settings: Any, today: dt.date | None
    ) -> list[Finding]: ...


@runtime_checkable
class CorpusCheck(Protocol):
    """Findings no single article shows, from the build's store of every record.

    focus: the captures whose findings are wanted (None: all), for pull-request checks."""

    @property
    def name(self) -> str: ...

    def check(self, store: Any, settings: Any, focus: set[str] | None) -> list[Finding]: ...


@runtime_checkable
class ProfileSource(Protocol):
    """Outlet profiles: YAML texts by their file as a user finds it (e.g. "profiles/bbc.yaml");
    a file name starting with "_" holds generic rules. A later source's profile of a slug wins."""

    @property
    def name(self) -> str: ...

    def profiles(self) -> Mapping[str, str]: ...


@runtime_checkable
class FieldSource(Protocol):
    """Values of the corpus's own fields for one article, by field name: a pure function of the
    article as extracted (its custom fields not yet filled) and the capture it came from. A name
    the Table Schema does not declare, or a value not of its field's type, is a finding; a date
    field takes a datetime.date or "YYYY-MM-DD", an array field a list."""

    @property
    def name(self) -> str: ...

    def fields(self, article: Article, document: RawDocument) -> Mapping[str, Any]: ...


# An engine by the name --engine takes: called as factory(task, jobs=, total=, scheduler=), it
# returns an engine (corpuspack.build.engines.Engine: submit batches, then close); the
# built-ins are corpuspack.build.engines.local and .dask.
EngineFactory = Callable[..., Any]


class Specs:
    """The hooks; each returns a list (or mapping) that pluggy gathers from every plugin."""

    @hookspec
    def corpuspack_annotators(self) -> Sequence[Annotator]:
        """Annotators to run on every article, in registration order."""
        raise NotImplementedError

    @hookspec
    def corpuspack_record_checks(self) -> Sequence[RecordCheck]:
        """Checks of single articles."""
        raise NotImplementedError

    @hookspec
    def corpuspack_corpus_checks(self) -> Sequence[CorpusCheck]:
        """Checks across the corpus."""
        raise NotImplementedError

    @hookspec
    def corpuspack_profile_sources(self) -> Sequence[ProfileSource]:
        """Sources of outlet profiles; a later source's profile of a slug wins."""
        raise NotImplementedError

    @hookspec
    def corpuspack_findings(self) -> Sequence[Mapping[str, str]]:
        """The finding codes a plugin's checks report, each as in corpuspack's catalogue:
        {"code": ..., "severity": "error" or "warning", "title": ..., "fix": ...}."""
        raise NotImplementedError

    @hookspec
    def corpuspack_field_sources(self) -> Sequence[FieldSource]:
        """Sources of the corpus's own fields' values, in registration order (a later one's
        value of a field wins; a sidecar's wins over them all)."""
        raise NotImplementedError

    @hookspec
    def corpuspack_engines(self) -> Mapping[str, EngineFactory]:
        """Engines by the name --engine takes."""
        raise NotImplementedError
