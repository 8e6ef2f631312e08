"""Finding and safely reading raw captures and their sidecars.

A capture is untrusted input: it is read as bytes, never followed through a
symlink, never executed, and any problem becomes a finding naming the file.
raw/ is only ever read.
"""

from __future__ import annotations

import hashlib
import operator
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import xxhash

from corpuspack.capture import bundles
from corpuspack.capture import sidecar as sidecar_mod
from corpuspack.capture.decode import decode_capture
from corpuspack.capture.files import NotRegular, read_regular
from corpuspack.capture.model import Bundle, Capture, Inputs, Place, RawDocument, Scan
from corpuspack.capture.names import (
    ANNOTATION_SUFFIXES,
    BUNDLE_SUFFIXES,
    CAPTURE_SUFFIX,
    SIDECAR_SUFFIX,
    hidden,
)
from corpuspack.findings.report import Finding, error, warning

# Portable across Windows, macOS and Linux file systems and safe in shells and URLs.
_PORTABLE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_PORTABLE_PATH = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)*"
)  # names joined by "/"


def _walk(raw_dir: Path) -> Iterator[tuple[str, str]]:
    """Yield (path relative to raw_dir, kind) for every entry, sorted, without following symlinks.

    os.scandir's entries know whether they are links, folders, regular or other files (FIFOs,
    sockets, devices: "special", never opened) without a stat call per file, which matters at a
    million captures. Hidden files and folders (names.hidden) are "hidden", never read.
    """
    stack = [""]
    while stack:
        folder = stack.pop()
        entries = _listing(raw_dir / folder if folder else raw_dir)
        if entries is None:
            yield folder, "unreadable"
            continue
        subfolders = []
        base = f"{folder}/" if folder else ""
        for entry in entries:
            kind = _kind(entry)
            if kind == "folder":
                subfolders.append(base + entry.name)
            else:
                yield base + entry.name, kind
        stack.extend(reversed(subfolders))


def _kind(entry: os.DirEntry) -> str:
    """What an entry of raw/ is, by what scandir knows and its name."""
    if entry.is_symlink():
        return "symlink"
    if hidden(entry.name):  # (a hidden folder is not descended into)
        return "hidden"
    if entry.is_dir(follow_symlinks=False):
        return "folder"
    if not entry.is_file(follow_symlinks=False):
        return "special"
    if entry.name.endswith(SIDECAR_SUFFIX):
        return "sidecar"
    if entry.name.endswith(ANNOTATION_SUFFIXES):
        return "annotations"
    if entry.name.endswith(CAPTURE_SUFFIX):
        return "capture"
    if entry.name.endswith(BUNDLE_SUFFIXES):
        return "bundle"
    if entry.name.lower().endswith((CAPTURE_SUFFIX, SIDECAR_SUFFIX)):
        return "wrong-case-suffix"
    return "other"


def _listing(folder: Path) -> list[os.DirEntry] | None:
    """A folder's entries by name; None if it cannot be listed (no permission, or removed since
    its parent was listed)."""
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=_NAME)
    except OSError:
        return None


_NAME = operator.attrgetter("name")
Seen = bundles.Seen  # told of each file read: see read()


def read(
    capture: Capture, max_bytes: int, seen: Seen | None = None
) -> tuple[Inputs, list[Finding]]:
    """The bytes of a capture, its sidecar and its annotation files, refusing files over the size
    limit unread. seen, if given, is told of each file read (its path, status as opened, the
    SHA-256 of its bytes): a build hashes raw/ for its manifest from the bytes it read, not from a
    later read."""
    findings = []
    sidecar, sidecar_shown = capture.sidecar, capture.sidecar_shown
    files = [
        (capture.path, capture.shown),
        *([(sidecar, sidecar_shown)] if sidecar and sidecar_shown else []),
        *capture.annotations,
    ]
    contents: dict[str, bytes] = {}
    for path, shown in files:
        try:
            data, size, status = read_regular(path, max_bytes)
        except NotRegular as exc:
            findings.append(_special(shown, exc.strerror or "not a regular file"))
            continue
        except OSError as exc:  # no permission, or removed since raw/ was listed
            findings.append(unreadable(shown, exc))
            continue
        if data is None:
            findings.append(
                error(
                    shown,
                    "file-too-large",
                    f"{size:,} bytes is over the limit of {max_bytes:,}; split the file or raise "
                    '"max_file_bytes" under "corpuspack" in datapackage.json',
                )
            )
        else:
            contents[shown] = data
            if seen is not None:
                seen(path, status, hashlib.sha256(data).digest())
    inputs = Inputs(
        data=contents.get(capture.shown),
        sidecar=contents.get(sidecar_shown) if sidecar_shown else None,
        annotations=tuple(
            (shown, contents[shown]) for _, shown in capture.annotations if shown in contents
        ),
    )
    return inputs, findings


