"""A release's manifest.json and datapackage.json as `verify` reads them: from a folder that may
be hostile. Each is read with a size and depth limit (project/jsonfile.py) and its shape
checked with jsonschema before verify uses a value: no path that leaves the release, no
commit that git could take for an option, no value of a type verify does not expect.
"""

from __future__ import annotations

from pathlib import Path

import jsonschema

from corpuspack.findings.report import Finding, error
from corpuspack.project import jsonfile
from corpuspack.release import manifest as manifest_mod


def _first_problem(validator: jsonschema.Draft202012Validator, document: object) -> str | None:
    problem = next(iter(validator.iter_errors(document)), None)
    if problem is None:
        return None
    where = "/".join(str(p) for p in problem.absolute_path) or "the top level"
    message = (
        problem.message
        if len(problem.message) <= 120
        else f"{problem.message[:60]}...{problem.message[-50:]}"  # what is wrong is at the end
    )
    return f"at {where}: {message}"


# What verify relies on in a manifest, checked before it is used: a release folder may be
# hostile (paths that leave it, a commit that looks like an option, values of the wrong type).
_SAFE_PATH = r"^(?!/)(?!.*(^|/)\.\.?(/|$))[^\\\x00]+$"  # relative, no "." or ".." part
_MANIFEST = jsonschema.Draft202012Validator(
    {
        "type": "object",
        "required": ["files"],
        "properties": {
            "files": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["path", "bytes", "sha256"],
                    "properties": {
                        "path": {"type": "string", "pattern": _SAFE_PATH},
                        "bytes": {"type": "integer", "minimum": 0},
                        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    },
                },
            },
            "rows": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": {"type": "integer"},
                },
            },
            "source": {
                "type": "object",
                "properties": {
                    "commit": {"type": ["string", "null"], "pattern": "^[0-9a-f]{40,64}$"},
                    "path": {"type": "string", "pattern": f"^\\.$|{_SAFE_PATH}"},
                    "uncommitted": {"type": "array", "items": {"type": "string"}},
                },
            },
            "dependencies": {"type": "object"},
        },
    }
)


def load_manifest(release: Path) -> tuple[dict | None, list[Finding]]:
    path = release / manifest_mod.NAME
    try:
        data = jsonfile.load(path)
    except FileNotFoundError:
        return None, [
            error(
                manifest_mod.NAME,
                "missing-manifest",
                f"{release} has no {manifest_mod.NAME}: it is "
                "not a corpuspack release, or one written before manifests (corpuspack < 0.2)",
            )
        ]
    except (OSError, ValueError) as exc:
        return None, [error(manifest_mod.NAME, "invalid-manifest", f"cannot read it: {exc}")]
    problem = _first_problem(_MANIFEST, data)
    if problem is not None:
        return None, [error(manifest_mod.NAME, "invalid-manifest", problem)]
    return data, []


_RESOURCES = jsonschema.Draft202012Validator(
    {
        "type": "object",
        "required": ["resources"],
        "properties": {
            "resources": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["path", "schema"],
                    "properties": {
                        "path": {"type": "string"},
                        "schema": {
                            "type": "object",
                            "required": ["fields"],
                            "properties": {
                                "fields": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["name"],
                                        "properties": {"name": {"type": "string"}},
                                    },
                                }
                            },
                        },
                    },
                },
            }
        },
    }
)


def load_descriptor(release: Path) -> tuple[dict | None, list[Finding]]:
    """The release's datapackage.json, if its resources have the shape verify reads."""
    try:
        descriptor = jsonfile.load(release / "datapackage.json")
    except (OSError, ValueError) as exc:
        return None, [error("datapackage.json", "invalid-datapackage", f"cannot read it: {exc}")]
    problem = _first_problem(_RESOURCES, descriptor)
    if problem is not None:
        return None, [error("datapackage.json", "invalid-datapackage", problem)]
    return descriptor, []
