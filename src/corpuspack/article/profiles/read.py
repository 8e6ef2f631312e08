"""Reading outlet profiles: YAML text to checked plain data, every problem with its line.

A profile may come from a corpus project (profiles/<slug>.yaml), which a contribution can
change, so it is read like a sidecar: composed with the safe loader and refused unless it
is plain data, then checked against profile.schema.json. Problems raise ProfileError with
the file and line to open.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import yaml

# The sidecar's plain-data YAML reading is the one rule for untrusted YAML in corpuspack.
from corpuspack.capture.sidecar import _line_of, _Loader, _plain_data_problem


class ProfileError(Exception):
    """A profile is malformed. shown: the file as a user finds it; line: 1-based, if known."""

    def __init__(self, shown: str, message: str, line: int | None = None):
        self.shown, self.message, self.line = shown, message, line
        super().__init__(f"{shown}{f':{line}' if line else ''}: {message}")

    def __reduce__(self):  # raised in a worker process, it is pickled back to the build
        return type(self), (self.shown, self.message, self.line)


@cache
def _validator() -> jsonschema.Draft202012Validator:
    text = resources.files(__package__).joinpath("profile.schema.json").read_text("utf-8")
    return jsonschema.Draft202012Validator(json.loads(text))


def document(shown: str, text: str, *, generic: bool = False) -> tuple[dict, yaml.Node | None]:
    """A profile's YAML as plain data and its node tree (for the lines of later problems)."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            problem = _plain_data_problem(node) if node is not None else None
            if problem:
                raise ProfileError(shown, f"not a valid profile: {problem[0]}", problem[1])
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ProfileError(
            shown,
            f"not valid YAML: {getattr(exc, 'problem', exc)}",
            mark.line + 1 if mark else None,
        ) from exc
    if not isinstance(data, dict):
        raise ProfileError(
            shown, "a profile is a mapping of keys (outlet:, slug:, furniture:, …)", 1
        )
    if generic:
        unknown = sorted(set(data) - {"furniture"})
        if unknown:
            raise ProfileError(shown, f"generic rules have only furniture:, not {unknown}", 1)
        data = {"outlet": "-", "slug": "generic", **data}
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        first = errors[0]
        path = list(first.absolute_path)
        where = ".".join(str(p) for p in path) or "profile"
        raise ProfileError(shown, f"{where}: {first.message}", line_at(node, path))
    return data, node


def line_at(node: yaml.Node | None, path: list[Any]) -> int | None:
    """1-based line of the entry at a path of keys and indexes in a profile's node tree."""
    return _line_of(node, path)
