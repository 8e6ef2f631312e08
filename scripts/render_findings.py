"""Render the finding catalogue into README.md's findings table and docs/findings.md.

src/corpuspack/findings/catalogue.yaml is the one place a finding code is defined;
this script is the only way the two renderings are written.

    python scripts/render_findings.py            # rewrite both
    python scripts/render_findings.py --check    # exit 1, naming them, if either is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# this checkout's catalogue, not the one of whichever corpuspack is installed
sys.path.insert(0, str(ROOT / "src"))

from corpuspack.findings.catalogue import FIELD, STAGES, Entry, Stage  # noqa: E402

README = ROOT / "README.md"
DOCS = ROOT / "docs" / "findings.md"
START = "<!-- findings:start -->"
END = "<!-- findings:end -->"
NOTICE = (
    "<!-- Rendered from src/corpuspack/findings/catalogue.yaml by scripts/render_findings.py: "
    "edit the catalogue, then run the script. -->"
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _severity(entry: Entry) -> str:
    marks = [mark for mark, has in (("fixed", entry.fixed), ("run", entry.scope == "run")) if has]
    return " / ".join(entry.severities) + "".join(f" ({mark})" for mark in marks)


def _notes(entry: Entry) -> str:
    notes = [entry.note] if entry.note else []
    if entry.fields:
        notes.append(f"`{FIELD}` is one of {', '.join(f'`{name}`' for name in entry.fields)}.")
    if entry.duplicate:
        notes.append("An entry of `accepted_duplicates` listing all its files accepts it.")
    return " ".join(notes)


def readme_table(stages: tuple[Stage, ...] = STAGES) -> str:
    """The README's table: each code with its stage, severity and title."""
    lines = ["| stage | code | severity | what is wrong |", "|---|---|---|---|"]
    for stage in stages:
        for i, entry in enumerate(stage.entries):
            lines.append(
                f"| {_cell(stage.title) if i == 0 else ''} | `{entry.code}` "
                f"| {_severity(entry)} | {_cell(entry.title)} |"
            )
    return "\n".join(lines) + "\n"


def docs_page(stages: tuple[Stage, ...] = STAGES) -> str:
    """docs/findings.md: every code, stage by stage, with what to do about it."""
    parts = [
        "# Finding codes",
        NOTICE,
        "Every finding corpuspack reports carries one of these codes, a file (and where known "
        "its line and field) and a message saying what to do in that case. An error makes "
        "the command fail; a warning does not, unless `--strict` is given. The codes marked "
        "(run) are about that run of corpuspack (its own state, such as the `--cache` folder), "
        "not about the corpus: they cannot make the output wrong, so `--strict` shows their "
        "warnings but does not fail on them. A code with two "
        "severities says in its notes when it has which. A corpus sets a code's severity "
        "(`error`, `warning` or `off`) under `severities` in its `datapackage.json`, except "
        "for the codes marked (fixed): a release with such a finding would not match its own "
        "schema or manifest.",
    ]
    for stage in stages:
        table = [
            "| code | severity | what is wrong | what to do | notes |",
            "|---|---|---|---|---|",
        ]
        table += [
            f"| `{entry.code}` | {_severity(entry)} | {_cell(entry.title)} "
            f"| {_cell(entry.fix)} | {_cell(_notes(entry))} |"
            for entry in stage.entries
        ]
        parts += [f"## {stage.title}", "\n".join(table)]
    return "\n\n".join(parts) + "\n"


def with_table(readme: str, table: str) -> str:
    """The README with the text between its findings markers replaced by table."""
    if readme.count(START) != 1 or readme.count(END) != 1:
        raise ValueError(f"README.md needs exactly one {START} and one {END}")
    before, rest = readme.split(START)
    _, after = rest.split(END)
    return f"{before}{START}\n{table}{END}{after}"


def rendered() -> dict[Path, str]:
    """What each file should hold."""
    return {
        README: with_table(README.read_text(encoding="utf-8"), readme_table()),
        DOCS: docs_page(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a file is stale"
    )
    args = parser.parse_args(argv)
    texts = rendered()
    stale = [
        path
        for path, text in texts.items()
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]
    if args.check:
        for path in stale:
            print(
                f"{path.relative_to(ROOT)} is stale: run python scripts/render_findings.py",
                file=sys.stderr,
            )
        return 1 if stale else 0
    for path in stale:
        path.write_text(texts[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
