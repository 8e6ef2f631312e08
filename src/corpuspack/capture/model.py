"""What the capture stage finds in raw/ and reads from it.

A Capture is only where a capture is; Inputs are its bytes and its files'; a
RawDocument is the capture decoded, with its sidecar parsed. The scan of raw/
(ingest.scan) makes the first, ingest.read the second and ingest.load the third.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from corpuspack.capture import sidecar as sidecar_mod
from corpuspack.capture.names import CAPTURE_SUFFIX, SIDECAR_SUFFIX
from corpuspack.findings.report import Finding


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
        if self.place is not None:
            return self.place.folder + self.shown[len(self.place.prefix) :]
        if self.bundle_path is None:
            raise ValueError(f"{self.shown}: a capture is either a file under raw/ or in a bundle")
        return self.bundle_path

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
    listed: list[str] = field(default_factory=list)  # files the manifest counts, relative to raw/
