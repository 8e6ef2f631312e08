"""Fixture contributions: each hostile or broken case a pull request can bring.

Each case is (files to write, expected (code, file, line) of its one error). Binary
cases are built here rather than stored, so the repository holds no binary blobs.
"""

from __future__ import annotations

from pathlib import Path

TASS = "raw/tass/002_7aabf56efc3e79f2"
SEED_RT = "raw/rt/004_f2e18ad958418c56.txt"

NEW_RT = b"""Moscow and Beijing sign a river navigation accord \xe2\x80\x94 RT EN

14 may 2023 11:20 am

Officials from both countries agreed on new rules for shipping along the Amur and Ussuri rivers.

The accord covers pilotage, buoy maintenance and the exchange of water-level data, a ministry statement said.

Source link
"""

NEW_RT_SIDECAR = b"""url:
  value: https://www.rt.com/news/000001-river-navigation-accord/
  note: recorded by the scraper's log
"""

RANDOM_BLOB = bytes(
    ((i * 73 + 41) % 255) + 1 for i in range(4096)
)  # no NUL: caught as control bytes

CASES: dict[str, tuple[dict[str, bytes], tuple[str, str, int | None]]] = {
    "empty-file": ({"raw/rt/empty.txt": b""}, ("empty-file", "raw/rt/empty.txt", None)),
    "binary-png-renamed": (
        {"raw/rt/blob.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"},
        ("binary-file", "raw/rt/blob.txt", None),
    ),
    "binary-random": (
        {"raw/rt/random.txt": RANDOM_BLOB},
        ("binary-file", "raw/rt/random.txt", None),
    ),
    "nul-bytes": (
        {"raw/rt/nul.txt": b"Title\n\nBody one.\nBody\x00two.\n"},
        ("binary-file", "raw/rt/nul.txt", 4),
    ),
    "latin-1": (
        {
            "raw/rt/latin1.txt": "Title\n\n8 mar 2022 09:01 am\n\nCaf\u00e9 society.\n".encode(
                "latin-1"
            )
        },
        ("invalid-utf8", "raw/rt/latin1.txt", 5),
    ),
    "utf-16-bom": (
        {"raw/rt/utf16.txt": "Title\n\nBody.\n".encode("utf-16")},
        ("invalid-utf8", "raw/rt/utf16.txt", None),
    ),
    "html-as-txt": (
        {
            "raw/rt/page.txt": b"<!DOCTYPE html>\n<html><head><title>T</title></head>\n<body><p>x</p></body></html>\n"
        },
        ("html-capture", "raw/rt/page.txt", None),
    ),
    "long-line": (
        {"raw/rt/long.txt": b"Title\n\n" + b"word " * 600_000 + b"\n"},
        ("line-too-long", "raw/rt/long.txt", 3),
    ),
    "mixed-line-endings": (
        {"raw/rt/mixed.txt": b"Title\r\n\r\n8 mar 2022 09:01 am\n\nBody text here.\r\n"},
        ("mixed-line-endings", "raw/rt/mixed.txt", 3),
    ),
    "name-with-space": (
        {"raw/rt/new article.txt": NEW_RT},
        ("non-portable-name", "raw/rt/new article.txt", None),
    ),
    "name-with-control": (
        {"raw/rt/new\x07.txt": NEW_RT},
        ("non-portable-name", "raw/rt/new\x07.txt", None),
    ),
    "case-clash": (
        {"raw/rt/004_F2E18AD958418C56.txt": NEW_RT},
        ("case-clash", "raw/rt/004_F2E18AD958418C56.txt", None),
    ),
    "sidecar-invalid-yaml": (
        {f"{TASS}.meta.yaml": b"published:\n  value: [2023\n  note: x\n"},
        ("sidecar-invalid-yaml", f"{TASS}.meta.yaml", 3),
    ),
    "sidecar-unknown-field": (
        {
            f"{TASS}.meta.yaml": b"published:\n  value: 2023-09-18\n  note: n\nauthor:\n"
            b"  value: someone\n  note: n\n"
        },
        ("sidecar-unknown-field", f"{TASS}.meta.yaml", 4),
    ),
    "sidecar-missing-note": (
        {f"{TASS}.meta.yaml": b"published:\n  value: 2023-09-18\n"},
        ("sidecar-invalid-value", f"{TASS}.meta.yaml", 1),
    ),
    "sidecar-wrong-type": (
        {f"{TASS}.meta.yaml": b"keywords:\n  value: security\n  note: n\n"},
        ("sidecar-invalid-value", f"{TASS}.meta.yaml", 2),
    ),
    "sidecar-python-tag": (
        {f"{TASS}.meta.yaml": b"published: !!python/object/apply:os.system ['echo pwned']\n"},
        ("sidecar-invalid-yaml", f"{TASS}.meta.yaml", 1),
    ),
    "sidecar-yaml-bomb": (
        {f"{TASS}.meta.yaml": b"a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n"},
        ("sidecar-invalid-yaml", f"{TASS}.meta.yaml", 2),
    ),
    "sidecar-escaping-path": (
        {
            "raw/rt/new.txt": NEW_RT,
            "raw/rt/new.meta.yaml": b"url:\n  value: file:///../../etc/passwd\n  note: n\n",
        },
        ("sidecar-invalid-value", "raw/rt/new.meta.yaml", 2),
    ),
    "orphan-sidecar": (
        {"raw/rt/missing.meta.yaml": b"title:\n  value: T\n  note: n\n"},
        ("orphan-sidecar", "raw/rt/missing.meta.yaml", None),
    ),
    "unparseable-date": (
        {"raw/sputnik/bad-date.txt": b"13:49 GMT31 Februar 2021\nListen Live\n\n    Body text.\n"},
        ("unparseable-date", "raw/sputnik/bad-date.txt", 1),
    ),
    "date-in-future": (
        {"raw/rt/new.txt": NEW_RT.replace(b"14 may 2023", b"14 may 2999")},
        ("date-in-future", "raw/rt/new.txt", 3),
    ),
    "date-before-outlet": (
        {
            "raw/global-times/003_eee14f7ce2fa8480.meta.yaml": b"published:\n  value: 1980-01-01\n  note: n\n"
        },
        ("date-before-outlet", "raw/global-times/003_eee14f7ce2fa8480.meta.yaml", 1),
    ),
    "published-mismatch": (
        {f"{TASS}.meta.yaml": b"published:\n  value: 2023-09-19\n  note: n\n"},
        ("published-mismatch", f"{TASS}.meta.yaml", 1),
    ),
    "unknown-outlet-folder": (
        {"raw/xinhua/001.txt": b"Title\n\nBody text.\n"},
        ("unknown-outlet", "raw/xinhua/001.txt", None),
    ),
    "unknown-outlet-sidecar": (
        {"raw/rt/004_f2e18ad958418c56.meta.yaml": b"outlet:\n  value: Daily Planet\n  note: n\n"},
        ("unknown-outlet", "raw/rt/004_f2e18ad958418c56.meta.yaml", 1),
    ),
    "no-body-text": (
        {"raw/rt/furniture-only.txt": b"Title\n\nSource link\n\nComments are closed.\n"},
        ("no-body-text", "raw/rt/furniture-only.txt", None),
    ),
    "missing-metadata": (
        {"raw/sputnik/new.txt": b"10:00 GMT01 March 2021\nListen Live\n\n    A new body.\n"},
        ("missing-metadata", "raw/sputnik/new.txt", None),
    ),
    "id-clash": (
        {
            "raw/rt/new.txt": NEW_RT,
            "raw/rt/new.meta.yaml": b"id:\n  value: 'd5986e6e2684174e'\n  note: n\n",
        },
        ("duplicate-id", "raw/rt/new.meta.yaml", 1),
    ),
    "duplicate-url": (
        {
            "raw/rt/new.txt": NEW_RT,
            "raw/rt/new.meta.yaml": NEW_RT_SIDECAR,
            "raw/rt/004_f2e18ad958418c56.meta.yaml": NEW_RT_SIDECAR,
        },
        ("duplicate-url", "raw/rt/new.meta.yaml", 1),
    ),
    "exact-duplicate": ({"raw/rt/copy.txt": None}, ("duplicate-text", "raw/rt/copy.txt", None)),
    # Annotation files: offsets into the raw capture (TASS: "Wang Yi" is at [3438, 3445), "All news" at [0, 8)).
    "annotation-bad-offsets": (
        {f"{TASS}.spans.jsonl": b'{"start": 3445, "end": 3438, "label": "PERSON"}\n'},
        ("span-out-of-range", f"{TASS}.spans.jsonl", 1),
    ),
    "annotation-unknown-label": (
        {f"{TASS}.spans.jsonl": b'{"start": 3438, "end": 3445, "label": "HUMAN"}\n'},
        ("unknown-label", f"{TASS}.spans.jsonl", 1),
    ),
    "annotation-text-mismatch": (
        {
            f"{TASS}.spans.jsonl": b'{"start": 3438, "end": 3445, "label": "PER", '
            b'"text": "Wang Yu"}\n'
        },
        ("span-text-mismatch", f"{TASS}.spans.jsonl", 1),
    ),
    "annotation-overlap": (
        {
            f"{TASS}.spans.jsonl": b'{"start": 3438, "end": 3445, "label": "PERSON"}\n'
            b'{"start": 3421, "end": 3445, "label": "ORG"}\n'
        },
        ("span-overlap", f"{TASS}.spans.jsonl", 1),
    ),
    "annotation-in-furniture": (
        {f"{TASS}.spans.jsonl": b'{"start": 0, "end": 8, "label": "ORG", "text": "All news"}\n'},
        ("span-in-removed-text", f"{TASS}.spans.jsonl", 1),
    ),
    "annotation-orphan": (
        {"raw/tass/missing.spans.jsonl": b'{"start": 0, "end": 1, "label": "ORG"}\n'},
        ("orphan-annotations", "raw/tass/missing.spans.jsonl", None),
    ),
    "annotation-brat-syntax": (
        {f"{TASS}.ann": b"T1 PERSON 3438 3445 Wang Yi\n"},
        ("annotation-syntax", f"{TASS}.ann", 1),
    ),
}

# Contents filled from the seed captures at test time.
COPIES = {"raw/rt/copy.txt": SEED_RT}


def write(project: Path, relative: str, data: bytes) -> None:
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def apply(project: Path, files: dict[str, bytes | None]) -> None:
    """Write a fixture contribution's files into project (None: a copy of a seed capture)."""
    for relative, data in files.items():
        write(
            project,
            relative,
            data if data is not None else (project / COPIES[relative]).read_bytes(),
        )
