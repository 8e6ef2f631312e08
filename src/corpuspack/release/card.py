"""The Hugging Face dataset card (README.md) of a release, generated from the data.

The YAML header is written by huggingface_hub's DatasetCardData and the `datasets`
library's own DatasetInfo serialisation (features, splits), so it is exactly what
`load_dataset` reads. The body's tables come from the schema and the rows.
"""

from __future__ import annotations

from datasets.info import DatasetInfo, DatasetInfosDict
from datasets.splits import SplitDict, SplitInfo
from huggingface_hub import DatasetCard, DatasetCardData

from corpuspack import __version__
from corpuspack.build.tables import Summary
from corpuspack.checks.card import SECTIONS
from corpuspack.checks.card import (  # moved to checks/; cli/commands.py imports it from here
    missing_sections as missing_sections,
)
from corpuspack.project.schema import RecordSchema
from corpuspack.release import hub


def _escape(cell: str) -> str:
    return cell.replace("|", "\\|").replace("\n", " ")


def card_metadata(descriptor: dict, settings, *, count: int, languages: list[str]) -> dict:
    licence = (descriptor.get("licenses") or [{}])[0]
    metadata = {
        "license": licence.get("name", "").lower() or None,
        "language": languages,
        "task_categories": list(settings.task_categories),
        "size_categories": [hub.size_category(count)],
        "pretty_name": settings.pretty_name or descriptor["title"],
    }
    if settings.task_ids:
        metadata["task_ids"] = list(settings.task_ids)
    if metadata["license"] == "other":
        metadata["license_name"] = settings.license_name
        if licence.get("path"):
            metadata["license_link"] = licence["path"]
    hub.check(metadata)
    return metadata


def render(
    descriptor: dict,
    settings,
    schema: RecordSchema,
    summary: Summary,
    *,
    sizes: dict[str, tuple[int, int]],
    data_files: dict[str, list[str]],
    quotes_schema: RecordSchema,
    quote_sizes: dict[str, tuple[int, int]],
    vocabulary,
) -> str:
    """sizes, quote_sizes: split -> (rows, in-memory Arrow bytes), in the configured order."""
    data = _card_data(descriptor, settings, summary, sizes, quote_sizes)
    infos = {}
    for config, table, split_sizes in (
        ("articles", schema, sizes),
        ("quotes", quotes_schema, quote_sizes),
    ):
        infos[config] = DatasetInfo(
            features=table.features,
            splits=SplitDict(
                {
                    name: SplitInfo(name=name, num_examples=rows, num_bytes=size)
                    for name, (rows, size) in split_sizes.items()
                }
            ),
            dataset_name=descriptor["name"],
            config_name=config,
        )
    DatasetInfosDict(infos).to_dataset_card_data(data)
    version = descriptor["version"]
    quotes = sum(rows for rows, _ in quote_sizes.values())
    lines = (
        _intro(descriptor, settings, summary.count, sizes)
        + _loading(version, sizes)
        + ["## Fields", "", "### articles", ""]
        + _fields_table(schema, "schema/article.schema.json")
        + [
            "### quotes",
            "",
            f"{quotes} quotations. A quotation's rows follow its article into the same split.",
            "",
        ]
        + _fields_table(quotes_schema, "schema/quotes.schema.json")
        + _annotations(summary, vocabulary)
        + _quotation_measures()
        + _contents(summary)
        + _provenance(summary, data_files)
        + _written(descriptor, settings)
        + _citation(descriptor)
    )
    body = "\n".join(lines)
    card = DatasetCard(f"---\n{data.to_yaml()}\n---\n\n{body}")
    return str(card)


def _card_data(
    descriptor: dict,
    settings,
    summary: Summary,
    sizes: dict[str, tuple[int, int]],
    quote_sizes: dict[str, tuple[int, int]],
) -> DatasetCardData:
    """The card's YAML header but for the features and splits: metadata and configurations."""
    metadata = card_metadata(
        descriptor, settings, count=summary.count, languages=sorted(summary.languages)
    )
    data = DatasetCardData(
        **{k: v for k, v in metadata.items() if k not in {"license_name", "license_link"}},
        configs=[
            {
                "config_name": "articles",
                "default": True,
                "data_files": [{"split": name, "path": f"data/{name}-*.parquet"} for name in sizes],
            },
            {
                "config_name": "quotes",
                "data_files": [
                    {"split": name, "path": f"quotes/{name}-*.parquet"} for name in quote_sizes
                ],
            },
        ],
    )
    # Set after the rest: the header keeps insertion order, and releases already written have them last.
    if "license_name" in metadata:
        data["license_name"] = metadata["license_name"]
    if "license_link" in metadata:
        data["license_link"] = metadata["license_link"]
    return data


