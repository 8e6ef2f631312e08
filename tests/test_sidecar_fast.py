"""The sidecar's fast path: a check compiled from sidecar.schema.json (capture/schema_fast.py)
that lets a well-formed sidecar skip jsonschema. It must never accept what jsonschema refuses,
and the findings of every sidecar must be what jsonschema alone gives."""

from __future__ import annotations

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpuspack.capture import schema_fast, sidecar

PROPERTY = settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)

# For each constraint of sidecar.schema.json, values on both sides of its edge: WELL_FORMED are
# accepted, EDGES mostly refused (a few, such as a trailing newline, pass Python's "$").
TEXT = st.text(max_size=6)
WELL_FORMED = {
    "id": st.from_regex(r"[0-9a-f]{16}", fullmatch=True),
    "outlet": st.text(min_size=1, max_size=6),
    "url": st.none() | st.from_regex(r"https?://\S{1,8}", fullmatch=True),
    "title": st.none() | st.text(min_size=1, max_size=6),
    "published": st.none()
    | st.from_regex(
        r"\d{4}(-\d{2}(-\d{2}([T ]\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2}))?)?)?", fullmatch=True
    ),
    "language": st.from_regex(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}", fullmatch=True),
    "keywords": st.lists(st.text(min_size=1, max_size=6), max_size=3),
}
EDGES = {
    "id": st.sampled_from(
        ["0a1b2c3d4e5f6a7", "0a1b2c3d4e5f6a7b0", "0A1B2C3D4E5F6A7B", "0a1b2c3d4e5f6a7b\n"]
        + ["\n0a1b2c3d4e5f6a7b", "0a1b2c3d4e5f6a7g", "０a1b2c3d4e5f6a7b", None]
    )
    | st.from_regex(r"[0-9a-fA-F]{15,17}\n?", fullmatch=True),
    "outlet": st.sampled_from(["", " ", None]),
    "url": st.sampled_from(
        [
            "https://",
            "ftp://x",
            "http://a b",
            "http://x\n",
            "HTTP://x",
            " http://x",
            "http://\u00a0x",
        ]
    ),
    "title": st.sampled_from(["", " ", "\u0301"]),
    "published": st.sampled_from(
        ["2005-02-28T13:49", "2005-2-28", "205", "2005-02-28Z", "٢٠٠٥", "2005\n"]
        + ["2005-02-28T13:49:00+0300", "2005-02-28t13:49Z"]
    ),
    "language": st.sampled_from(["e", "engl", "en-", "EN", "en-GB-x1", "en_GB", None]),
    "keywords": st.lists(st.sampled_from(["a", ""]) | TEXT | st.none(), max_size=3)
    | st.sampled_from(["a", None]),
}
NOTES = st.text(max_size=6).filter(str.strip) | st.sampled_from(["n", " a", "\u2003a"])
NOTE_EDGES = st.sampled_from(["", " ", "\u00a0", "\t\n", "\u2003"])


def entry(values: st.SearchStrategy, notes: st.SearchStrategy = NOTES) -> st.SearchStrategy:
    return st.fixed_dictionaries({"value": values, "note": notes})


def broken_entry(values: st.SearchStrategy) -> st.SearchStrategy:
    """An entry with a key missing or one too many, a bad note, or no mapping at all."""
    return st.one_of(
        st.fixed_dictionaries({}, optional={"value": values, "note": NOTES, "source": TEXT}),
        entry(values, NOTE_EDGES | json_values),
        json_values,
    )


custom_fields = st.dictionaries(st.text(max_size=6), entry(json_values), min_size=1, max_size=3)
well_formed = st.fixed_dictionaries(
    {},
    optional={
        **{name: entry(values) for name, values in WELL_FORMED.items()},
        "fields": custom_fields,
    },
)


def _one_on_the_edge(name: str) -> st.SearchStrategy:
    """A well-formed sidecar but for one entry, on the edge of its constraints: it decides."""
    edge = (
        entry(EDGES[name]) | entry(WELL_FORMED[name], NOTE_EDGES) | broken_entry(WELL_FORMED[name])
    )
    return st.tuples(well_formed, edge).map(lambda pair: {**pair[0], name: pair[1]})