def unreadable(shown: str, exc: OSError) -> Finding:
    """The finding about a file or folder that cannot be read: no permission, or gone."""
    why = (
        "it was removed while corpuspack read raw/ (run again)"
        if isinstance(exc, FileNotFoundError)
        else f"{exc.strerror or exc}"
    )
    return error(shown, "unreadable-file", f"cannot read it: {why}")


class _CaseFolds:
    """The paths seen so far, to find two that differ only in letter case.

    Kept as the hash of each path case-folded -> the path (relative to raw/), not the
    folded paths themselves: at a million files that is hundreds of MB less. Paths whose
    hashes collide are kept by their folded text, so no clash is missed.
    """

    def __init__(self) -> None:
        self.folded: dict[int, str] = {}
        self.collided: dict[str, str] = {}

    def clash(self, relative: str) -> str | None:
        """The path seen before that relative clashes with; None (and relative is kept) if none."""
        key = relative.casefold()
        fold = xxhash.xxh3_64_intdigest(key.encode("utf-8", "surrogateescape"))
        kept = self.folded.get(fold)
        if kept is None:
            self.folded[fold] = relative
            return None
        first = kept if kept.casefold() == key else self.collided.get(key)
        if first is None:
            self.collided[key] = relative
        return first


@dataclass
class _Found:
    """What a walk of raw/ has found so far, by kind; paths relative to raw/."""

    raw_dir: Path
    prefix: str  # raw/'s path relative to the project, ending in "/"
    findings: list[Finding] = field(default_factory=list)
    captures: list[str] = field(default_factory=list)
    sidecars: set[str] = field(default_factory=set)  # captures with a sidecar beside them
    standoff: dict[str, list[str]] = field(default_factory=dict)  # capture -> annotation files
    bundles: list[Bundle] = field(default_factory=list)

    def add(self, relative: str, kind: str) -> None:
        shown = self.prefix + relative
        if kind == "unreadable":
            self.findings.append(
                error(
                    shown,
                    "unreadable-file",
                    "cannot list this folder (no permission, or removed while it was read)",
                )
            )
        elif kind in _STRAYS:
            self.findings.append(_stray(shown, kind))
        elif kind == "sidecar":
            self.sidecars.add(relative[: -len(SIDECAR_SUFFIX)] + CAPTURE_SUFFIX)
        elif kind == "annotations":
            suffix = next(s for s in ANNOTATION_SUFFIXES if relative.endswith(s))
            self.standoff.setdefault(relative[: -len(suffix)] + CAPTURE_SUFFIX, []).append(relative)
        elif kind == "bundle":
            self.bundles.append(
                Bundle(
                    path=self.raw_dir / relative,
                    shown=shown,
                    outlet_dir=relative.split("/", 1)[0] if "/" in relative else None,
                )
            )
        else:
            self.captures.append(relative)


_STRAYS = ("symlink", "hidden", "special", "wrong-case-suffix", "other")  # kinds never read
# Kinds whose names are not checked: they are not read as input.
_UNNAMED = ("hidden", "special", "unreadable")


def _special(shown: str, what: str) -> Finding:
    return error(
        shown,
        "special-file",
        f"{what}: only regular files are read from raw/, and this one is never opened; replace "
        "it with a regular file or remove it",
    )


def _stray(shown: str, kind: str) -> Finding:
    """The finding about a file in raw/ that is not read: a link, a hidden or special file, or a
    name of no known kind."""
    if kind == "hidden":
        return warning(
            shown,
            "hidden-file",
            "a hidden file or folder is not input: it is not read, not released and not part of "
            "the manifest's hash of raw/; remove it, or rename it without the leading '.' if it "
            "is a capture",
        )
    if kind == "special":
        return _special(shown, "a FIFO, socket or device")
    if kind == "symlink":
        return error(
            shown,
            "symlink",
            "symbolic links are not followed in raw/; replace the link with the file itself",
        )
    if kind == "wrong-case-suffix":
        return error(
            shown,
            "non-portable-name",
            f"rename it to end in lowercase {CAPTURE_SUFFIX} or "
            f"{SIDECAR_SUFFIX}; as it is, it would be ignored",
        )
    return warning(
        shown,
        "unexpected-file",
        f"not a capture ({CAPTURE_SUFFIX}), a bundle of captures "
        f"({', '.join(BUNDLE_SUFFIXES)}), a sidecar "
        f"({SIDECAR_SUFFIX}) or an annotation file ({', '.join(ANNOTATION_SUFFIXES)}); "
        "it is ignored",
    )


def _name_problems(relative: str, folds: _CaseFolds, prefix: str) -> list[Finding]:
    """Why a path cannot be used as it is named: not portable, or clashing in letter case."""
    shown = prefix + relative
    if not _PORTABLE_PATH.fullmatch(relative):
        # A name that is not UTF-8 (its bytes kept as surrogates) is shown with \x escapes.
        shown = shown.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        bad = [part for part in relative.split("/") if not _PORTABLE_NAME.fullmatch(part)]
        return [
            error(
                shown,
                "non-portable-name",
                f"{bad[0]!r} is not a portable file name; use only letters, digits, '.', '_' "
                "and '-' (no spaces or control characters), starting with a letter or digit",
            )
        ]
    first = folds.clash(relative)
    if first is None:
        return []
    # Reported on both files, so a check of either one (e.g. of a pull request's) shows it.
    return [
        error(
            this,
            "case-clash",
            f"differs from {other} only in letter case, so the "
            "two collide on macOS and Windows; rename one",
        )
        for this, other in ((shown, prefix + first), (prefix + first, shown))
    ]


