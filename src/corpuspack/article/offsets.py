"""Offset maps: how the characters of one text became the characters of another.

Written by hand because no library does this for plain text: ftfy and
unicodedata transform strings without saying where characters went, and the
alignment libraries (difflib, edit distance packages) guess an alignment after
the fact. Here every step of normalisation records what it did, as a list of
segments, and the steps compose into one monotone map from raw to clean offsets.

Offsets are Unicode code points, end exclusive. A map is a list of segments that
cover both texts in order, each one of:

- ``keep``: the same number of characters on both sides, position for position
  (the characters may differ, e.g. a no-break space that became a space);
- ``replace``: characters on one side stand for characters on the other as a
  whole (a mojibake repair, a run of spaces folded into one); positions strictly
  inside have no counterpart, so a span that starts or ends there is cut;
- ``delete``: characters with nothing on the other side, with the rule that
  removed them (furniture, a dateline, ...) or None for whitespace.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["keep", "replace", "delete"]


@dataclass(frozen=True)
class Segment:
    src: int  # length on the source side
    dst: int  # length on the destination side
    kind: Kind
    rule: str | None = None  # for deletions: which rule removed the characters


@dataclass(frozen=True)
class Mapped:
    """Where a source span landed, or why it has no place in the destination."""

    start: int | None = None
    end: int | None = None
    problem: Literal["cut", "removed"] | None = None
    rule: str | None = None  # the removing rule, for problem == "removed"
    at: int | None = None  # source offset of the problem


def _append(segments: list[Segment], segment: Segment) -> None:
    """Add a segment, merging it into the last one where that loses nothing."""
    if segment.src == 0 and segment.dst == 0:
        return
    if segments:
        last = segments[-1]
        if last.kind == segment.kind == "keep":
            segments[-1] = Segment(last.src + segment.src, last.dst + segment.dst, "keep")
            return
        if last.kind == segment.kind == "delete" and last.rule == segment.rule:
            segments[-1] = Segment(last.src + segment.src, 0, "delete", last.rule)
            return
    segments.append(segment)


def _boundaries(segments: list[Segment], side: str) -> list[int]:
    positions, at = [], 0
    for segment in segments:
        at += getattr(segment, side)
        positions.append(at)
    return positions


def _split(segments: list[Segment], cuts: list[int], side: str) -> list[Segment]:
    """Split keep, delete and insert segments at the given offsets of their `side`; replacements stay whole."""
    out: list[Segment] = []
    at, c = 0, 0
    for segment in segments:
        length = getattr(segment, side)
        end = at + length
        while c < len(cuts) and cuts[c] <= at:
            c += 1
        # An insertion (nothing on the source side) divides as freely as a keep or a deletion.
        insertion = segment.kind == "replace" and side == "dst" and segment.src == 0
        if (segment.kind == "replace" and not insertion) or length == 0:
            out.append(segment)
        else:
            start = at
            while c < len(cuts) and cuts[c] < end:
                out.append(_piece(segment, insertion, cuts[c] - start))
                start = cuts[c]
                c += 1
            out.append(_piece(segment, insertion, end - start))
        at = end
    return out


def _piece(segment: Segment, insertion: bool, step: int) -> Segment:
    """step characters of a divisible segment, of the same kind."""
    if insertion:
        return Segment(0, step, "replace")
    return Segment(step, step if segment.kind == "keep" else 0, segment.kind, segment.rule)


def _aligned(
    first: list[Segment], second: list[Segment], i: int, j: int
) -> tuple[list[Segment], list[Segment], int, int, int]:
    """Pieces from whichever map is behind until both reach the same offset of the middle text:
    (the first map's pieces, the second's, their length in the last text, next i, next j)."""
    dst = ahead = 0
    from_first: list[Segment] = []
    from_second: list[Segment] = []
    while True:
        if ahead <= 0:
            from_first.append(first[i])
            ahead += first[i].dst
            i += 1
        else:
            from_second.append(second[j])
            dst += second[j].dst
            ahead -= second[j].src
            j += 1
        if ahead == 0:
            return from_first, from_second, dst, i, j


def _composed(from_first: list[Segment], from_second: list[Segment], dst: int) -> Iterator[Segment]:
    """The segments of the composed map for pieces of the two maps that cover the same stretch."""
    if (
        len(from_first) == len(from_second) == 1
        and from_first[0].kind == from_second[0].kind == "keep"
    ):
        yield Segment(from_first[0].src, dst, "keep")
        return
    # Deletions of the first map that come before (or after) every source character
    # reaching b stay deletions of their own; only what lies between is opaque.
    reaching = [n for n, p in enumerate(from_first) if p.src and p.dst]
    lo, hi = (reaching[0], reaching[-1] + 1) if reaching else (len(from_first), len(from_first))
    for piece in from_first[:lo]:
        if piece.dst == 0:
            yield Segment(piece.src, 0, "delete", piece.rule)
    if dst == 0:
        # All deleted: what the first map deleted keeps its rule, the rest takes the second's.
        rule = next((p.rule for p in from_second if p.kind == "delete" and p.rule), None)
        for piece in from_first[lo:hi]:
            yield Segment(piece.src, 0, "delete", piece.rule if piece.dst == 0 else rule)
    else:
        yield Segment(sum(p.src for p in from_first[lo:hi]), dst, "replace")
    for piece in from_first[hi:]:
        if piece.dst == 0:
            yield Segment(piece.src, 0, "delete", piece.rule)


@dataclass
class OffsetMap:
    """A monotone map from the offsets of a source text to those of a destination text."""

    segments: list[Segment] = field(default_factory=list)

    @property
    def src_len(self) -> int:
        return sum(s.src for s in self.segments)

    @property
    def dst_len(self) -> int:
        return sum(s.dst for s in self.segments)

    @classmethod
    def identity(cls, length: int) -> OffsetMap:
        return cls([Segment(length, length, "keep")] if length else [])

    @classmethod
    def build(cls, parts: Iterable[Segment]) -> OffsetMap:
        segments: list[Segment] = []
        for part in parts:
            if part.kind == "keep" and part.src != part.dst:
                raise ValueError("a keep segment has the same length on both sides")
            if part.kind == "delete" and part.dst:
                raise ValueError("a delete segment has nothing on the destination side")
            _append(segments, part)
        return cls(segments)

    @classmethod
    def from_diff(cls, before: str, after: str) -> OffsetMap:
        """The map of a transformation that does not report its edits (ftfy, NFC).

        Equal runs keep their positions; everything else is one opaque replacement
        (or a deletion), so no offset inside a changed run is ever guessed.
        """
        if before == after:
            return cls.identity(len(before))
        parts = []
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
            None, before, after, autojunk=False
        ).get_opcodes():
            if tag == "equal":
                parts.append(Segment(i2 - i1, j2 - j1, "keep"))
            elif j1 == j2:
                parts.append(Segment(i2 - i1, 0, "delete"))
            else:
                parts.append(Segment(i2 - i1, j2 - j1, "replace"))
        return cls.build(parts)

    def __add__(self, other: OffsetMap) -> OffsetMap:
        """Concatenation: the map of source1 + source2 onto dest1 + dest2."""
        return OffsetMap.build([*self.segments, *other.segments])

    def then(self, other: OffsetMap) -> OffsetMap:
        """Composition: this map (a -> b) followed by other (b -> c) gives a -> c."""
        if self.dst_len != other.src_len:
            raise ValueError(
                f"cannot compose: the first map ends in {self.dst_len} characters, "
                f"the second starts from {other.src_len}"
            )
        # Split each map's divisible segments at the other's boundaries (in the middle text b),
        # so that two pieces starting at the same offset of b either end together or one of
        # them is an opaque replacement.
        first = _split(self.segments, _boundaries(other.segments, "src"), "dst")
        second = _split(other.segments, _boundaries(self.segments, "dst"), "src")
        out: list[Segment] = []
        i = j = 0
        while i < len(first) or j < len(second):
            # What the first map deleted, or the second inserted, passes straight through.
            if i < len(first) and first[i].dst == 0:
                _append(out, Segment(first[i].src, 0, "delete", first[i].rule))
                i += 1
                continue
            if j < len(second) and second[j].src == 0:
                _append(out, Segment(0, second[j].dst, "replace"))
                j += 1
                continue
            from_first, from_second, dst, i, j = _aligned(first, second, i, j)
            for segment in _composed(from_first, from_second, dst):
                _append(out, segment)
        return OffsetMap(out)

    def _locate(self, offset: int, side: Literal["start", "end"]) -> int | None:
        """The destination offset of a span's start or end; None if it falls strictly inside a replacement.

        A start goes to the first character at or after it that survives, an end to
        the last one before it: deleted characters and characters inserted at the edge
        are never part of a span.
        """
        if side == "start":
            src = dst = 0
            for segment in self.segments:
                if src + segment.src <= offset:  # wholly before the start (or inserted right at it)
                    src += segment.src
                    dst += segment.dst
                    continue
                if segment.kind == "keep":
                    return dst + offset - src
                if segment.kind == "replace":
                    return dst if offset == src else None
                offset = src + segment.src  # deleted: the span starts after the deletion
                src = offset
            return dst
        src, dst = self.src_len, self.dst_len
        for segment in reversed(self.segments):
            if src - segment.src >= offset:  # wholly after the end (or inserted right at it)
                src -= segment.src
                dst -= segment.dst
                continue
            if segment.kind == "keep":
                return dst - (src - offset)
            if segment.kind == "replace":
                return dst if offset == src else None
            offset = src - segment.src  # deleted: the span ends before the deletion
            src = offset
        return dst

    def map_span(self, start: int, end: int) -> Mapped:
        """The destination span of source [start, end), or why there is none.

        "removed": the span begins or ends in, or lies wholly in, characters a rule
        deleted (its clean text would silently lose its edge). "cut": it begins or
        ends strictly inside a replacement, whose inner offsets do not exist.
        """
        if not 0 <= start <= end <= self.src_len:
            raise ValueError(
                f"span [{start}, {end}) is outside the source text ({self.src_len} characters)"
            )
        src = 0
        for segment in self.segments:
            if segment.kind == "delete" and segment.rule and segment.src:
                lo, hi = src, src + segment.src
                # Overlaps the deleted range at one of the span's ends (or contains the whole span).
                if start < hi and end > lo and (start >= lo or end <= hi):
                    return Mapped(problem="removed", rule=segment.rule, at=max(start, lo))
            src += segment.src
        mapped_start = self._locate(start, "start")
        if mapped_start is None:
            return Mapped(problem="cut", at=start)
        mapped_end = self._locate(end, "end")
        if mapped_end is None:
            return Mapped(problem="cut", at=end)
        if mapped_end <= mapped_start:
            return Mapped(problem="removed", at=start)
        return Mapped(start=mapped_start, end=mapped_end)


@dataclass
class Tracked:
    """A text and the map from the original it came from: normalisation steps extend both."""

    text: str
    map: OffsetMap

    @classmethod
    def of(cls, text: str) -> Tracked:
        return cls(text, OffsetMap.identity(len(text)))

    def astuple(self) -> tuple[str, OffsetMap]:
        return self.text, self.map

    def apply(self, step: Callable[[str], tuple[str, OffsetMap]]) -> Tracked:
        text, mapping = step(self.text)
        return Tracked(text, self.map.then(mapping))

    def opaque(self, transform: Callable[[str], str]) -> Tracked:
        """A step from a library that does not report its edits, mapped from a diff of before and after."""
        after = transform(self.text)
        return Tracked(after, self.map.then(OffsetMap.from_diff(self.text, after)))