broken_fields = st.one_of(
    st.just({}),
    st.dictionaries(st.text(max_size=6) | st.integers(0, 2), broken_entry(json_values), min_size=1),
    json_values,
)
documents = st.one_of(
    well_formed,
    st.sampled_from(sorted(WELL_FORMED)).flatmap(_one_on_the_edge),
    st.tuples(well_formed, broken_fields).map(lambda pair: {**pair[0], "fields": pair[1]}),
    st.dictionaries(  # names that are no field, or no string
        st.sampled_from([*WELL_FORMED, "fields", "other"]) | st.integers(0, 2) | st.none(),
        entry(json_values) | broken_entry(json_values),
        max_size=3,
    ),
    json_values,
)


def test_the_sidecar_schema_compiles_whole():
    """Every keyword of sidecar.schema.json is one the fast check knows: else it is never sure."""
    assert sidecar._WELL_FORMED.complete


@PROPERTY
@given(documents)
def test_the_fast_check_accepts_exactly_what_jsonschema_accepts(document):
    assert sidecar._WELL_FORMED.check(document) == sidecar._VALIDATOR.is_valid(document)


@pytest.mark.parametrize(
    ("document", "valid"),
    [
        ({}, True),
        ({"id": {"value": "0a1b2c3d4e5f6a7b", "note": "n"}}, True),
        ({"id": {"value": "0a1b2c3d4e5f6a7B", "note": "n"}}, False),
        ({"id": {"value": "0a1b2c3d4e5f6a7b\n", "note": "n"}}, True),  # Python's $, as jsonschema
        ({"id": {"value": 1234567890123456, "note": "n"}}, False),
        ({"outlet": {"value": "", "note": "n"}}, False),
        ({"url": {"value": None, "note": "n"}}, True),
        ({"url": {"value": "http://a b", "note": "n"}}, False),
        ({"title": {"value": None, "note": "n"}}, True),
        ({"title": {"value": "", "note": "n"}}, False),
        ({"published": {"value": "2005-02-28T13:49Z", "note": "n"}}, True),
        ({"published": {"value": "2005-02-28T13:49", "note": "n"}}, False),
        ({"language": {"value": "zh-Hans", "note": "n"}}, True),
        ({"language": {"value": None, "note": "n"}}, False),
        ({"keywords": {"value": [], "note": "n"}}, True),
        ({"keywords": {"value": ["a", ""], "note": "n"}}, False),
        ({"title": {"value": "x", "note": "\u00a0"}}, False),
        ({"title": {"value": "x", "note": " a"}}, True),
        ({"title": {"value": "x"}}, False),
        ({"title": {"value": "x", "note": "n", "source": "s"}}, False),
        ({"fields": {}}, False),
        ({"fields": {"desk": {"value": [1, {"a": None}], "note": "n"}}}, True),
        ({"fields": {1: {"value": 1, "note": "n"}}}, True),
        ({"fields": {"desk": {"value": 1}}}, False),
        ({"other": {"value": 1, "note": "n"}}, False),
        ({1: {"value": 1, "note": "n"}}, False),
        ([], False),
    ],
)
def test_the_edges_of_each_constraint(document, valid):
    assert sidecar._VALIDATOR.is_valid(document) is valid
    assert sidecar._WELL_FORMED.check(document) is valid


def _jsonschema_only(data: bytes):
    """What parse gave before the fast path: the findings of jsonschema alone."""
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(sidecar, "_WELL_FORMED", schema_fast.Compiled(lambda _: False, False))
        return sidecar.parse(data, "raw/x/a.meta.yaml")


@PROPERTY
@given(documents)
def test_parse_gives_the_findings_jsonschema_alone_gives(document):
    data = yaml.safe_dump(document, allow_unicode=True).encode()
    assert sidecar.parse(data, "raw/x/a.meta.yaml") == _jsonschema_only(data)


