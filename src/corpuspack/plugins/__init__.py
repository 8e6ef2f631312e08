"""The registry of extensions: corpuspack's built-ins, installed plugins and a corpus's own.

`load()` gathers what every registered plugin adds at each extension point
(corpuspack.hooks) into one `Extensions` object, which the API hands to the build.
The built-ins register first, through the same hooks, then the packages installed under
the entry point group "corpuspack", then the plugin objects given by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pluggy

from corpuspack import hooks
from corpuspack.build.extensions import Chosen
from corpuspack.findings import catalogue
from corpuspack.plugins import builtin


class PluginError(Exception):
    """A plugin could not be loaded, or what it registered is not what its hook asks for."""


@dataclass(frozen=True)
class Extensions:
    """What the build runs: every registered annotator, check, profile source and engine."""

    annotators: tuple[hooks.Annotator, ...]
    record_checks: tuple[hooks.RecordCheck, ...]
    corpus_checks: tuple[hooks.CorpusCheck, ...]
    profile_sources: tuple[hooks.ProfileSource, ...]
    engines: Mapping[str, hooks.EngineFactory]
    field_sources: tuple[hooks.FieldSource, ...] = field(default=())
    plugins: tuple[str, ...] = field(default=())  # "name==version" of each plugin distribution

    def chosen(self) -> Chosen:
        """What a build runs of these."""
        return Chosen(self.annotators, self.record_checks, self.corpus_checks, self.field_sources)

    def profile_texts(self) -> dict[str, str]:
        """Every profile's YAML by file name; a later source's file of the same name wins."""
        texts: dict[str, str] = {}
        for source in self.profile_sources:
            texts.update(source.profiles())
        return texts


def manager(extra: Iterable[object] = (), *, entry_points: bool = True) -> pluggy.PluginManager:
    """A plugin manager with the built-ins, the installed plugins and extra registered."""
    plugins = pluggy.PluginManager(hooks.PROJECT)
    plugins.add_hookspecs(hooks.Specs)
    plugins.register(builtin, name="corpuspack")
    if entry_points:
        try:
            plugins.load_setuptools_entrypoints(hooks.PROJECT)
        except Exception as exc:  # a plugin's import error is not ours to classify
            raise PluginError(f"an installed corpuspack plugin failed to load: {exc}") from exc
    for plugin in extra:
        plugins.register(plugin)
    return plugins


def load(extra: Iterable[object] = (), *, entry_points: bool = True) -> Extensions:
    """The extensions of the built-ins, installed plugins and extra plugin objects."""
    plugins = manager(extra, entry_points=entry_points)
    call = plugins.hook
    try:
        for codes in reversed(call.corpuspack_findings()):
            catalogue.register([dict(item) for item in codes])
    except ValueError as exc:
        raise PluginError(f"a plugin's finding codes: {exc}") from exc
    engines: dict[str, hooks.EngineFactory] = {}
    # pluggy calls the last registered first: reversed, so a later plugin's engine wins a name.
    for found in reversed(call.corpuspack_engines()):
        engines.update(found)
    return Extensions(
        annotators=_gathered(call.corpuspack_annotators(), hooks.Annotator, "annotator"),
        record_checks=_gathered(call.corpuspack_record_checks(), hooks.RecordCheck, "record check"),
        corpus_checks=_gathered(call.corpuspack_corpus_checks(), hooks.CorpusCheck, "corpus check"),
        profile_sources=_gathered(
            call.corpuspack_profile_sources(), hooks.ProfileSource, "profile source"
        ),
        engines=engines,
        field_sources=_gathered(call.corpuspack_field_sources(), hooks.FieldSource, "field source"),
        plugins=_distributions(plugins),
    )


def _gathered(results: list[Sequence[Any]], kind: type, what: str) -> tuple[Any, ...]:
    """One hook's results in registration order (pluggy returns the last registered first)."""
    gathered: list[Any] = []
    for found in reversed(results):
        for item in found:
            if not isinstance(item, kind):
                raise PluginError(
                    f"a plugin registered {item!r} as a {what}, but it lacks what a {what} has "
                    f"(see corpuspack.hooks.{kind.__name__})"
                )
            gathered.append(item)
    names = [item.name for item in gathered]
    if len(names) != len(set(names)):
        raise PluginError(f"two {what}s share a name: {sorted(names)}")
    return tuple(gathered)


def _distributions(plugins: pluggy.PluginManager) -> tuple[str, ...]:
    found = set()
    for _plugin, dist in plugins.list_plugin_distinfo():
        found.add(f"{dist.project_name}=={dist.version}")
    try:
        found.add(f"corpuspack=={metadata.version('corpuspack')}")
    except metadata.PackageNotFoundError:
        pass
    return tuple(sorted(found))
