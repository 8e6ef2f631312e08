"""The duplicate findings on the BBC development set (../shared/corpora/bbc-dev/), to compare two
checkouts: the corpus is built into a temporary project outside the repository (its texts are
never copied into it), the corpus checks run alone and timed, and their findings printed with a
digest of all of them.

    PYTHONPATH=src python benchmarks/bbc_duplicates.py [--bbc ../shared/corpora/bbc-dev]

The captures go to raw/rt/<category>-<name>.txt (an outlet with a profile, so every capture makes
a record; which outlet does not matter to the duplicate checks).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def project(bbc: Path, root: Path) -> Path:
    shutil.copy2(REPO / "datapackage.json", root / "datapackage.json")
    shutil.copytree(REPO / "schema", root / "schema")
    (root / "raw/rt").mkdir(parents=True)
    for path in sorted(bbc.glob("*/*.txt")):
        shutil.copy2(path, root / "raw/rt" / f"{path.parent.name}-{path.name}")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bbc", type=Path, default=REPO.parent / "shared/corpora/bbc-dev")
    args = parser.parse_args()
    if not any(args.bbc.glob("*/*.txt")):
        parser.error(f"no captures in {args.bbc}/<category>/: give the folder with --bbc")
    from corpuspack.build import pipeline
    from corpuspack.build.extensions import Chosen
    from corpuspack.checks import corpus
    from corpuspack.project import datapackage

    with tempfile.TemporaryDirectory(prefix="corpuspack-bbc-") as folder:
        loaded = datapackage.load(project(args.bbc, Path(folder)))
        result = pipeline.run(loaded, chosen=Chosen(corpus_checks=()))
        start = time.process_time()
        findings = sorted(corpus.check(result.store, loaded.settings))
        seconds = time.process_time() - start
        result.store.cleanup()
    shown = [(f.code, f.file, f.message) for f in findings]
    for code, file, message in shown:
        print(f"{code}\t{file}\t{message[:90]}")
    digest = hashlib.sha256(json.dumps(shown).encode()).hexdigest()[:16]
    counts = dict(Counter(code for code, _, _ in shown))
    print(
        json.dumps(
            {"articles": result.count, "cpu_s": round(seconds, 3), "digest": digest} | counts
        )
    )


if __name__ == "__main__":
    main()
