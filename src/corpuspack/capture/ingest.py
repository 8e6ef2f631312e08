"""Finding and safely reading raw captures and their sidecars.

A capture is untrusted input: it is read as bytes, never followed through a
symlink, never executed, and any problem becomes a finding naming the file.
raw/ is only ever read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import xxhash

from corpuspack.capture import bundles
from corpuspack.capture import sidecar as sidecar_mod
from corpuspack.capture.decode import decode_capture
from corpuspack.capture.names import (
    ANNOTATION_SUFFIXES,
    BUNDLE_SUFFIXES,
    CAPTURE_SUFFIX,
    SIDECAR_SUFFIX,
)
from corpuspack.findings.report import Finding, error, warning

# Portable across Windows, macOS and Linux file systems and safe in shells and URLs.
_PORTABLE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_PORTABLE_PATH = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)*"
)  # names joined by "/"


@dataclass(frozen=True)
class RawDocument:
    """One capture as read from raw/: its text, its hash, and its sidecar if any."""

    path: str  # relative to the project root, POSIX, e.g. "raw/tass/002_x.txt"
    outlet_dir: str | None  # first folder under raw/, which names the outlet profile
    text: str
    sha256: str
    sidecar: sidecar_mod.Sidecar | None = None
    annotation_files: tuple[
        tuple[str, bytes], ...
    ] = ()  # (path as shown, bytes) of its standoff files


@dataclass(frozen=True)
class Inputs:
    """The bytes of one capture and of the files that belong to it."""

    data: bytes | None
    sidecar: bytes | None
    annotations: tuple[tuple[str, bytes], ...]


@dataclass(frozen=True, slots=True)
class Place:
    """Where raw/ is: one object shared by every capture stored as a file."""

    folder: str  # raw/'s path as files are opened, ending in "/"
    prefix: str  # raw/'s path relative to the project, ending in "/" ("raw/")


# slots: a corpus of single files has a Capture per file in memory; not frozen, since a frozen
# dataclass sets each field through object.__setattr__, which at a million captures costs seconds.
@dataclass(slots=True)
class Capture:
    """A capture found under raw/, not yet read.

    One stored as a file keeps only its project-relative path, the shared Place of raw/ and
    whether a sidecar sits beside it: its paths, its sidecar's and its outlet folder are made
    from them when asked (a million captures hold about 150 MB so, against 450 MB with every
    path stored). One from a JSONL bundle has no place and is given them all.
    """

    shown: str  # relative to the project, POSIX
    place: Place | None = None
    has_sidecar: bool = False
    annotations: tuple[tuple[str | Path, str], ...] = ()  # standoff annotation files: (path, shown)
    bundle: str | None = None  # the JSONL bundle (project-relative) it is a line of, if any
    bundle_line: int | None = None
    bundle_path: Path | None = None
    bundle_outlet_dir: str | None = None
    bundle_sidecar_shown: str | None = None

    @property
    def path(self) -> str | Path:
        """Where to read it: its file, or its bundle."""
        if self.place is None:
            return self.bundle_path
        return self.place.folder + self.shown[len(self.place.prefix) :]

    @property
    def sidecar(self) -> str | None:
        """Its sidecar file, if it is a file that has one."""
        if self.place is None or not self.has_sidecar:
            return None
        return (
            self.place.folder
            + self.shown[len(self.place.prefix) : -len(CAPTURE_SUFFIX)]
            + SIDECAR_SUFFIX
        )

    @property
    def sidecar_shown(self) -> str | None:
        if self.place is None:
            return self.bundle_sidecar_shown
        return self.shown[: -len(CAPTURE_SUFFIX)] + SIDECAR_SUFFIX if self.has_sidecar else None

    @property
    def outlet_dir(self) -> str | None:
        """The first folder under raw/, which names the outlet profile."""
        if self.place is None:
            return self.bundle_outlet_dir
        relative = self.shown[len(self.place.prefix) :]
        return relative.split("/", 1)[0] if "/" in relative else None

    @property
    def related(self) -> set[str]:
        """The project-relative paths of the capture and every file that belongs to it."""
        sidecar = self.sidecar_shown
        return {
            self.shown,
            *([sidecar] if sidecar else []),
            *(s for _, s in self.annotations),
            *([self.bundle] if self.bundle else []),
        }

    # The old names build/pipeline.py still reads; they go when it reads the bundle names (issue 15).
    @property
    def shard(self) -> str | None:
        return self.bundle

    @property
    def shard_line(self) -> int | None:
        return self.bundle_line


@dataclass(frozen=True)
class Bundle:
    """A JSONL file of captures (see bundles.py), not yet read."""

    path: Path
    shown: str
    outlet_dir: str | None


@dataclass
class Scan:
    captures: list[Capture]
    findings: list[Finding]
    files_seen: int
    bundles: list[Bundle] = field(default_factory=list)

    @property
    def shards(self) -> list[Bundle]:
        """The old name build/pipeline.py still reads; it goes when that reads bundles (issue 15)."""
        return self.bundles


def _walk(raw_dir: Path) -> Iterator[tuple[str, str]]:
    """Yield (path relative to raw_dir, kind) for every entry, sorted, without following symlinks.

    os.scandir's entries know whether they are links, folders or files without a
    stat call per file, which matters at a million captures.
    """
    stack = [""]
    while stack:
        folder = stack.pop()
        with os.scandir(raw_dir / folder if folder else raw_dir) as it:
            entries = sorted(it, key=lambda e: e.name)
        subfolders = []
        for entry in entries:
            relative = f"{folder}/{entry.name}" if folder else entry.name
            if entry.is_symlink():
                yield relative, "symlink"
            elif entry.name.startswith("."):
                continue
            elif entry.is_dir(follow_symlinks=False):
                subfolders.append(relative)
            elif entry.name.endswith(SIDECAR_SUFFIX):
                yield relative, "sidecar"
            elif entry.name.endswith(ANNOTATION_SUFFIXES):
                yield relative, "annotations"
            elif entry.name.endswith(CAPTURE_SUFFIX):
                yield relative, "capture"
            elif entry.name.endswith(BUNDLE_SUFFIXES):
                yield relative, "bundle"
            elif entry.name.lower().endswith((CAPTURE_SUFFIX, SIDECAR_SUFFIX)):
                yield relative, "wrong-case-suffix"
            else:
                yield relative, "other"
        stack.extend(reversed(subfolders))


def read(capture: Capture, max_bytes: int) -> tuple[Inputs, list[Finding]]:
    """The bytes of a capture, its sidecar and its annotation files, refusing files over the size limit unread."""
    findings = []
    files = [
        (capture.path, capture.shown),
        *([(capture.sidecar, capture.sidecar_shown)] if capture.sidecar else []),
        *capture.annotations,
    ]
    contents: dict[str, bytes] = {}
    for path, shown in files:
        size = os.stat(path).st_size
        if size > max_bytes:
            findings.append(
                error(
                    shown,
                    "file-too-large",
                    f"{size:,} bytes is over the limit of {max_bytes:,}; split the file or raise "
                    '"max_file_bytes" under "corpuspack" in datapackage.json',
                )
            )
        else:
            with open(path, "rb") as handle:
                contents[shown] = handle.read()
    inputs = Inputs(
        data=contents.get(capture.shown),
        sidecar=contents.get(capture.sidecar_shown) if capture.sidecar_shown else None,
        annotations=tuple(
            (shown, contents[shown]) for _, shown in capture.annotations if shown in contents
        ),
    )
    return inputs, findings


def scan(raw_dir: Path, root: Path) -> Scan:
    """Every capture under raw_dir with its sidecar; names, links and strays become findings."""
    findings: list[Finding] = []
    captures: list[str] = []
    sidecars: set[str] = set()  # the relative paths of captures that have a sidecar beside them
    standoff: dict[str, list[str]] = {}  # capture's relative path -> its annotation files
    bundle_list: list[Bundle] = []
    seen = 0
    if not raw_dir.is_dir():
        shown = (
            raw_dir.relative_to(root).as_posix() if raw_dir.is_relative_to(root) else str(raw_dir)
        )
        return Scan(
            [],
            [error(shown, "missing-raw-dir", "no raw/ folder; put captures in raw/<outlet>/")],
            0,
        )
    prefix = raw_dir.relative_to(root).as_posix() + "/"
    # Letter case clashes: the hash of each path case-folded -> the path (relative to raw/). Hashes,
    # not the folded paths themselves: at a million files that is hundreds of MB less. Paths whose
    # hashes collide are kept by their folded text in `collided`, so no clash is missed.
    folded: dict[int, str] = {}
    collided: dict[str, str] = {}
    for relative, kind in _walk(raw_dir):
        seen += 1
        shown = prefix + relative
        if not _PORTABLE_PATH.fullmatch(relative):
            bad = [part for part in relative.split("/") if not _PORTABLE_NAME.fullmatch(part)]
            findings.append(
                error(
                    shown,
                    "non-portable-name",
                    f"{bad[0]!r} is not a portable file name; use only letters, digits, '.', '_' "
                    "and '-' (no spaces or control characters), starting with a letter or digit",
                )
            )
            continue
        key = relative.casefold()
        fold = xxhash.xxh3_64_intdigest(key.encode("utf-8", "surrogateescape"))
        kept = folded.get(fold)
        first = None
        if kept is not None:
            first = kept if kept.casefold() == key else collided.get(key)
        if first is not None:
            first = prefix + first
            # Reported on both files, so a check of either one (e.g. of a pull request's) shows it.
            for this, other in ((shown, first), (first, shown)):
                findings.append(
                    error(
                        this,
                        "case-clash",
                        f"differs from {other} only in letter case, so the "
                        "two collide on macOS and Windows; rename one",
                    )
                )
            continue
        if kept is None:
            folded[fold] = relative
        else:
            collided[key] = relative
        if kind == "symlink":
            findings.append(
                error(
                    shown,
                    "symlink",
                    "symbolic links are not followed in raw/; "
                    "replace the link with the file itself",
                )
            )
        elif kind == "wrong-case-suffix":
            findings.append(
                error(
                    shown,
                    "non-portable-name",
                    f"rename it to end in lowercase {CAPTURE_SUFFIX} or "
                    f"{SIDECAR_SUFFIX}; as it is, it would be ignored",
                )
            )
        elif kind == "other":
            findings.append(
                warning(
                    shown,
                    "unexpected-file",
                    f"not a capture ({CAPTURE_SUFFIX}), a bundle of captures "
                    f"({', '.join(BUNDLE_SUFFIXES)}), a sidecar "
                    f"({SIDECAR_SUFFIX}) or an annotation file ({', '.join(ANNOTATION_SUFFIXES)}); "
                    "it is ignored",
                )
            )
        elif kind == "sidecar":
            sidecars.add(relative[: -len(SIDECAR_SUFFIX)] + CAPTURE_SUFFIX)
        elif kind == "annotations":
            suffix = next(s for s in ANNOTATION_SUFFIXES if relative.endswith(s))
            standoff.setdefault(relative[: -len(suffix)] + CAPTURE_SUFFIX, []).append(relative)
        elif kind == "bundle":
            bundle_list.append(
                Bundle(
                    path=raw_dir / relative,
                    shown=shown,
                    outlet_dir=relative.split("/", 1)[0] if "/" in relative else None,
                )
            )
        else:
            captures.append(relative)
    # Orphans as set differences, not a set of every capture: the same answer in less memory.
    for capture in sorted(sidecars.difference(captures)):
        sidecar = capture[: -len(CAPTURE_SUFFIX)] + SIDECAR_SUFFIX
        findings.append(
            error(
                prefix + sidecar,
                "orphan-sidecar",
                f"no capture {capture.rsplit('/', 1)[-1]} beside this sidecar; add the capture or "
                "delete the sidecar",
            )
        )
    for capture in sorted(set(standoff).difference(captures)):
        for name in standoff[capture]:
            findings.append(
                error(
                    prefix + name,
                    "orphan-annotations",
                    f"no capture {capture.rsplit('/', 1)[-1]} beside this annotation file; its "
                    "offsets refer to that capture: add it, or rename the file to match one",
                )
            )
    found = []
    # Paths as strings (open and os.stat take them): a million pathlib objects cost seconds to make.
    place = Place(folder=f"{raw_dir}/", prefix=prefix)
    for relative in sorted(captures):
        found.append(
            Capture(
                prefix + relative,
                place,
                relative in sidecars,
                tuple((place.folder + name, prefix + name) for name in sorted(standoff[relative]))
                if relative in standoff
                else (),
            )
        )
    return Scan(captures=found, findings=findings, files_seen=seen, bundles=bundle_list)


def inputs(
    scan: Scan, max_bytes: int
) -> Iterator[tuple[Capture | None, Inputs | None, list[Finding]]]:
    """Every capture with its bytes (or the findings that stop it being read), files first, then bundles' lines."""
    for capture in scan.captures:
        data, problems = read(capture, max_bytes)
        yield capture, data, problems
    yield from bundle_inputs(scan, max_bytes)