def test_unknown_keys_of_mixed_types_are_a_finding():
    """0: and ~: are an int and None to YAML: their finding once raised TypeError, sorting them."""
    parsed, findings = sidecar.parse(b"0: {}\n~: {}\n", "raw/x/a.meta.yaml")
    assert parsed is None
    assert [(f.code, f.line, f.field) for f in findings] == [("sidecar-unknown-field", 1, "0")]
    assert "unknown field 0, None at the top level" in findings[0].message


# The compiler on schemas of its keywords, against jsonschema.
_NAMES = st.sampled_from(["a", "b", "c"])
_TYPE_NAMES = ["string", "null", "array", "object", "boolean", "integer"]
_leaf_schemas = st.booleans() | st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(_TYPE_NAMES) | st.lists(st.sampled_from(_TYPE_NAMES), max_size=3),
        "pattern": st.sampled_from(["^a", "\\S", "^[0-9]{2}$", "b$"]),
        "minLength": st.integers(0, 3),
        "description": TEXT,
    },
)


def _schemas(ref: bool) -> st.SearchStrategy:
    """Schemas of the compiler's keywords; with ref, some refer to the root's $defs/d."""
    return st.recursive(
        _leaf_schemas,
        lambda inner: st.fixed_dictionaries(
            {},
            optional={
                "type": st.sampled_from(_TYPE_NAMES),
                "properties": st.dictionaries(_NAMES, inner, max_size=3),
                "additionalProperties": inner,
                "required": st.lists(_NAMES, unique=True, max_size=3),
                "minProperties": st.integers(0, 3),
                "items": inner,
                **({"$ref": st.just("#/$defs/d")} if ref else {}),
            },
        ),
        max_leaves=8,
    )


instances = st.recursive(
    st.none() | st.booleans() | st.integers(0, 99) | st.sampled_from(["", "a", "ab", "12", " b"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(_NAMES | st.text(max_size=2) | st.integers(0, 2), inner, max_size=4)
    ),
    max_leaves=10,
)


@settings(max_examples=600, deadline=None, derandomize=True)
@given(_schemas(ref=True), _schemas(ref=False), instances)
def test_a_compiled_schema_agrees_with_jsonschema(schema, definition, instance):
    root = {
        "$defs": {"d": definition},
        **(schema if isinstance(schema, dict) else {"items": schema}),
    }
    compiled = schema_fast.compile_schema(root)
    assert compiled.complete
    valid = jsonschema.Draft202012Validator(root).is_valid(instance)
    if compiled.check(instance):
        assert valid
    elif "integer" not in repr(root):  # the one type it leaves to jsonschema
        assert not valid


def test_a_refs_sibling_keywords_apply_as_in_draft_2020_12():
    """Where Draft 7 (fastjsonschema's latest) ignores them."""
    root = {
        "$defs": {"s": {"type": "string"}},
        "properties": {"id": {"$ref": "#/$defs/s", "pattern": "^[0-9]+$"}},
    }
    check = schema_fast.compile_schema(root).check
    assert check({"id": "12"})
    assert not check({"id": "ab"})
    assert not check({"id": 12})


def test_a_recursive_ref_terminates_and_checks_every_level():
    root = {
        "$defs": {"tree": {"type": "array", "items": {"$ref": "#/$defs/tree"}}},
        "$ref": "#/$defs/tree",
    }
    check = schema_fast.compile_schema(root).check
    assert check([[], [[]]])
    assert not check([[], [["leaf"]]])


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "maxProperties": 1},
        {"properties": {"a": {"format": "date"}}},
        {"$ref": "https://elsewhere.invalid/schema.json"},
        {"$ref": "#/$defs/missing"},
        {"properties": {"a": {"$id": "https://corpuspack.invalid/a", "$ref": "#/x"}}},
        {"patternProperties": {"^a": True}, "additionalProperties": False},
    ],
)
def test_an_unknown_keyword_makes_the_check_never_sure(schema):
    compiled = schema_fast.compile_schema(schema)
    assert not compiled.complete
    assert [compiled.check(x) for x in ({}, {"a": "b"}, [], "a", None)] == [False] * 5
