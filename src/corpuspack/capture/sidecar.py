"""Capture sidecars: small YAML files a maintainer edits, one value and one note per fact.

The YAML is untrusted. It is composed into nodes with PyYAML's safe loader and
checked before anything is constructed: only plain data (a tag such as
!!python/object is an error), no aliases (a "billion laughs" alias bomb cannot
expand), no duplicate keys; dates stay strings (so the JSON Schema sees exactly
what was written). The shape is checked against sidecar.schema.json: by a check
compiled from it (schema_fast.py) for a well-formed sidecar, and by jsonschema,
which words the findings, for any other; every problem names its line.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jsonschema
import yaml

from corpuspack.capture import schema_fast
from corpuspack.findings.report import Finding, error

FIELDS = ("id", "outlet", "url", "title", "published", "language", "keywords")
CUSTOM = "fields"  # the key under which a sidecar gives the corpus's own fields


# libyaml's parser where PyYAML has it (it is many times faster); the resolver stays
# PyYAML's, without implicit timestamps, so dates reach the JSON Schema as strings.
try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class _Loader(_BaseLoader):
    yaml_implicit_resolvers = {
        key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


_PLAIN_TAGS = {
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")
}
_SURROGATE = re.compile("[\ud800-\udfff]")


def _plain_data_problem(node: yaml.Node) -> tuple[str, int] | None:
    """The first thing in a composed tree that is not plain JSON-like data: an alias (a node
    reached twice: refused before anything is constructed, so an alias bomb never expands), an
    explicit tag (!!set, !!binary, !!python/...), a duplicate key, a lone surrogate."""
    stack = [(node, node.start_mark.line + 1)]
    seen: set[int] = set()
    while stack:
        current, line = stack.pop()
        if id(current) in seen:
            return "aliases (*name) are not allowed in a sidecar", line
        seen.add(id(current))
        if current.tag not in _PLAIN_TAGS:
            return (
                f"the tag {current.tag} is not allowed (plain strings, numbers, lists and mappings only)",
                line,
            )
        if isinstance(current, yaml.ScalarNode) and _SURROGATE.search(current.value):
            return "a lone surrogate escape (\\ud800-\\udfff) is not text", line
        if isinstance(current, yaml.MappingNode):
            keys = set()
            for key, _ in current.value:
                if key.value in keys:
                    return f"the key {key.value!r} appears twice", key.start_mark.line + 1
                keys.add(key.value)
            for key, value in reversed(current.value):  # visited in document order
                stack += [(value, key.start_mark.line + 1), (key, key.start_mark.line + 1)]
        elif isinstance(current, yaml.SequenceNode):
            stack += [(item, line) for item in reversed(current.value)]
    return None


_SCHEMA = json.loads(
    resources.files(__package__).joinpath("sidecar.schema.json").read_text(encoding="utf-8")
)
_VALIDATOR = jsonschema.Draft202012Validator(_SCHEMA)
# True only for a document _VALIDATOR finds valid: a well-formed sidecar skips jsonschema, which
# runs only to word the findings (tests/test_sidecar_fast.py holds the two to the same answers).
_WELL_FORMED = schema_fast.compile_schema(_SCHEMA)


@dataclass(frozen=True)
class Sidecar:
    path: str
    values: dict  # built-in field -> value
    notes: dict  # built-in field -> note
    lines: dict  # built-in field -> 1-based line of its entry
    # The corpus's own fields, under "fields:" (checked against the Table Schema by article.custom).
    fields: dict = dataclasses.field(default_factory=dict)  # name -> value
    field_notes: dict = dataclasses.field(default_factory=dict)  # name -> note
    field_lines: dict = dataclasses.field(default_factory=dict)  # name -> 1-based line of its entry


def _line_of(node: yaml.Node | None, path: list) -> int | None:
    """1-based line of the entry at a JSON path in a composed YAML tree (for a mapping: its key)."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in path:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == key), None)
            if match is None:
                return line
            line, node = match[0].start_mark.line + 1, match[1]  # the line of the key
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _unknown_keys(err: jsonschema.ValidationError) -> list[Any]:
    """The keys of the object an additionalProperties error is about that its schema does not list."""
    instance = err.instance if isinstance(err.instance, dict) else {}
    listed = err.schema.get("properties", {}) if isinstance(err.schema, Mapping) else {}
    # Keys of YAML's other types (0:, ~:) sort by their text, so mixed types never meet "<".
    return sorted(set(instance) - set(listed), key=lambda key: (str(key), type(key).__name__))