def _orphans(found: _Found) -> list[Finding]:
    """Sidecars and annotation files with no capture beside them."""
    findings = []
    # Orphans as set differences, not a set of every capture: the same answer in less memory.
    for capture in sorted(found.sidecars.difference(found.captures)):
        sidecar = capture[: -len(CAPTURE_SUFFIX)] + SIDECAR_SUFFIX
        findings.append(
            error(
                found.prefix + sidecar,
                "orphan-sidecar",
                f"no capture {capture.rsplit('/', 1)[-1]} beside this sidecar; add the capture or "
                "delete the sidecar",
            )
        )
    for capture in sorted(set(found.standoff).difference(found.captures)):
        for name in found.standoff[capture]:
            findings.append(
                error(
                    found.prefix + name,
                    "orphan-annotations",
                    f"no capture {capture.rsplit('/', 1)[-1]} beside this annotation file; its "
                    "offsets refer to that capture: add it, or rename the file to match one",
                )
            )
    return findings


def _captures(found: _Found) -> list[Capture]:
    prefix, standoff = found.prefix, found.standoff
    # Paths as strings (open and os.stat take them): a million pathlib objects cost seconds to make.
    place = Place(folder=f"{found.raw_dir}/", prefix=prefix)
    return [
        Capture(
            prefix + relative,
            place,
            relative in found.sidecars,
            tuple((place.folder + name, prefix + name) for name in sorted(standoff[relative]))
            if relative in standoff
            else (),
        )
        for relative in sorted(found.captures)
    ]


def scan(raw_dir: Path, root: Path) -> Scan:
    """Every capture under raw_dir with its sidecar; names, links and strays become findings."""
    if not raw_dir.is_dir():
        shown = (
            raw_dir.relative_to(root).as_posix() if raw_dir.is_relative_to(root) else str(raw_dir)
        )
        return Scan(
            [],
            [error(shown, "missing-raw-dir", "no raw/ folder; put captures in raw/<outlet>/")],
            0,
        )
    found = _Found(raw_dir, raw_dir.relative_to(root).as_posix() + "/")
    folds = _CaseFolds()
    seen = 0
    captures = found.captures
    listed: list[str] = []
    for relative, kind in _walk(raw_dir):
        seen += kind != "hidden"
        if kind in _UNNAMED:
            found.add(relative, kind)
            continue
        listed.append(relative)
        if _PORTABLE_PATH.fullmatch(relative) and folds.clash(relative) is None:
            if kind == "capture":  # (the commonest kind, kept without a call)
                captures.append(relative)
            else:
                found.add(relative, kind)
        else:
            found.findings.extend(_name_problems(relative, folds, found.prefix))
    found.findings.extend(_orphans(found))
    return Scan(
        captures=_captures(found),
        findings=found.findings,
        files_seen=seen,
        bundles=found.bundles,
        listed=listed,
    )


def inputs(
    scan: Scan, max_bytes: int, seen: Seen | None = None
) -> Iterator[tuple[Capture | None, Inputs | None, list[Finding]]]:
    """Every capture with its bytes (or the findings that stop it being read), files first, then
    bundles' lines; seen is told of each file read (read())."""
    for capture in scan.captures:
        data, problems = read(capture, max_bytes, seen)
        yield capture, data, problems
    yield from bundle_inputs(scan, max_bytes, seen)


def bundle_inputs(
    scan: Scan, max_bytes: int, seen: Seen | None = None
) -> Iterator[tuple[Capture | None, Inputs | None, list[Finding]]]:
    """Every capture of the scan's JSONL bundles with its bytes, or the findings about an unusable
    line; seen is told of each bundle read whole (bundles.read)."""
    for bundle in scan.bundles:
        read_lines = bundles.read(bundle.path, bundle.shown, max_bytes, seen)
        for member, data, sidecar, problems in read_lines:
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


def load(capture: Capture, inputs: Inputs) -> tuple[RawDocument | None, list[Finding]]:
    """Decode a capture and parse its sidecar: a pure function of their bytes."""
    # No bytes means read() refused the capture unread, and said so: it is then taken as empty.
    result = decode_capture(inputs.data or b"", capture.shown)
    if isinstance(result, Finding):
        return None, [result]
    text, digest = result
    parsed = None
    sidecar_shown = capture.sidecar_shown
    if inputs.sidecar is not None and sidecar_shown is not None:
        parsed, problems = sidecar_mod.parse(inputs.sidecar, sidecar_shown)
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
