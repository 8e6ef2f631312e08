"""Decoding a capture's bytes: strict UTF-8 text, or a finding that says why it is not.

A capture is untrusted input, so everything that is not a plain-text article (a
binary file, an HTML page, another encoding, hand-mixed line endings, a paragraph
too long to be one) is named precisely rather than decoded loosely.
"""

from __future__ import annotations

import hashlib
import re

from corpuspack.findings.report import Finding, error

_BINARY_MAGIC = {
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (or an Office document)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "an executable",
}
_HTML = re.compile(rb"\A\s*(?:<!doctype html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE)
_HTML_TAGS = re.compile(
    rb"</?(?:p|div|span|a|br|script|style|meta|li|ul|h[1-6])(?:\s[^>]*)?/?>", re.IGNORECASE
)
MAX_LINE_CHARS = 100_000
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32), 127])


def decode_capture(data: bytes, shown: str) -> tuple[str, str] | Finding:
    """(text, SHA-256 of the bytes) of a capture as strict UTF-8, or why it cannot be used."""
    problem = _not_text(data, shown)
    if problem is not None:
        return problem
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _invalid_utf8(data, shown, exc)
    text = text.removeprefix("\ufeff")
    problem = _mixed_line_endings(text, shown) or _overlong_line(text, shown)
    if problem is not None:
        return problem
    return text, hashlib.sha256(data).hexdigest()


def _not_text(data: bytes, shown: str) -> Finding | None:
    """Why the bytes are no text file at all: empty, UTF-16, binary or an HTML page."""
    if not data:
        return error(
            shown,
            "empty-file",
            "the capture is empty (0 bytes); add the article text or delete the file",
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return error(
            shown,
            "invalid-utf8",
            "the capture is UTF-16 (it starts with a UTF-16 byte-order mark); "
            "re-save it as UTF-8, e.g. iconv -f UTF-16 -t UTF-8",
        )
    binary = _binary(data, shown)
    if binary is not None:
        return binary
    if _HTML.match(data) or len(_HTML_TAGS.findall(data[:65536])) >= 5:
        return error(
            shown,
            "html-capture",
            "this is an HTML page saved as .txt; save the article's visible text "
            "instead (one paragraph per line), not the page source",
        )
    return None


def _binary(data: bytes, shown: str) -> Finding | None:
    for magic, kind in _BINARY_MAGIC.items():
        if data.startswith(magic):
            return error(
                shown,
                "binary-file",
                f"the capture is {kind}, not text; save the article as plain UTF-8 text",
            )
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return error(
            shown,
            "binary-file",
            "the capture contains NUL bytes, so it is binary, not text; "
            "save the article as plain UTF-8 text",
            line=line,
        )
    sample = data[:65536]
    control_bytes = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if control_bytes > max(2, len(sample) // 100):
        return error(
            shown,
            "binary-file",
            f"{control_bytes} control bytes in the first {len(sample):,}: this is "
            "binary data, not an article; save the article as plain UTF-8 text",
        )
    return None


def _invalid_utf8(data: bytes, shown: str, exc: UnicodeDecodeError) -> Finding:
    line = data[: exc.start].count(b"\n") + 1
    hint = "re-save it as UTF-8"
    try:
        data.decode("cp1252")
        hint += " (it decodes as Windows-1252/Latin-1: iconv -f CP1252 -t UTF-8)"
    except UnicodeDecodeError:
        pass
    return error(
        shown,
        "invalid-utf8",
        f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not valid UTF-8; {hint}",
        line=line,
    )


def _mixed_line_endings(text: str, shown: str) -> Finding | None:
    if "\r" not in text:  # only LF: the usual case, found without counting
        return None
    crlf = text.count("\r\n")
    lone_lf = text.count("\n") - crlf
    lone_cr = text.count("\r") - crlf
    if sum(1 for n in (crlf, lone_lf, lone_cr) if n) <= 1:
        return None
    lines = text.split("\n")
    first_crlf = lines[0].endswith("\r") if len(lines) > 1 else False
    first_other = next(
        (
            number
            for number, line in enumerate(lines[:-1], start=1)
            if line.endswith("\r") != first_crlf
        ),
        None,
    )
    return error(
        shown,
        "mixed-line-endings",
        f"the capture mixes line endings ({crlf} CRLF, {lone_lf} LF, "
        f"{lone_cr} CR), a sign of hand edits; re-save it with LF line endings (e.g. dos2unix)",
        line=first_other,
    )


def _overlong_line(text: str, shown: str) -> Finding | None:
    if len(text) <= MAX_LINE_CHARS:  # no line of it can be longer: not split into lines
        return None
    lines = text.split("\n")
    longest = max(lines, key=len)
    if len(longest) <= MAX_LINE_CHARS:
        return None
    number = lines.index(longest) + 1
    return error(
        shown,
        "line-too-long",
        f"line {number} has {len(longest):,} characters (limit "
        f"{MAX_LINE_CHARS:,}); a capture holds one paragraph per line: check how it was saved",
        line=number,
    )
