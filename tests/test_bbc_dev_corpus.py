"""scripts/bbc_dev_corpus.py sets up a BBC-like folder as a corpus of its own and builds it,
with corpuspack's public parts only. The test writes its own small folder of that shape
(the development texts stay out of the project)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from support import REPO

BODIES = [
    "Shares in the carmaker fell sharply after it warned that profits would miss forecasts.",
    "A new mobile phone network will cover rural areas by the end of next year, ministers said.",
    "The central bank left interest rates unchanged for the fourth month in a row on Thursday.",
    "Video game sales over the holiday season beat every estimate, according to retailers.",
    "Airline passengers face longer queues as security checks at airports are stepped up.",
]


def script():
    spec = importlib.util.spec_from_file_location(
        "bbc_dev_corpus", REPO / "scripts/bbc_dev_corpus.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_bbc_shaped_folder_becomes_a_corpus_with_titles_categories_and_accepted_duplicates(
    tmp_path: Path, capsys
):
    source = tmp_path / "bbc"
    for category, count in (("business", 3), ("tech", 2)):
        (source / category).mkdir(parents=True)
        for n in range(1, count + 1):
            body = BODIES[n - 1 + (3 if category == "tech" else 0)]
            text = f"{category.title()} story {n}\n\n{body}\n"
            (source / category / f"{n:03}.txt").write_text(text, encoding="utf-8")
    # The set holds a byte-identical copy, as the real one does.
    (source / "tech/003.txt").write_bytes((source / "business/001.txt").read_bytes())
    out = tmp_path / "corpus"
    assert script().main(["--bbc-dev", str(source), "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["articles"] == 6 and summary["written"]
    assert summary["accepted_entries"] == 1 and summary["findings_after"] == {
        "card-section-missing": 6
    }
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    (entry,) = descriptor["corpuspack"]["accepted_duplicates"]
    assert entry["files"] == ["raw/bbc-news/business/001.txt", "raw/bbc-news/tech/003.txt"]
    import pyarrow.parquet as pq

    table = pq.read_table(out / "dist/0.1.0/data/train-00000-of-00001.parquet")
    rows = sorted(zip(table["raw_path"].to_pylist(), table["title"].to_pylist(),
                      table["category"].to_pylist(), strict=True))  # fmt: skip
    assert rows[0] == ("raw/bbc-news/business/001.txt", "Business story 1", "business")
    assert rows[-1] == ("raw/bbc-news/tech/003.txt", "Business story 1", "tech")


def test_the_script_refuses_to_write_inside_the_repository(tmp_path):
    source = tmp_path / "bbc"
    (source / "business").mkdir(parents=True)
    try:
        script().main(["--bbc-dev", str(source), "--out", str(REPO / "bbc-copy")])
    except SystemExit as exc:
        assert exc.code == 2
    assert not (REPO / "bbc-copy").exists()