def _message(err: jsonschema.ValidationError) -> tuple[str | None, str]:
    path = [p for p in err.absolute_path]
    # The field the entry is about: a custom field's own name, under "fields:".
    named = path[1:] if path[:1] == [CUSTOM] and len(path) > 1 else path
    field = str(named[0]) if named else None
    if err.validator == "additionalProperties":
        extra = _unknown_keys(err)
        if not path:
            return str(extra[0]) if extra else None, (
                f"unknown field {', '.join(repr(e) for e in extra)} at the top level; allowed: "
                f"{', '.join(FIELDS)}, and the corpus's own fields under {CUSTOM}:"
            )
        return field, (
            f"unknown key {', '.join(repr(e) for e in extra)} in {field}; allowed: value, note"
        )
    if err.validator == "required":
        return (
            field,
            f"{field}: {err.message}; every entry needs a value and a note saying where it comes from",
        )
    shown = ".".join(str(p) for p in path) or "sidecar"
    if path and path[-1] == "note":
        return field, f"{shown} is empty; say where the value comes from"
    described = err.schema.get("description") if isinstance(err.schema, Mapping) else None
    if err.validator == "pattern" and described:
        # The pattern itself is for the machine: the person editing the sidecar reads its form in words.
        return field, f"{shown} is {err.instance!r}, which is not {described}"
    return field, f"{shown}: {err.message}"


def parse(data: bytes, shown: str) -> tuple[Sidecar | None, list[Finding]]:
    """A sidecar from its bytes, or the findings that say why it cannot be used."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [
            error(
                shown,
                "invalid-utf8",
                "the sidecar is not valid UTF-8; re-save it as UTF-8",
                line=data[: exc.start].count(b"\n") + 1,
            )
        ]
    composed = _compose(text, shown)
    if isinstance(composed, Finding):
        return None, [composed]
    node, document = composed
    findings = _shape_problems(node, document, shown)
    if findings:
        return None, findings
    built_in = {k: v for k, v in document.items() if k != CUSTOM}
    custom = document.get(CUSTOM, {})
    return Sidecar(
        path=shown,
        values={k: v["value"] for k, v in built_in.items()},
        notes={k: v["note"].strip() for k, v in built_in.items()},
        lines={k: _line_of(node, [k]) for k in built_in},
        fields={k: v["value"] for k, v in custom.items()},
        field_notes={k: v["note"].strip() for k, v in custom.items()},
        field_lines={k: _line_of(node, [CUSTOM, k]) for k in custom},
    ), []


MAX_DEPTH = 32  # nesting levels; a sidecar needs 3 (field, value, a list of keywords)
# A level opens with one of these characters, so text with fewer cannot be deeper than MAX_DEPTH.
_OPENERS = re.compile(r"[\[{:?-]")


def _too_deep(text: str) -> int | None:
    """The line at which the YAML nests deeper than MAX_DEPTH, if it does, found on libyaml's event
    stream, before anything is composed: composing (recursive) a sidecar nested 1,000 levels deep
    raises RecursionError, and 100,000 levels crash libyaml's composer (a segfault)."""
    if len(_OPENERS.findall(text)) <= MAX_DEPTH:  # every sidecar a person writes: no parse
        return None
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):  # stops as soon as too deep: never quadratic
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return event.start_mark.line + 1 if event.start_mark else 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _compose(text: str, shown: str) -> tuple[yaml.Node | None, Any] | Finding:
    """(the YAML's node tree, the document built from it), checked to be plain data before it is built."""
    try:
        deep = _too_deep(text)
        if deep is not None:
            return error(
                shown,
                "sidecar-invalid-yaml",
                f"not valid sidecar YAML: nested more than {MAX_DEPTH} levels deep; a sidecar "
                "holds a mapping of fields, each a {value, note} mapping",
                line=deep,
            )
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            problem = _plain_data_problem(node) if node is not None else None
            if problem:
                return error(
                    shown,
                    "sidecar-invalid-yaml",
                    f"not valid sidecar YAML: {problem[0]}",
                    line=problem[1],
                )
            document = loader.construct_document(node) if node is not None else {}
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return error(
            shown,
            "sidecar-invalid-yaml",
            f"not valid sidecar YAML: {exc.problem or exc.context}; "
            "sidecars hold plain mappings of {value, note} (no tags, no aliases)",
            # libyaml marks an error at the end of the stream on the line after the last one.
            line=min(mark.line + 1, text.count("\n") + 1) if mark else None,
        )
    except yaml.YAMLError as exc:
        return error(shown, "sidecar-invalid-yaml", f"not valid YAML: {exc}")
    return node, {} if document is None else document


def _shape_problems(node: yaml.Node | None, document: Any, shown: str) -> list[Finding]:
    """Where the document does not fit sidecar.schema.json, each at its line."""
    if _WELL_FORMED.check(document):
        return []
    findings = []
    for err in sorted(
        _VALIDATOR.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))
    ):
        field, message = _message(err)
        path = list(err.absolute_path)
        code = "sidecar-invalid-value"
        if err.validator == "additionalProperties":
            code = "sidecar-unknown-field"
            path += _unknown_keys(err)[:1]
        findings.append(error(shown, code, message, line=_line_of(node, path), field=field))
    return findings
