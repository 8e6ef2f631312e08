"""corpuspack's own extensions, registered through the same hooks as anyone's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from corpuspack.article.profiles import packaged
from corpuspack.build import engines
from corpuspack.build.extensions import BUILTIN
from corpuspack.hooks import (
    Annotator,
    CorpusCheck,
    EngineFactory,
    ProfileSource,
    RecordCheck,
    hookimpl,
)


@dataclass(frozen=True)
class PackagedProfiles:
    """The outlet profiles that ship with corpuspack (corpuspack/article/profiles/*.yaml)."""

    name: str = "corpuspack"

    def profiles(self) -> Mapping[str, str]:
        return dict(packaged())


@hookimpl
def corpuspack_annotators() -> Sequence[Annotator]:
    return BUILTIN.annotators


@hookimpl
def corpuspack_record_checks() -> Sequence[RecordCheck]:
    return BUILTIN.record_checks


@hookimpl
def corpuspack_corpus_checks() -> Sequence[CorpusCheck]:
    return BUILTIN.corpus_checks


@hookimpl
def corpuspack_profile_sources() -> Sequence[ProfileSource]:
    return [PackagedProfiles()]


@hookimpl
def corpuspack_engines() -> Mapping[str, EngineFactory]:
    return dict(engines.FACTORIES)
