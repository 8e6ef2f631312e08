"""Set up the BBC development copy (../shared/corpora/bbc-dev/) as a corpus of its own, and build it.

What a new user does, with corpuspack's public parts only (nothing in the package is edited):

1. `corpuspack init` (here api.init) with the outlet "BBC News";
2. the captures copied as they are into raw/bbc-news/<category>/<n>.txt;
3. a profile of a few lines (profiles/bbc-news.yaml: the first line is the headline);
4. the category as a field of the corpus's own (schema/article.schema.json), filled by a plugin
   module of a few lines (bbc_fields.py) from the capture's folder;
5. the duplicates the first check reports reviewed and accepted with a note each
   (accepted_duplicates in datapackage.json);
6. validate and build, timed.

    python scripts/bbc_dev_corpus.py --out /tmp/bbc-dev-corpus [--bbc-dev DIR]

The texts stay outside this repository: --out must be outside it. Results are in
docs/bbc-dev-corpus.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from corpuspack import api
from corpuspack.project.scaffold import Answers

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared/corpora/bbc-dev"

PROFILE = """\
outlet: BBC News
slug: bbc-news
title: first-line
"""

PLUGIN = '''\
"""The category of a BBC capture is the folder it is filed in: raw/bbc-news/<category>/."""

from corpuspack.hooks import hookimpl


class Category:
    name = "bbc-category"

    def fields(self, article, document):
        return {"category": article.raw_path.split("/")[2]}


@hookimpl
def corpuspack_field_sources():
    return [Category()]
'''

CATEGORY = {
    "name": "category",
    "type": "string",
    "title": "Category",
    "description": "The section of BBC News the article was filed in (the data set's folder).",
    "constraints": {"required": True, "enum": ["business", "tech"]},
}


def set_up(source: Path, out: Path) -> Path:
    api.init(
        out,
        Answers(
            name="bbc-news-dev",
            title="BBC News, business and tech (development copy)",
            licence="other",
            licence_title="The articles are the BBC's; the data set is distributed for research.",
            author="corpuspack maintainers",
            sources=(("BBC News", "https://www.bbc.co.uk/news"),),
            outlets=("BBC News",),
        ),
    )
    for category in ("business", "tech"):
        shutil.copytree(source / category, out / "raw/bbc-news" / category)
    (out / "profiles/bbc-news.yaml").write_text(PROFILE, encoding="utf-8")
    (out / "bbc_fields.py").write_text(PLUGIN, encoding="utf-8")
    schema_path = out / "schema/article.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["fields"].append(CATEGORY)
    schema_path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    _settings(out, plugins=["bbc_fields"])
    return out


def _settings(out: Path, **values) -> None:
    path = out / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["corpuspack"].update(values)
    path.write_text(json.dumps(descriptor, indent=2) + "\n", encoding="utf-8")


def accept_duplicates(out: Path) -> tuple[int, list[dict]]:
    """Accept every duplicate the check reports, each group with a note: in a real corpus a
    maintainer reads each pair first (here: the data set is known to hold them)."""
    with api.check(api.load_project(out), scale=api.Scale(jobs=2)) as checked:
        found = [
            f for f in checked.report.findings if f.code in {"duplicate-text", "near-duplicate"}
        ]
    groups: list[set[str]] = []
    for finding in found:
        files = {finding.file, *finding.related}
        for group in groups:
            if group & files:
                group |= files
                break
        else:
            groups.append(files)
    entries = [
        {
            "files": sorted(group),
            "note": "in the standard BBC data set more than once (byte-identical or lightly "
            "edited copies); kept as distributed",
        }
        for group in groups
    ]
    _settings(out, accepted_duplicates=entries)
    return len(found), entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bbc-dev", type=Path, default=DEFAULT)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if not args.bbc_dev.is_dir():
        print(f"no BBC development copy at {args.bbc_dev}: nothing to do", file=sys.stderr)
        return 0
    out = args.out.resolve()
    if out.is_relative_to(ROOT):
        parser.error("--out must be outside this repository (the texts are not committed)")
    started = time.perf_counter()
    set_up(args.bbc_dev, out)
    duplicates, entries = accept_duplicates(out)
    checked_at = time.perf_counter()
    with api.build(api.load_project(out), scale=api.Scale(jobs=2)) as built:
        codes: dict[str, int] = {}
        for finding in built.report.findings:
            codes[finding.code] = codes.get(finding.code, 0) + 1
        print(
            json.dumps(
                {
                    "articles": built.count,
                    "written": built.written,
                    "duplicate_findings_accepted": duplicates,
                    "accepted_entries": len(entries),
                    "findings_after": codes,
                    "seconds_setup_and_first_check": round(checked_at - started, 1),
                    "seconds_build": round(time.perf_counter() - checked_at, 1),
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