def bundle_inputs(
    scan: Scan, max_bytes: int
) -> Iterator[tuple[Capture | None, Inputs | None, list[Finding]]]:
    """Every capture of the scan's JSONL bundles with its bytes, or the findings about an unusable line."""
    for bundle in scan.bundles:
        for member, data, sidecar, problems in bundles.read(bundle.path, bundle.shown, max_bytes):
            if member is None:
                yield None, None, problems
                continue
            capture = Capture(
                shown=member.shown,
                bundle=bundle.shown,
                bundle_line=member.line,
                bundle_path=bundle.path,
                bundle_outlet_dir=bundle.outlet_dir,
                bundle_sidecar_shown=member.sidecar_shown if sidecar is not None else None,
            )
            yield capture, Inputs(data=data, sidecar=sidecar, annotations=()), []


# The old name build/pipeline.py still calls; it goes when that calls bundle_inputs (issue 15).
shard_inputs = bundle_inputs


def load(capture: Capture, inputs: Inputs) -> tuple[RawDocument | None, list[Finding]]:
    """Decode a capture and parse its sidecar: a pure function of their bytes."""
    result = decode_capture(inputs.data, capture.shown)
    if isinstance(result, Finding):
        return None, [result]
    text, digest = result
    parsed = None
    if inputs.sidecar is not None:
        parsed, problems = sidecar_mod.parse(inputs.sidecar, capture.sidecar_shown)
        if parsed is None:
            return None, problems
    return RawDocument(
        path=capture.shown,
        outlet_dir=capture.outlet_dir,
        text=text,
        sha256=digest,
        sidecar=parsed,
        annotation_files=inputs.annotations,
    ), []
