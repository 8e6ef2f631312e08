"""A synthetic corpus (benchmarks/synth.py) with every corpus-level problem, and its build:
what the store, cache and engine tests compare their results with."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from corpuspack.article.record import article_id
from corpuspack.build import pipeline
from corpuspack.project import datapackage as project_mod
from corpuspack.release import cut
from support import REPO, files

sys.path.insert(0, str(REPO / "benchmarks"))
import synth  # noqa: E402

NEAR = "rt/0000003.txt"  # the capture a trimmed copy is made of


def problem_corpus(folder: Path) -> Path:
    """A synthetic corpus with every corpus-level problem, the copies far apart in the file order."""
    root = synth.generate(folder / "corpus", 120)
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["corpuspack"]["shard_rows"] = 40  # several files, so shard reading is exercised
    descriptor["corpuspack"]["splits"] = {"train": 0.8, "test": 0.2}
    (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    raw = root / "raw"
    shutil.copy2(raw / "rt/0000007.txt", raw / "rt/zz-exact-copy.txt")  # duplicate-text
    text = (raw / NEAR).read_text(encoding="utf-8")
    (raw / "rt/zz-trimmed-copy.txt").write_text(
        text[: int(len(text) * 0.8)], encoding="utf-8"
    )  # near-duplicate
    (raw / "rt/zz-trimmed-copy.meta.yaml").write_text(  # duplicate-url with the next one
        "url:\n  value: https://www.rt.com/news/1/\n  note: from the archive\n", encoding="utf-8"
    )
    shutil.copy2(raw / "rt/0000011.txt", raw / "rt/zz-same-url.txt")
    (raw / "rt/zz-same-url.txt").write_text(
        (raw / "rt/zz-same-url.txt").read_text(encoding="utf-8") + "\n\nUpdated.", encoding="utf-8"
    )
    (raw / "rt/zz-same-url.meta.yaml").write_text(
        "url:\n  value: https://WWW.rt.com/news/1\n  note: from the archive\n", encoding="utf-8"
    )
    first_id = article_id("raw/rt/0000015.txt")
    (raw / "rt/0000019.meta.yaml").write_text(  # duplicate-id
        f'id:\n  value: "{first_id}"\n  note: moved from another path\n', encoding="utf-8"
    )
    return root


def build(root, out):
    project = project_mod.load(root)
    result = pipeline.run(project)
    findings = sorted((f.file, f.line, f.code, f.field, f.message) for f in result.report.findings)
    # Errors stop `corpuspack build`, but the writer itself writes whatever the store holds.
    cut.build(project, result, out)
    result.store.cleanup()
    return findings, files(out)
