"""The offset map: property tests over random texts and random edit sequences.

A model tracks, for every character of the current text, the set of original
characters it came from. Whatever a composed map says about a span must agree
with that model: a mapped span holds exactly the characters that came from the
original span, and a rejection happens only when the span's edge has no place.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpuspack.article.normalize import align_text, normalize_text
from corpuspack.article.offsets import OffsetMap, Segment

ALPHABET = "ab \u00a0"


@st.composite
def edit_steps(draw, length: int):
    """One normalisation step over a text of `length` characters: sorted, non-overlapping edits."""
    edits, at = [], 0
    while at <= length:
        gap = draw(st.integers(0, 3))
        at += gap
        if at > length:
            break
        kind = draw(st.sampled_from(["delete", "replace", "insert", "none"]))
        size = draw(st.integers(1, 3)) if kind in ("delete", "replace") else 0
        if at + size > length:
            break
        if kind != "none":
            edits.append(
                (
                    at,
                    size,
                    kind,
                    draw(st.sampled_from([None, "furniture"]))
                    if kind == "delete"
                    else draw(st.text("xyz", min_size=1, max_size=3)),
                )
            )
        at += max(size, 1)
    return edits


def apply(model: list[tuple[str, frozenset, frozenset]], edits, deleted_by: dict):
    """Apply edits to the model; return the new model and the step's map.

    Each character of the model is (char, origins, stands_for). `origins` are the original
    characters it came from. `stands_for` adds what an opaque replacement makes it stand for:
    an insertion strictly inside the output of a replacement (between two characters that
    stand for a common original) has no offset of its own in the composed map, so it joins
    that replacement, which from then on stands for it as a whole. If a rule later deletes
    such a character, the map rightly blames that rule for the replacement's source, although
    the model's origins alone would say the rule removed nothing from there. Likewise a
    replacement that takes in only part of an earlier replacement's output makes the two one
    opaque replacement in the composed map: the rest of that output then stands for all of
    it too (see `_joined`). `deleted_by` records every rule against every original a deleted
    character stands for.
    """
    out, parts, at = [], [], 0
    for position, size, kind, extra in edits:
        parts.append(Segment(position - at, position - at, "keep"))
        out.extend(model[at:position])
        removed = model[position : position + size]
        if kind == "delete":
            parts.append(Segment(size, 0, "delete", extra))
            for _, _, stands_for in removed:
                for origin in stands_for:
                    deleted_by.setdefault(origin, set()).add(extra)
        else:
            if removed:
                origins = frozenset().union(*(o for _, o, _ in removed))
                stands_for = frozenset().union(*(s for _, _, s in removed))
            else:  # an insertion, between the input's characters position - 1 and position
                left = model[position - 1][2] if position > 0 else frozenset()
                right = model[position][2] if position < len(model) else frozenset()
                origins, stands_for = frozenset(), (left | right if left & right else frozenset())
            parts.append(Segment(size, len(extra), "replace"))
            out.extend((char, origins, stands_for) for char in extra)
        at = position + size
    parts.append(Segment(len(model) - at, len(model) - at, "keep"))
    out.extend(model[at:])
    return _joined(out), OffsetMap.build(parts)


def _joined(
    model: list[tuple[str, frozenset, frozenset]],
) -> list[tuple[str, frozenset, frozenset]]:
    """Every character stands for the whole of the composed replacement it belongs to.

    Two characters that stand for a common original are outputs of one opaque replacement
    of the composed map, so each stands for the union of both (transitively): if one step
    turns original 4 into "xx" and a later one replaces "aa" (originals 2 and 3) and the
    first x by one character, the composed map has 2..4 -> two characters as a whole, and
    the second x, whose origins are 4 alone, stands for 2..4 like its neighbour.
    """
    groups: list[frozenset] = []
    for _, _, stands_for in model:
        if stands_for:
            touching = [g for g in groups if g & stands_for]
            groups = [g for g in groups if not g & stands_for]
            groups.append(stands_for.union(*touching))
    return [(c, o, next((g for g in groups if g & s), s)) for c, o, s in model]


def check_against_model(source: str, steps) -> OffsetMap:
    """Compose the maps of the given edit steps over `source`; check every span against the model."""
    model = [(char, frozenset([i]), frozenset([i])) for i, char in enumerate(source)]
    deleted_by: dict[int, set[str | None]] = {}
    composed = OffsetMap.identity(len(source))
    for edits in steps:
        model, step = apply(model, edits, deleted_by)
        composed = composed.then(step)
    assert composed.src_len == len(source)
    assert composed.dst_len == len(model)
    for start in range(len(source)):
        for end in range(start + 1, len(source) + 1):
            inside = set(range(start, end))
            result = composed.map_span(start, end)
            if result.problem is None:
                for position, (_, origins, _) in enumerate(model):
                    if result.start <= position < result.end:
                        assert origins <= inside, (start, end, result)
                    else:
                        assert not origins & inside, (start, end, result)
            else:
                # The map may reject more than it must (an opaque replacement can swallow a
                # neighbour, and then stands for it as a whole), but a rule it names removed
                # characters of the span or on both sides of it. "Characters of the span"
                # includes those the span's replacements stand for (see `apply`).
                if result.problem == "removed" and result.rule:
                    by_rule = {o for o, rules in deleted_by.items() if result.rule in rules}
                    enclosed = any(o < start for o in by_rule) and any(o >= end for o in by_rule)
                    assert by_rule & inside or enclosed, (start, end, result)
    return composed


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_composed_maps_agree_with_a_model_of_every_character(data):
    source = data.draw(st.text(ALPHABET, max_size=10))
    length, steps = len(source), []
    for _ in range(data.draw(st.integers(1, 4))):
        edits = data.draw(edit_steps(length))
        steps.append(edits)
        length += sum(
            len(extra) - size if kind in ("replace", "insert") else -size
            for _, size, kind, extra in edits
        )
    check_against_model(source, steps)


def test_a_rule_deleting_what_a_replacement_swallowed_is_blamed_for_the_replacement_source():
    # Found by Hypothesis. Original character 3 becomes "xxx" (opaque); the next step inserts
    # "xx" strictly inside that output, so the composed map has 3 -> 5 characters as a whole.
    # The third step deletes the three characters that came from 3 but keeps the inserted two,
    # leaving 3 -> "xx"; then "furniture" deletes them. The map can only say that furniture
    # removed character 3, although by origins alone it removed only original character 1.
    steps = [
        [(3, 1, "replace", "xxx"), (4, 0, "insert", "x"), (5, 3, "delete", None)],
        [(1, 1, "replace", "x"), (5, 0, "insert", "xx"), (6, 2, "delete", None)],
        [(0, 1, "replace", "x"), (2, 3, "delete", None), (7, 3, "delete", None)],
        [(1, 3, "delete", "furniture")],
    ]
    composed = check_against_model("aaaaaaaaaa", steps)
    assert composed.segments == [
        Segment(1, 1, "replace"),
        Segment(1, 0, "delete", "furniture"),
        Segment(1, 0, "delete"),
        Segment(1, 0, "delete", "furniture"),
        Segment(6, 0, "delete"),
    ]
    result = composed.map_span(2, 4)
    assert (result.problem, result.rule, result.at) == ("removed", "furniture", 3)


def test_a_rule_deleting_the_rest_of_a_partly_replaced_output_is_blamed_for_the_whole():
    # Found by Hypothesis. Original 4 becomes "xx"; an insertion shifts the text; then "aa"
    # (originals 2 and 3) and the first x become one "x", so the composed map has 2..4 -> "xx"
    # as a whole. The last step deletes the first x as whitespace and the second by furniture.
    # The second x's origins are 4 alone, but in the map it stands for 2..4 like the first:
    # no map can tell which of the two original 2 went to, so furniture is named for 2..4.
    steps = [
        [(4, 1, "replace", "xx")],
        [(0, 0, "insert", "x")],
        [(3, 3, "replace", "x")],
        [(0, 1, "delete", None), (1, 3, "delete", None), (4, 1, "delete", "furniture")],
    ]
    composed = check_against_model("aaaaa", steps)
    assert composed.segments == [Segment(2, 0, "delete"), Segment(3, 0, "delete", "furniture")]
    result = composed.map_span(0, 3)
    assert (result.problem, result.rule, result.at) == ("removed", "furniture", 2)
    assert composed.map_span(0, 2).rule is None


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_concatenation_maps_each_part_in_place(data):
    first = OffsetMap.build(
        [Segment(2, 2, "keep"), Segment(1, 0, "delete"), Segment(2, 3, "replace")]
    )
    second = OffsetMap.identity(data.draw(st.integers(1, 5)))
    whole = first + second
    assert whole.map_span(0, 2) == first.map_span(0, 2)
    shifted = whole.map_span(5, 5 + second.src_len)
    assert (shifted.start, shifted.end) == (first.dst_len, first.dst_len + second.dst_len)


def test_composition_refuses_maps_that_do_not_meet():
    with pytest.raises(ValueError, match="cannot compose"):
        OffsetMap.identity(3).then(OffsetMap.identity(4))


def test_a_span_on_a_rule_deletion_is_removed_and_one_around_it_is_kept():
    mapping = OffsetMap.build(
        [
            Segment(3, 3, "keep"),
            Segment(4, 0, "delete", "sputnik/listen-live"),
            Segment(3, 3, "keep"),
        ]
    )
    assert mapping.map_span(3, 7).problem == "removed"
    assert mapping.map_span(3, 7).rule == "sputnik/listen-live"
    assert mapping.map_span(1, 5).problem == "removed"
    whole = mapping.map_span(0, 10)
    assert (whole.start, whole.end) == (0, 6)


def test_a_span_ending_inside_a_replacement_is_cut():
    mapping = OffsetMap.build(
        [Segment(2, 2, "keep"), Segment(3, 1, "replace"), Segment(2, 2, "keep")]
    )
    assert mapping.map_span(0, 3).problem == "cut"
    assert mapping.map_span(0, 3).at == 3
    whole = mapping.map_span(0, 5)
    assert (whole.start, whole.end) == (0, 3)


MESSY = st.lists(
    st.sampled_from([*"ab.’“” \u00a0\t\u200b\u2009Â\u0301e", "â€œ", "â€\x9d", "â€™", "&amp;"]),
    max_size=20,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(MESSY)
def test_align_text_gives_normalize_text_and_a_map_between_them(value):
    text, mapping = align_text(value)
    assert text == normalize_text(value)
    assert (mapping.src_len, mapping.dst_len) == (len(value), len(text))
    # Characters the map keeps in place are the same characters (spaces of any kind become " ").
    src = dst = 0
    for segment in mapping.segments:
        if segment.kind == "keep":
            for offset in range(segment.src):
                before, after = value[src + offset], text[dst + offset]
                assert before == after or (before.isspace() and after == " "), (
                    value,
                    text,
                    segment,
                )
        src += segment.src
        dst += segment.dst


def test_align_text_maps_words_around_repaired_mojibake():
    value = "  the â€œquoteâ€\x9d  said\u00a0Feng"
    text, mapping = align_text(value)
    assert text == "the “quote” said Feng"
    word = mapping.map_span(value.index("said"), value.index("said") + 4)
    assert text[word.start : word.end] == "said"
    quote = mapping.map_span(value.index("â€œ"), value.index("\x9d") + 1)
    assert text[quote.start : quote.end] == "“quote”"
    assert mapping.map_span(value.index("â€œ") + 1, value.index("q") + 1).problem == "cut"
