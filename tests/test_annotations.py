"""People's annotation files, carried through normalisation onto the released text, or refused loudly."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import yaml

from contributions import NEW_RT, write
from corpuspack.article.record import Annotation
from corpuspack.article.standoff import merge
from corpuspack.build import pipeline
from corpuspack.cache import Cache
from corpuspack.project import datapackage as project_mod
from support import DATA, REPO, VERSION, copy_project, invoke

SPUTNIK = "raw/sputnik/000_b815a870e73c6b09"
FIXTURES = DATA / "annotations"


def findings(runner, project: Path) -> list[tuple[str, int | None, str, str]]:
    result = invoke(runner, "validate", "--project", str(project), "--format", "json")
    return [
        (f["file"].rsplit("/", 1)[-1], f["line"], f["code"], f["severity"])
        for f in json.loads(result.stdout)["findings"]
    ]


def person_spans(project: Path, capture: str) -> list[Annotation]:
    article = next(
        a for a in pipeline.run(project_mod.load(project)).articles if a.raw_path == capture
    )
    assert all(article.text[a.start : a.end] == a.text for a in article.annotations)
    return [a for a in article.annotations if a.source == "person"]


def install_fixtures(project: Path, keep: dict[str, set[int]] | None = None) -> None:
    """The hand-written brat and JSONL files for the Sputnik seed; keep: only these lines of each."""
    for suffix in (".ann", ".spans.jsonl"):
        lines = (FIXTURES / f"000_b815a870e73c6b09{suffix}").read_text(encoding="utf-8").split("\n")
        if keep is not None:
            lines = [line for number, line in enumerate(lines, start=1) if number in keep[suffix]]
        (project / f"{SPUTNIK}{suffix}").write_text("\n".join(lines), encoding="utf-8")


def test_spans_before_inside_and_after_furniture_give_exactly_these_findings(project, runner):
    install_fixtures(project)
    assert sorted(findings(runner, project)) == sorted(
        [
            # brat
            (
                "000_b815a870e73c6b09.ann",
                3,
                "span-in-removed-text",
                "error",
            ),  # "Get short URL", header furniture
            (
                "000_b815a870e73c6b09.ann",
                5,
                "span-in-removed-text",
                "error",
            ),  # "Community standards", trailer
            ("000_b815a870e73c6b09.ann", 6, "span-overlap", "error"),  # PERSON inside T7's ORG
            ("000_b815a870e73c6b09.ann", 7, "span-overlap", "error"),  # ORG over the JSONL's ORG
            ("000_b815a870e73c6b09.ann", 11, "brat-not-imported", "warning"),  # a relation
            ("000_b815a870e73c6b09.ann", 12, "span-discontinuous", "error"),
            (
                "000_b815a870e73c6b09.ann",
                13,
                "annotation-syntax",
                "error",
            ),  # attribute of an undefined T9
            ("000_b815a870e73c6b09.ann", 14, "annotation-syntax", "error"),  # T1 defined twice
            # JSONL
            (
                "000_b815a870e73c6b09.spans.jsonl",
                1,
                "span-in-removed-text",
                "error",
            ),  # "Listen Live"
            ("000_b815a870e73c6b09.spans.jsonl", 5, "unknown-label", "error"),  # EVENT
            (
                "000_b815a870e73c6b09.spans.jsonl",
                8,
                "span-in-removed-text",
                "error",
            ),  # a related headline
            ("000_b815a870e73c6b09.spans.jsonl", 9, "span-text-mismatch", "error"),
            (
                "000_b815a870e73c6b09.spans.jsonl",
                10,
                "span-in-removed-text",
                "error",
            ),  # body into the trailer
            ("000_b815a870e73c6b09.spans.jsonl", 11, "span-out-of-range", "error"),
            (
                "000_b815a870e73c6b09.spans.jsonl",
                12,
                "annotation-syntax",
                "error",
            ),  # start is a string
            (
                "000_b815a870e73c6b09.spans.jsonl",
                13,
                "span-in-removed-text",
                "error",
            ),  # header into the body
        ]
    )
    result = invoke(runner, "build", "--project", str(project))
    assert result.exit_code == 1 and not (project / "dist").exists()


def test_the_valid_spans_land_exactly_on_the_released_text(project):
    install_fixtures(
        project, keep={".ann": {1, 2, 4, 6, 8, 9, 10, 11}, ".spans.jsonl": {2, 3, 4, 6, 14}}
    )
    spans = person_spans(project, f"{SPUTNIK}.txt")
    assert [(a.label, a.type, a.text, dict(a.attributes)) for a in spans] == [
        ("PERSON", "entity", "Wang Yi", {}),  # "PER" in the file: an alias
        (
            "PERSON",
            "entity",
            "Sergei Lavrov",
            {"first_mention": "true", "role": "foreign minister"},
        ),
        (
            "PERSON",
            "entity",
            "Feng Yujun",
            {"Confidence": "High", "note": "first mention of the expert"},
        ),
        ("ORG", "entity", "Fudan University", {}),
        ("PERSON", "entity", "Feng Yujun", {}),
        (
            "LOC",
            "entity",
            "since the Cold War",
            {},
        ),  # a no-break space in the capture, a space in the text
        ("GPE", "entity", "Russia", {}),  # inside a quotation, after its typographic mark
        ("LOC", "entity", "Northeast Asia", {"Negated": "true"}),
        ("PERSON", "entity", "Yujun", {}),  # the last word before the trailer
    ]
    text = next(
        a
        for a in pipeline.run(project_mod.load(project)).articles
        if a.raw_path == f"{SPUTNIK}.txt"
    ).text
    assert (
        spans[0].start == text.index("Wang Yi")
        and spans[-1].end == text.index("Yujun concluded") + 5
    )


def test_dateline_lead_and_a_span_just_after_the_dateline(project, runner):
    tass = "raw/tass/002_7aabf56efc3e79f2"
    (project / f"{tass}.spans.jsonl").write_text(
        '{"start": 299, "end": 306, "label": "GPE", "text": "BEIJING"}\n'
        '{"start": 101, "end": 113, "label": "PERSON", "text": "According to"}\n'
        '{"start": 330, "end": 346, "label": "GPE", "text": "China and Russia"}\n',
        encoding="utf-8",
    )
    result = invoke(runner, "validate", "--project", str(project), "--format", "json")
    found = [(f["line"], f["code"], f["message"]) for f in json.loads(result.stdout)["findings"]]
    assert [(line, code) for line, code, _ in found] == [
        (1, "span-in-removed-text"),
        (2, "span-in-removed-text"),
    ]
    assert (
        "rule tass/dateline removed line 7" in found[0][2]
        and "rule tass/lead removed line 5" in found[1][2]
    )
    (project / f"{tass}.spans.jsonl").write_text(
        '{"start": 330, "end": 346, "label": "GPE", "text": "China and Russia"}\n', encoding="utf-8"
    )
    [span] = [a for a in person_spans(project, f"{tass}.txt") if a.text == "China and Russia"]
    assert span.start == 0  # the dateline was cut from the paragraph's start


def test_repaired_mojibake_and_crlf_line_endings(project, runner):
    capture = NEW_RT.replace(
        b"a ministry statement said.", "a â€œministryâ€\x9d statement said.".encode()
    ).replace(b"\n", b"\r\n")
    write(project, "raw/rt/new.txt", capture)
    raw = capture.decode("utf-8")
    start = raw.index("â€œministry")
    whole = (start, raw.index("statement") - 1)
    write(
        project,
        "raw/rt/new.spans.jsonl",
        (
            json.dumps(
                {
                    "start": whole[0],
                    "end": whole[1],
                    "label": "ORG",
                    "text": raw[whole[0] : whole[1]],
                }
            )
            + "\n"
            + json.dumps({"start": start + 1, "end": whole[1], "label": "ORG"})
            + "\n"
        ).encode(),
    )
    assert findings(runner, project) == [
        ("new.spans.jsonl", 2, "span-cut-by-normalisation", "error")
    ]
    write(
        project,
        "raw/rt/new.spans.jsonl",
        (json.dumps({"start": whole[0], "end": whole[1], "label": "ORG"}) + "\n").encode(),
    )
    [span] = person_spans(project, "raw/rt/new.txt")
    assert span.text == "“ministry”"


def test_every_span_of_the_committed_release_is_its_text():
    release = REPO / "dist" / VERSION
    articles = datasets.load_dataset(str(release), split="train")
    spans = [(row["text"], a) for row in articles for a in row["annotations"]]
    assert {a["source"] for _, a in spans} == {"person", "rule"}
    assert all(text[a["start"] : a["end"]] == a["text"] for text, a in spans)
    texts = dict(zip(articles["id"], articles["text"], strict=True))
    quotes = datasets.load_dataset(str(release), "quotes", split="train")
    assert quotes.num_rows == 22
    assert all(texts[q["article_id"]][q["start"] : q["end"]] == q["quote"] for q in quotes)
    card = (release / "README.md").read_text(encoding="utf-8").split("---\n")[1]
    info = next(c for c in yaml.safe_load(card)["dataset_info"] if c["config_name"] == "quotes")
    assert quotes.features == datasets.Features._from_yaml_list(info["features"])
    assert set(quotes.features) == {
        "article_id",
        "speaker",
        "speaker_as_written",
        "quote",
        "start",
        "end",
        "outlet",
        "published",
        "published_date",
        "source",
        "attribution",
    }
    assert {q["attribution"] for q in quotes} <= {
        "explicit",
        "resolved",
        "continuation",
        "unresolved",
    }
    feng = [q for q in quotes if q["speaker"] == "Feng Yujun"]
    assert [q["speaker_as_written"] for q in feng] == [
        "Yujun",
        "the expert",
        "the expert",
        "Yujun",
        "Yujun",
    ]


def test_the_default_configuration_is_still_the_articles():
    loaded = datasets.load_dataset(str(REPO / "dist" / VERSION), split="train")
    assert "annotations" in loaded.features and loaded.num_rows == 5


def test_a_persons_quotation_replaces_the_rules_overlapping_one():
    rule = Annotation("quotation", "QUOTE", 10, 50, "x" * 40, "rule", (("speaker", "A"),))
    other = Annotation("quotation", "QUOTE", 60, 70, "y" * 10, "rule")
    person = Annotation("quotation", "QUOTE", 12, 50, "x" * 38, "person", (("speaker", "B"),))
    assert merge([person], [rule, other]) == (person, other)


def test_an_inconsistent_vocabulary_is_a_project_error(project, runner):
    path = project / "schema/annotations.schema.json"
    vocabulary = json.loads(path.read_text(encoding="utf-8"))
    vocabulary["fields"][2]["constraints"]["enum"].append("EVENT")
    path.write_text(json.dumps(vocabulary), encoding="utf-8")
    result = invoke(runner, "validate", "--project", str(project))
    assert result.exit_code == 2
    assert "schema/annotations.schema.json" in result.output and "must be the same" in result.output


def test_the_annotations_column_cannot_drift_from_the_vocabulary(project, runner):
    path = project / "schema/article.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["fields"][-1]["arrayItem"]["fields"][2]["type"] = "string"  # start
    path.write_text(json.dumps(schema), encoding="utf-8")
    result = invoke(runner, "validate", "--project", str(project))
    assert result.exit_code == 2 and "annotations field must list the fields" in result.output


def test_changing_an_annotation_file_misses_the_cache(tmp_path):
    project = copy_project(tmp_path / "corpus")
    cache = Cache(tmp_path / "cache")
    pipeline.run(project_mod.load(project), cache=cache)
    path = project / f"{SPUTNIK}.spans.jsonl"
    path.write_text(
        path.read_text(encoding="utf-8").replace('"Japan"}', '"Japan", "attributes": {"x": 1}}'),
        encoding="utf-8",
    )
    cache.hits = cache.misses = 0
    rerun = pipeline.run(project_mod.load(project), cache=cache)
    assert (cache.hits, cache.misses) == (4, 1)
    japan = next(a for a in person_spans(project, f"{SPUTNIK}.txt") if a.text == "Japan")
    assert japan.attributes == (("x", "1"),)
    assert rerun.report.valid