def _fields_table(schema: RecordSchema, source: str) -> list[str]:
    lines = [
        f"Generated from the Table Schema `{source}`.",
        "",
        "| field | type | required | description |",
        "|---|---|---|---|",
    ]
    for row in schema.rows_table():
        lines.append(
            f"| `{row['name']}` | {row['type']} | {'yes' if row['required'] else 'no'} | "
            f"{_escape(row['description'])} |"
        )
    return lines + [""]


def _intro(descriptor: dict, settings, count: int, sizes: dict[str, tuple[int, int]]) -> list[str]:
    version = descriptor["version"]
    title = settings.pretty_name or descriptor["title"]
    lines = [
        f"# {title}",
        "",
        descriptor.get("description", "").strip(),
        "",
        f"Release **{version}**: {count} articles, "
        + (
            f"one `{next(iter(sizes))}` split"
            if len(sizes) == 1
            else "in " + ", ".join(f"`{name}` ({rows})" for name, (rows, _) in sizes.items())
        )
        + f". Built by corpuspack {__version__} from the raw captures in the source repository.",
        "",
    ]
    if len(settings.splits) > 1:
        lines += [
            "Splits are a function of the article id alone (a hash of the id against the shares "
            + ", ".join(f"{name} {share:g}" for name, share in settings.splits.items())
            + "), so articles added later never move an existing article to another split.",
            "",
        ]
    return lines


def _loading(version: str, sizes: dict[str, tuple[int, int]]) -> list[str]:
    first = next(iter(sizes))
    return [
        "## Loading",
        "",
        "Two configurations: `articles` (the default), one row per article, and `quotes`, one row per "
        "direct quotation with its speaker.",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
        (
            f'articles = load_dataset("path/to/dist/{version}", split="{first}")  '
            "# a local copy of this release"
            if len(sizes) == 1
            else f'articles = load_dataset("path/to/dist/{version}")  # a local copy of this release: '
            + ", ".join(f'articles["{name}"]' for name in sizes)
        ),
        f'quotes = load_dataset("path/to/dist/{version}", "quotes", split="{first}")',
        "```",
        "",
        "Each release lives in its own folder named by its version and is never rewritten, so a path "
        "(or a Hub revision tag) names exactly one set of rows.",
        "",
    ]


def _annotations(summary: Summary, vocabulary) -> list[str]:
    counts = summary.annotations
    entries = vocabulary.descriptor.get("corpuspack:labels", {})
    lines = [
        "## Annotations",
        "",
        "Each article's `annotations` are spans on its `text`: `text[start:end]` is the span "
        "(Unicode code points, end exclusive). Spans with source `person` come from annotation files "
        "beside the raw capture (JSONL or brat), whose offsets refer to the raw capture and are carried "
        "through normalisation by an offset map; a span that normalisation would cut or that lies in "
        "removed text stops the build instead of being shifted. Spans with source `rule` come from "
        "corpuspack's rule-based quotation annotator: direct quotations (QUOTE, with the speaker resolved "
        "to the fullest name the article gives) and the words that name the speaker (SPEAKER). Quoted "
        "words no one is said to have said (scare quotes, quoted terms) are not annotated. Where a "
        "person annotated a span of the same label, the rule's overlapping span is left out.",
        "",
        "The vocabulary, generated from `schema/annotations.schema.json`:",
        "",
        "| label | type | aliases | description | by people | by rule |",
        "|---|---|---|---|---|---|",
    ]
    for label, kind in vocabulary.labels.items():
        entry = entries.get(label, {})
        lines.append(
            f"| `{label}` | {kind} | {', '.join(entry.get('aliases', [])) or '-'} | "
            f"{_escape(entry.get('description', ''))} | {counts[(label, 'person')]} | "
            f"{counts[(label, 'rule')]} |"
        )
    return lines + [""]


