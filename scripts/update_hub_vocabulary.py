"""Regenerate src/corpuspack/checks/hub_vocabulary.json from the Hub's own npm packages.

The Hugging Face Hub validates dataset-card YAML on its servers, and no PyPI package
ships its licence or task lists, so corpuspack keeps a generated snapshot of them.
This script is the only way that file is written: it downloads the pinned versions of
``@huggingface/tasks`` (task categories, ``PIPELINE_DATA``) and ``@huggingface/hub``
(the ``License`` type) with ``npm pack`` and extracts the values. Needs node and npm.

    python scripts/update_hub_vocabulary.py [--tasks-version X] [--hub-version Y]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tarfile
import tempfile
from pathlib import Path

TARGET = Path(__file__).resolve().parents[1] / "src/corpuspack/checks/hub_vocabulary.json"


def _pack(spec: str, workdir: Path) -> Path:
    name = (
        subprocess.run(
            ["npm", "pack", spec, "--silent"],
            cwd=workdir,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    dest = workdir / name.removesuffix(".tgz")
    with tarfile.open(workdir / name) as tar:
        tar.extractall(dest, filter="data")
    return dest / "package"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks-version", default="0.21.54")
    parser.add_argument("--hub-version", default="2.17.5")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        tasks = _pack(f"@huggingface/tasks@{args.tasks_version}", work)
        hub = _pack(f"@huggingface/hub@{args.hub_version}", work)
        script = (
            "const p=require(process.argv[1]).PIPELINE_DATA;"
            "console.log(JSON.stringify(Object.fromEntries(Object.entries(p).map("
            "([k,v])=>[k,(v.subtasks||[]).map(s=>s.type)]))))"
        )
        pipelines = json.loads(
            subprocess.run(
                ["node", "-e", script, str(tasks / "dist/commonjs/pipelines.js")],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        declaration = (hub / "dist/src/types/public.d.ts").read_text(encoding="utf-8")
        match = re.search(r"export type License = ([^;]+);", declaration)
        if match is None:
            raise SystemExit("could not find the License type in @huggingface/hub")
        licenses = re.findall(r'"([^"]+)"', match.group(1))
    vocabulary = {
        "generated_by": "scripts/update_hub_vocabulary.py",
        "sources": {
            "task_categories": f"@huggingface/tasks@{args.tasks_version} dist/commonjs/pipelines.js PIPELINE_DATA",
            "license": f"@huggingface/hub@{args.hub_version} dist/src/types/public.d.ts License",
        },
        "license": licenses,
        "task_categories": sorted(pipelines),
        "task_ids": sorted({t for subtasks in pipelines.values() for t in subtasks}),
    }
    TARGET.write_text(json.dumps(vocabulary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {TARGET}: {len(licenses)} licences, {len(pipelines)} task categories")


if __name__ == "__main__":
    main()
