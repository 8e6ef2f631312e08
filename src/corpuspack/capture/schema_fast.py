"""A fast "valid, or not sure" check of a document against a JSON Schema, compiled from the schema.

jsonschema words every finding, and costs about 25 µs for a two-line sidecar; a well-formed
sidecar needs no words. `compile_schema` turns a schema into nested plain functions, once, that
answer True only where jsonschema (Draft 2020-12) finds no error, and False where the document
is invalid or where they cannot tell: then jsonschema runs and says why. The schema stays the
one definition of a sidecar's shape; this reads its keywords, it does not restate them.

It knows the keywords sidecar.schema.json uses (type, pattern, minLength, properties,
additionalProperties, required, minProperties, items, local $ref) with jsonschema's meaning of
each: a keyword applies only to instances of its type, `pattern` is `re.search`, `minLength`
counts code points. A schema with any other keyword compiles to a check that is never sure
(`Compiled.complete` is False), so a new keyword in the schema slows the fast path down to
jsonschema instead of making it wrong. fastjsonschema does the same compilation in general,
but knows Draft 7 at most, where a $ref's sibling keywords (as in "id": {"$ref", "properties"})
are ignored: fastjsonschema 2.22.3 compiles sidecar.schema.json without a word and accepts
{"id": {"value": "NOT HEX", "note": "n"}}, which the schema refuses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Check = Callable[[Any], bool]

# Keywords that never make an instance invalid.
_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description"})
_KNOWN = frozenset(
    {"type", "pattern", "minLength", "properties", "additionalProperties", "required"}
    | {"minProperties", "items", "$ref"}
)
# jsonschema's types as Python's; integer and number (a float 1.0 is an integer in Draft 2020-12)
# are not needed here: an instance of them is never of a listed type, so never sure.
_TYPES: dict[str, type] = {
    "string": str,
    "null": type(None),
    "array": list,
    "object": dict,
    "boolean": bool,
}


def _never_sure(instance: Any) -> bool:
    return False


def _always(instance: Any) -> bool:
    return True


class _Unsupported(Exception):
    """A keyword (or a form of one) the compiler does not know: the check is never sure."""


@dataclass(frozen=True)
class Compiled:
    """check(document) is True only if jsonschema finds the document valid against the schema."""

    check: Check
    complete: bool  # False: the schema uses something unknown here, and check is never sure


def compile_schema(schema: Mapping[str, Any]) -> Compiled:
    try:
        return Compiled(_Compiler(schema).compile(schema), complete=True)
    except _Unsupported:
        return Compiled(_never_sure, complete=False)


@dataclass(frozen=True)
class _Schema:
    """One (sub)schema's keywords, grouped by the type of instance each applies to."""

    types: tuple[type, ...] | None  # None: any type
    ref: Check | None
    strings: tuple[Check, ...]
    objects: tuple[Check, ...]
    arrays: tuple[Check, ...]

    def check(self, instance: Any) -> bool:
        if self.types is not None and not isinstance(instance, self.types):
            return False
        if self.ref is not None and not self.ref(instance):
            return False
        if isinstance(instance, str):
            checks = self.strings
        elif isinstance(instance, dict):
            checks = self.objects
        elif isinstance(instance, list):
            checks = self.arrays
        else:
            return True
        for check in checks:
            if not check(instance):
                return False
        return True


class _Compiler:
    def __init__(self, root: Mapping[str, Any]):
        self.root = root
        self.refs: dict[str, Check] = {}  # compiled once each, so a recursive $ref terminates

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never_sure  # refuses everything: jsonschema words it
        if not isinstance(schema, Mapping):
            raise _Unsupported(schema)
        unknown = set(schema) - _ANNOTATIONS - _KNOWN
        if unknown or ("$id" in schema and schema is not self.root):  # $id: a new base for $ref
            raise _Unsupported(sorted(unknown))
        return _Schema(
            types=self._types(schema["type"]) if "type" in schema else None,
            ref=self._ref(schema["$ref"]) if "$ref" in schema else None,
            strings=self._strings(schema),
            objects=(self._object(schema),),
            arrays=(self._array(schema["items"]),) if "items" in schema else (),
        ).check

    @staticmethod
    def _types(value: Any) -> tuple[type, ...]:
        names = [value] if isinstance(value, str) else list(value)
        return tuple(_TYPES[name] for name in names if name in _TYPES)

    @staticmethod
    def _strings(schema: Mapping[str, Any]) -> tuple[Check, ...]:
        checks: list[Check] = []
        if "pattern" in schema:
            search = re.compile(schema["pattern"]).search  # jsonschema: re.search(pattern, x)
            checks.append(lambda text: search(text) is not None)
        if "minLength" in schema:
            least = schema["minLength"]
            checks.append(lambda text: len(text) >= least)  # code points, as jsonschema counts
        return tuple(checks)

    def _object(self, schema: Mapping[str, Any]) -> Check:
        properties = {name: self.compile(sub) for name, sub in schema.get("properties", {}).items()}
        extra = self.compile(schema.get("additionalProperties", True))
        required = tuple(schema.get("required", ()))
        least = schema.get("minProperties", 0)

        def check_object(instance: dict) -> bool:
            if len(instance) < least:
                return False
            for name in required:
                if name not in instance:
                    return False
            for name, item in instance.items():
                # A key that is not a string (1:, null:) is never a listed property.
                check = properties.get(name, extra) if isinstance(name, str) else extra
                if not check(item):
                    return False
            return True

        return check_object

    def _array(self, items: Any) -> Check:
        check = self.compile(items)
        return lambda instance: all(map(check, instance))

    def _ref(self, ref: str) -> Check:
        if ref not in self.refs:
            self.refs[ref] = _never_sure  # a recursive reference meets this until it is done
            self.refs[ref] = self.compile(self._resolve(ref))
        if self.refs[ref] is not _never_sure:
            return self.refs[ref]
        refs = self.refs  # still being compiled (a recursive $ref): looked up when called
        return lambda instance: refs[ref](instance)

    def _resolve(self, ref: str) -> Any:
        """The subschema a local JSON pointer ("#/$defs/noted") names."""
        if not ref.startswith("#/"):
            raise _Unsupported(ref)
        target: Any = self.root
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, Mapping) or part not in target:
                raise _Unsupported(ref)
            target = target[part]
        return target
