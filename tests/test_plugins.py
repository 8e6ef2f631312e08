"""The registry: built-ins and plugins register through the same hooks."""

from __future__ import annotations

import pytest

from corpuspack import hooks, plugins
from corpuspack.article.record import Annotation


class Shouting:
    name = "shouting"

    def annotate(self, text):
        return [
            Annotation(type="entity", label="ORG", start=0, end=3, text=text[:3], source="rule")
        ]


class APlugin:
    @hooks.hookimpl
    def corpuspack_annotators(self):
        return [Shouting()]

    @hooks.hookimpl
    def corpuspack_engines(self):
        return {"local": "mine"}


def test_the_built_ins_register_through_the_hooks():
    extensions = plugins.load(entry_points=False)
    assert [a.name for a in extensions.annotators] == ["quotations"]
    assert [c.name for c in extensions.record_checks] == ["records"]
    assert [c.name for c in extensions.corpus_checks] == ["duplicates"]
    assert {"_generic.yaml", "rt.yaml", "tass.yaml"} <= set(extensions.profile_texts())
    assert sorted(extensions.engines) == ["dask", "local"]
    quotes = extensions.annotators[0].annotate('"We will win," said Jane Doe, the minister.')
    assert [a.label for a in quotes] == ["QUOTE", "SPEAKER"]


def test_a_plugin_adds_after_the_built_ins_and_wins_a_name():
    extensions = plugins.load([APlugin()], entry_points=False)
    assert [a.name for a in extensions.annotators] == ["quotations", "shouting"]
    assert extensions.engines["local"] == "mine" and "dask" in extensions.engines


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