def _quotation_measures() -> list[str]:
    """How sure the rule quotations are: the annotator's measured precision, recall and speaker
    accuracy on its development gold, from the data file the evaluation script writes."""
    import json
    from importlib import resources

    path = resources.files("corpuspack.annotate").joinpath("quotations.measured.json")
    if not path.is_file():
        return []
    measured = json.loads(path.read_text(encoding="utf-8"))

    def score(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    total = measured["total"]
    lines = [
        "### How sure the rule quotations are",
        "",
        f"Measured on corpuspack's development gold standard: {measured['articles']} news "
        f"articles read by hand, {total['expected']} quotations (`{measured['gold']}` in "
        f"corpuspack's repository): precision {score(total['precision'])}, recall "
        f"{score(total['recall'])}, speaker accuracy {score(total['speaker_accuracy'])}. The "
        "rules were tuned on these articles, so expect lower numbers on other news. Each "
        "quotation row's `attribution` says how its speaker was found; filter on it to "
        "trade recall for precision.",
        "",
        "| attribution | quotations found | precision | speaker accuracy |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {name} | {row['found']} | {score(row['precision'])} | "
        f"{score(row['speaker_accuracy'])} |"
        for name, row in measured["attributions"].items()
    ]
    lines += [
        "",
        "| kind in the gold | quotations | recall | speaker accuracy |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {name} | {row['expected']} | {score(row['recall'])} | {score(row['speaker_accuracy'])} |"
        for name, row in measured["kinds"].items()
    ]
    return lines + [""]


def _contents(summary: Summary) -> list[str]:
    lines = ["## Contents", "", "| outlet | articles |", "|---|---|"]
    lines += [f"| {outlet} | {n} |" for outlet, n in sorted(summary.outlets.items())]
    lines += ["", "| year published | articles |", "|---|---|"]
    lines += [f"| {year} | {n} |" for year, n in sorted(summary.years.items())]
    lines += ["", "| date precision | articles |", "|---|---|"]
    lines += [f"| {p} | {n} |" for p, n in sorted(summary.precision.items())]
    return lines + [""]


def _provenance(summary: Summary, data_files: dict[str, list[str]]) -> list[str]:
    lines = [
        "## Provenance",
        "",
        "Every record names the raw capture it was extracted from (`raw_path`) and that capture's "
        "SHA-256 (`raw_sha256`). Captures are kept byte for byte in the source repository's `raw/` "
        "folder and never modified by a build. Every line of a capture that is not in `text` is listed "
        "in `removed` with the rule that took it; the rules are corpuspack's outlet profiles.",
        "",
        f"{summary.with_notes} of {summary.count} records take values from a maintainer-edited sidecar; "
        "`sidecar_notes` says, for each such value, where it comes from.",
        "",
        "| rule | lines removed or moved |",
        "|---|---|",
    ]
    lines += [f"| `{rule}` | {n} |" for rule, n in sorted(summary.removed.items())]
    return lines + [
        "",
        "Data files: "
        + ", ".join(f"`{f}`" for files in data_files.values() for f in files)
        + ". Their sizes and SHA-256 "
        "are in this release's `datapackage.json`.",
        "",
    ]


def _written(descriptor: dict, settings) -> list[str]:
    """The sources, the licence and the sections a person wrote under corpuspack.card."""
    lines: list[str] = []
    sources = descriptor.get("sources") or []
    if sources:
        lines += ["## Sources", ""]
        lines += [
            f"- {s.get('title', '')}" + (f" ({s['path']})" if s.get("path") else "")
            for s in sources
        ]
        lines.append("")
    licence = (descriptor.get("licenses") or [{}])[0]
    lines += ["## Licence", "", licence.get("title") or licence.get("name", ""), ""]
    for key, heading in SECTIONS.items():
        if settings.card.get(key, "").strip():
            lines += [f"## {heading}", "", settings.card[key].strip(), ""]
    return lines


def _citation(descriptor: dict) -> list[str]:
    return [
        "## Citation",
        "",
        "```bibtex",
        bibtex(descriptor),
        "```",
        "",
        "The release also carries `CITATION.cff` and `croissant.json` (MLCommons Croissant 1.1, with "
        "the same citation).",
        "",
    ]


def bibtex(descriptor: dict) -> str:
    """The release's BibTeX entry: the card's and croissant.json's citeAs."""
    name, version = descriptor["name"], descriptor["version"]
    authors = " and ".join(
        c.get("title", "") for c in descriptor.get("contributors", []) if c.get("title")
    )
    return "\n".join(
        [
            f"@misc{{{name.replace('-', '_')}_{version.replace('.', '_')},",
            f"  title = {{{{{descriptor['title']}}}}},",
            f"  author = {{{authors or 'corpus maintainers'}}},",
            f"  version = {{{version}}},",
            "  note = {Dataset built with corpuspack},",
            "}",
        ]
    )
