"""The registry: built-ins and plugins register through the same hooks."""

from __future__ import annotations

import pytest

from corpuspack import hooks, plugins
from support import APlugin, Shouting, mine


def test_the_built_ins_register_through_the_hooks():
    extensions = plugins.load(entry_points=False)
    assert [a.name for a in extensions.annotators] == ["quotations"]
    assert [c.name for c in extensions.record_checks] == ["metadata"]
    assert [c.name for c in extensions.corpus_checks] == ["duplicates"]
    shown = {text.shown.rsplit("/", 1)[-1] for text in extensions.profile_texts()}
    assert {"_generic.yaml", "rt.yaml", "tass.yaml"} <= shown
    assert sorted(extensions.engines) == ["dask", "local"]
    quotes = extensions.annotators[0].annotate('"We will win," said Jane Doe, the minister.')
    assert [a.label for a in quotes] == ["QUOTE", "SPEAKER"]


def test_a_plugin_adds_after_the_built_ins_and_wins_a_name():
    extensions = plugins.load([APlugin()], entry_points=False)
    assert [a.name for a in extensions.annotators] == ["quotations", "shouting"]
    assert extensions.engines["local"] is mine and "dask" in extensions.engines


def test_what_is_not_an_extension_is_refused_with_its_hook():
    class Broken:
        @hooks.hookimpl
        def corpuspack_record_checks(self):
            return [object()]

    with pytest.raises(plugins.PluginError, match="RecordCheck"):
        plugins.load([Broken()], entry_points=False)


def test_two_extensions_of_one_name_are_refused():
    class Twice:
        @hooks.hookimpl
        def corpuspack_annotators(self):
            return [Shouting(), Shouting()]

    with pytest.raises(plugins.PluginError, match="share a name"):
        plugins.load([Twice()], entry_points=False)


class LoudTitles:
    name = "loud-titles"

    def check(self, articles, settings, today):
        from corpuspack.findings.report import warning

        return [
            warning(a.raw_path, "plugin-finding", "the title is in capitals")
            for a in articles
            if a.title and a.title.isupper()
        ]


class EveryArticle:
    name = "count"

    def check(self, store, settings, focus):
        from corpuspack.findings.report import warning

        return [warning("raw", "plugin-finding", f"{store.count} articles")]


class Checks:
    @hooks.hookimpl
    def corpuspack_findings(self):
        return [
            {
                "code": "plugin-finding",
                "severity": "warning",
                "title": "A plugin's finding",
                "fix": "Nothing: the test's plugin reports it.",
            }
        ]

    @hooks.hookimpl
    def corpuspack_record_checks(self):
        return [LoudTitles()]

    @hooks.hookimpl
    def corpuspack_corpus_checks(self):
        return [EveryArticle()]


def test_a_build_runs_the_plugins_annotators_and_checks(project, tmp_path):
    from corpuspack import api

    capture = project / "raw/rt/004_f2e18ad958418c56.txt"
    lines = capture.read_text(encoding="utf-8").splitlines()
    title = next(i for i, line in enumerate(lines) if line.strip())
    lines[title] = lines[title].upper()
    capture.write_text("\n".join(lines) + "\n", encoding="utf-8")
    extensions = plugins.load([APlugin(), Checks()], entry_points=False)
    loaded = api.load_project(project)
    for cache in (None, tmp_path / "cache"):  # a cache never hides a plugin's work
        scale = api.Scale(cache_dir=cache)
        with api.check(loaded, extensions=extensions, scale=scale) as checked:
            messages = {(f.file, f.message) for f in checked.report.findings}
            assert ("raw/rt/004_f2e18ad958418c56.txt", "the title is in capitals") in messages
            assert ("raw", "5 articles") in messages
            spans = {a.label for a in checked.checked.articles[0].annotations}
            assert "ORG" in spans
    with api.check(loaded, extensions=plugins.load(entry_points=False)) as plain:
        assert not [f for f in plain.report.findings if f.code == "plugin-finding"]


def test_a_plugin_may_not_redefine_a_code_of_corpuspack():
    class Thief:
        @hooks.hookimpl
        def corpuspack_findings(self):
            return [{"code": "duplicate-id", "severity": "warning", "title": "x", "fix": "y"}]

    with pytest.raises(plugins.PluginError, match="already defined"):
        plugins.load([Thief()], entry_points=False)


def test_an_engine_that_cannot_be_called_is_refused():
    class Broken:
        @hooks.hookimpl
        def corpuspack_engines(self):
            return {"spark": "not a factory"}

    with pytest.raises(plugins.PluginError, match="engine 'spark'"):
        plugins.load([Broken()], entry_points=False)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_plugin_that_raises_is_named_not_blamed_on_corpuspack(project, jobs):
    from corpuspack import api

    class Failing:
        name = "failing-annotator"

        def annotate(self, text):
            raise RuntimeError("the model is missing")

    class Plugin:
        @hooks.hookimpl
        def corpuspack_annotators(self):
            return [Failing()]

    loaded = plugins.load([Plugin()], entry_points=False)
    with pytest.raises(api.ConfigError, match="annotator 'failing-annotator' failed: Runtime"):
        api.check(api.load_project(project), extensions=loaded, scale=api.Scale(jobs=jobs))
