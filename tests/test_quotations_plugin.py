"""A corpus may replace or switch off the built-in quotation annotator without forking."""

from __future__ import annotations

import dataclasses

from corpuspack import api, hooks, plugins
from corpuspack.article.record import Annotation


class FirstSentence:
    """A stand-in for a model-based annotator: the first sentence as a quotation."""

    name = "first-sentence"

    def annotate(self, text):
        end = text.find(". ") + 1 or len(text)
        return [
            Annotation(
                type="quotation",
                label="QUOTE",
                start=0,
                end=end,
                text=text[:end],
                source="rule",
                attributes=(("attribution", "unresolved"),),
            )
        ]


def _rule_quotes(checked):
    return [
        (article.raw_path, a.text)
        for article in checked.checked.articles
        for a in article.annotations
        if a.label == "QUOTE" and a.source == "rule"
    ]


def test_a_corpus_replaces_the_built_in_quotation_annotator(project):
    class Replaces:
        @hooks.hookimpl
        def corpuspack_annotators(self):
            return [FirstSentence()]

    registered = plugins.load([Replaces()], entry_points=False)
    assert [a.name for a in registered.annotators] == ["quotations", "first-sentence"]
    # What a build runs is the corpus's choice: its own annotator in place of the built-in one.
    mine = dataclasses.replace(
        registered, annotators=tuple(a for a in registered.annotators if a.name != "quotations")
    )
    loaded = api.load_project(project)
    with api.check(loaded, extensions=mine) as checked:
        found = _rule_quotes(checked)
        texts = {a.raw_path: a.text for a in checked.checked.articles}
    assert found and all(texts[path].startswith(text) for path, text in found)
    with api.check(loaded, extensions=plugins.load(entry_points=False)) as built_in:
        assert sorted(_rule_quotes(built_in)) != sorted(found)


def test_a_corpus_switches_the_built_in_annotator_off(project):
    none = dataclasses.replace(plugins.load(entry_points=False), annotators=())
    with api.check(api.load_project(project), extensions=none) as checked:
        assert _rule_quotes(checked) == []
        assert not any(
            a.label == "SPEAKER" for x in checked.checked.articles for a in x.annotations
        )
