"""The registry of extensions: corpuspack's built-ins, installed plugins and a corpus's own.

`load()` gathers what every registered plugin adds at each extension point
(corpuspack.hooks) into one `Extensions` object, which the API hands to the build.
The built-ins register first, through the same hooks, then the packages installed under
the entry point group "corpuspack", then a project's own (its profiles/ folder and the plugin
modules its datapackage.json names: see plugins/project.py), then the plugin objects given
by the caller.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pluggy

from corpuspack import hooks
from corpuspack.article.profiles import ProfileText
from corpuspack.build.extensions import Chosen
from corpuspack.findings import catalogue
from corpuspack.plugins import builtin
from corpuspack.plugins.project import (
    ProjectPluginError,
    ProjectProfiles,
    SourceFile,
    import_modules,
    source_files,
)
from corpuspack.project.datapackage import Project


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
    sources: tuple[SourceFile, ...] = field(default=())  # the project's plugin modules' files

    def chosen(self) -> Chosen:
        """What a build runs of these."""
        return Chosen(
            annotators=self.annotators,
            record_checks=self.record_checks,
            corpus_checks=self.corpus_checks,
            profiles=self.profile_texts(),
            field_sources=self.field_sources,
            recorded=self.record(),
            engines=self.engines,
        )

    def profile_texts(self) -> tuple[ProfileText, ...]:
        """Every source's profiles in registration order (a later profile of a slug wins)."""
        return tuple(
            ProfileText(shown, text)
            for source in self.profile_sources
            for shown, text in source.profiles().items()
        )

    def record(self) -> dict[str, Any]:
        """What of these decides a release's bytes beyond corpuspack's own version: plugin
        distributions, the project's plugin files and profiles (empty: nothing beyond it)."""
        own = ("corpuspack/",)
        profiles = [
            {"path": shown, "sha256": hashlib.sha256(text.encode()).hexdigest()}
            for shown, text in self.profile_texts()
            if not shown.startswith(own)
        ]
        found = {
            "distributions": [p for p in self.plugins if not p.startswith("corpuspack==")],
            "modules": [{"path": f.path, "sha256": f.sha256} for f in self.sources],
            "profiles": profiles,
        }
        return {key: value for key, value in found.items() if value}

    def fingerprint(self) -> str:
        """A digest of everything the extensions decide: their names in order, plugin versions,
        the project's plugin files and every profile's text. Equal fingerprints, equal results."""
        chosen = self.chosen()
        named = {
            kind: [item.name for item in getattr(chosen, kind)]
            for kind in ("annotators", "record_checks", "corpus_checks", "field_sources")
        }
        payload = {
            **named,
            "plugins": list(self.plugins),
            "sources": [[f.path, f.sha256] for f in self.sources],
            "profiles": [[shown, text] for shown, text in self.profile_texts()],
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class _OwnProfiles:
    """A plugin that registers a project's profiles/ folder."""

    source: ProjectProfiles

    @hooks.hookimpl
    def corpuspack_profile_sources(self) -> Sequence[hooks.ProfileSource]:
        return [self.source]


def manager(
    extra: Iterable[object] = (),
    *,
    entry_points: bool = True,
    project: Project | None = None,
    project_code: bool = True,
) -> pluggy.PluginManager:
    """A plugin manager with the built-ins, the installed plugins, the project's own and extra
    registered, in that order. project_code False: the project's profiles, not its modules."""
    plugins = pluggy.PluginManager(hooks.PROJECT)
    plugins.add_hookspecs(hooks.Specs)
    plugins.register(builtin, name="corpuspack")
    if entry_points:
        try:
            plugins.load_setuptools_entrypoints(hooks.PROJECT)
        except Exception as exc:  # a plugin's import error is not ours to classify
            raise PluginError(f"an installed corpuspack plugin failed to load: {exc}") from exc
    if project is not None:
        plugins.register(_OwnProfiles(ProjectProfiles(project.root)), name="project-profiles")
        try:
            wanted = project.settings.plugins if project_code else ()
            modules = import_modules(project.root, wanted)
        except ProjectPluginError as exc:
            raise PluginError(str(exc)) from exc
        for module in modules:
            plugins.register(module, name=f"project:{module.__name__}")
    for plugin in extra:
        plugins.register(plugin)
    return plugins


def load(
    extra: Iterable[object] = (),
    *,
    entry_points: bool = True,
    project: Project | None = None,
    project_code: bool = True,
) -> Extensions:
    """The extensions of the built-ins, installed plugins, a project's own (if given; without
    its plugin modules if not project_code) and extra plugin objects."""
    plugins = manager(extra, entry_points=entry_points, project=project, project_code=project_code)
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
    for name, factory in engines.items():
        if not callable(factory):
            raise PluginError(
                f"a plugin registered engine {name!r} as {factory!r}, which is not an engine "
                "factory (see corpuspack.hooks.EngineFactory)"
            )
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
        sources=_sources(project) if project_code else (),
    )


def project_sources(project: Project) -> tuple[SourceFile, ...]:
    """The files of the plugin modules a project's datapackage.json names."""
    return _sources(project)


def _sources(project: Project | None) -> tuple[SourceFile, ...]:
    if project is None:
        return ()
    try:
        return source_files(project.root, project.settings.plugins)
    except ProjectPluginError as exc:
        raise PluginError(str(exc)) from exc


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
