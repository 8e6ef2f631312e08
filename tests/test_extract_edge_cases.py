"""Unusual pages lose nothing: what the profiles cannot place stays in the text, with a warning."""

from __future__ import annotations

import json

import pytest

from contributions import write
from corpuspack.article.page import is_tag_line
from corpuspack.build import pipeline
from corpuspack.project import datapackage as project_mod
from support import invoke

SPUTNIK_HEAD = "13:49 GMT28 February 2021\nListen Live\n\n"
NULL_TITLE = b"title:\n  value: null\n  note: not saved\n"


def run(project, relative: str, text: str, sidecar: bytes | None = NULL_TITLE):
    write(project, relative, text.encode())
    if sidecar is not None:
        write(project, relative.removesuffix(".txt") + ".meta.yaml", sidecar)
    result = pipeline.run(project_mod.load(project))
    article = next((a for a in result.articles if a.raw_path == relative), None)
    return article, [
        f for f in result.report.findings if f.file.startswith(relative.removesuffix(".txt"))
    ]


def test_tag_lines():
    assert is_tag_line("regional security, cooperation, THAAD missile defense system, China")
    assert not is_tag_line(
        "Russia, China to Start Laying Cross-Border Part of Power of Siberia in June"
    )
    assert not is_tag_line("He said talks resume in March.")
    assert not is_tag_line("a," * 30 + ".")  # linear time: no regular-expression backtracking


def test_sentences_after_two_blank_lines_stay_text(project):
    text = SPUTNIK_HEAD + "First.\n\nSecond.\n\n\nThird paragraph.\nHe said talks resume in March\n"
    article, findings = run(project, "raw/sputnik/nt.txt", text)
    assert article.text.split("\n\n") == [
        "First.",
        "Second.",
        "Third paragraph.",
        "He said talks resume in March",
    ]
    assert article.keywords == ()
    assert [(f.code, f.line) for f in findings] == [("trailer-not-recognised", 9)]


def test_a_blank_line_inside_the_related_block_keeps_it_as_text_with_a_warning(project):
    path = project / "raw/sputnik/001_dc70cf76e71f894f.txt"
    text = path.read_text(encoding="utf-8").replace(
        "China\n    Xi Jinping to Address", "China\n\n    Xi Jinping to Address"
    )
    article, findings = run(project, "raw/sputnik/001_dc70cf76e71f894f.txt", text, sidecar=None)
    assert "Xi Jinping to Address Ties With Russia" in article.text
    assert [f.code for f in findings] == ["trailer-not-recognised"]


def test_a_missing_tag_line_does_not_turn_a_headline_into_keywords(project):
    path = project / "raw/sputnik/001_dc70cf76e71f894f.txt"
    text = path.read_text(encoding="utf-8").replace(
        "    security cooperation, economy, bilateral relations, Russia, China\n", ""
    )
    article, findings = run(project, "raw/sputnik/001_dc70cf76e71f894f.txt", text, sidecar=None)
    assert article.keywords == ()
    assert (
        "Russia, China to Start Laying Cross-Border Part of Power of Siberia in June"
        in article.text
    )
    assert [f.code for f in findings] == ["trailer-not-recognised"]


def test_an_rt_page_without_a_headline_keeps_its_first_paragraph(project):
    text = (
        "8 mar 2022 09:01 am\n\nThe Chinese foreign minister made it clear.\n\nSecond paragraph.\n"
    )
    article, findings = run(project, "raw/rt/nt.txt", text)
    assert article.title is None
    assert article.text == "The Chinese foreign minister made it clear.\n\nSecond paragraph."


def test_a_tass_page_without_a_dateline_keeps_everything(project):
    text = "All news\n\nHeadline here\n\nFirst paragraph without a dateline.\n\nSecond one.\n"
    article, findings = run(
        project, "raw/tass/nd.txt", text, sidecar=b"published:\n  value: 2023-01-01\n  note: n\n"
    )
    assert article.title == "Headline here" and article.lead is None and article.dateline is None
    assert article.text == "First paragraph without a dateline.\n\nSecond one."
    assert [(f.code, f.severity, f.line) for f in findings] == [
        ("dateline-not-found", "warning", 5)
    ]


def test_crlf_captures_are_read_like_lf(project):
    path = project / "raw/rt/004_f2e18ad958418c56.txt"
    lf, _ = run(
        project, "raw/rt/004_f2e18ad958418c56.txt", path.read_text(encoding="utf-8"), sidecar=None
    )
    crlf, findings = run(
        project,
        "raw/rt/004_f2e18ad958418c56.txt",
        path.read_text(encoding="utf-8").replace("\n", "\r\n"),
        sidecar=None,
    )
    assert crlf.text == lf.text and crlf.title == lf.title and findings == []


def test_a_title_too_long_names_its_line(project):
    article, findings = run(
        project, "raw/rt/long-title.txt", "T" * 600 + "\n\n8 mar 2022 09:01 am\n\nBody.\n", None
    )
    assert [(f.code, f.line) for f in findings] == [("too-long", 1)]


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"max_file_bytes": "5MB"}, "corpuspack.max_file_bytes"),
        ({"card": "x"}, "corpuspack.card"),
        ({"severities": {"near-duplicate": "fatal"}}, "corpuspack.severities.near-duplicate"),
        ({"near_duplicate_severity": "error"}, '"severities": {"near-duplicate": "error"}'),
        ({"require": ["titel"]}, "unknown field(s) titel"),
    ],
)
def test_bad_settings_are_configuration_errors(project, runner, settings, message):
    descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["corpuspack"].update(settings)
    (project / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    result = invoke(runner, "validate", "--project", str(project))
    assert result.exit_code == 2 and message in result.output


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda fields: fields[1].update(type="strin"), "not valid"),
        (lambda fields: fields[0]["constraints"].update(pattern="[0-9"), "not valid"),
        (lambda fields: fields.pop(1), "missing: outlet"),
    ],
)
def test_bad_schemas_are_configuration_errors(project, runner, change, message):
    path = project / "schema/article.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    change(schema["fields"])
    path.write_text(json.dumps(schema), encoding="utf-8")
    result = invoke(runner, "validate", "--project", str(project))
    assert result.exit_code == 2 and message in result.output


@pytest.mark.parametrize(
    "sidecar, line, text",
    [
        (b"title:\n  value: a\n  note: n\ntitle:\n  value: b\n  note: n\n", 4, "appears twice"),
        (b"title:\n  value: !!set {a, b}\n  note: n\n", 2, "tag:yaml.org,2002:set"),
        (
            b'title:\n  value: "x\\ud800"\n  note: n\n',
            2,
            "not valid sidecar YAML",
        ),  # a lone surrogate
        (b"title:\n  value: x\n  note: '   '\n", 3, "is empty"),
    ],
)
def test_sidecar_data_that_would_lose_information_is_refused(project, sidecar, line, text):
    article, findings = run(
        project,
        "raw/rt/004_f2e18ad958418c56.txt",
        (project / "raw/rt/004_f2e18ad958418c56.txt").read_text(encoding="utf-8"),
        sidecar,
    )
    assert article is None
    assert [(f.line, text in f.message) for f in findings] == [(line, True)]


def test_an_uppercase_suffix_is_an_error_not_a_silent_skip(project, runner):
    write(project, "raw/rt/new.TXT", b"Title\n\nBody.\n")
    result = invoke(runner, "validate", "--project", str(project), "--format", "json")
    assert result.exit_code == 1
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["non-portable-name"]
