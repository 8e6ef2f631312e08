"""Decoding a capture's bytes: the line checks, at their edges."""

from __future__ import annotations

import hashlib

import pytest

from corpuspack.capture.decode import MAX_LINE_CHARS, decode_capture


def _code(data: bytes) -> str | None:
    result = decode_capture(data, "raw/x/a.txt")
    return result.code if not isinstance(result, tuple) else None


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"a\nb\nc\n", None),
        (b"a\r\nb\r\nc\r\n", None),
        (b"a\rb\rc\r", None),
        (b"a\r\nb\nc", "mixed-line-endings"),
        (b"a\rb\nc", "mixed-line-endings"),
        (b"a\r\nb\rc", "mixed-line-endings"),
        (b"x" * MAX_LINE_CHARS, None),
        (b"x" * (MAX_LINE_CHARS + 1), "line-too-long"),
        (b"a\n" + b"x" * MAX_LINE_CHARS + b"\nb", None),
        (b"a\n" + b"x" * (MAX_LINE_CHARS + 1) + b"\nb", "line-too-long"),
        # Characters, not bytes: 100,000 two-byte letters are one line of the limit.
        ("é".encode() * MAX_LINE_CHARS, None),
        ("é".encode() * (MAX_LINE_CHARS + 1), "line-too-long"),
        (b"\r".join([b"x" * 60_000, b"y" * 60_000]), "line-too-long"),  # CR alone does not split
    ],
)
def test_line_endings_and_line_lengths(data, code):
    assert _code(data) == code


def test_a_text_is_its_bytes_decoded_without_the_bom_with_the_bytes_digest():
    data = "\ufeffCafé\n".encode()
    assert decode_capture(data, "raw/x/a.txt") == ("Café\n", hashlib.sha256(data).hexdigest())
