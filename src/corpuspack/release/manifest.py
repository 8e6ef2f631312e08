"""A release's manifest.json: what it holds and what it was built from.

Every file with its size and SHA-256, row counts per configuration and split, the
source commit, hashes of the raw tree and the schemas, corpuspack's version and the
versions of the packages that wrote the bytes. `corpuspack verify` checks a release
against it, and `verify --rebuild` rebuilds at the recorded commit.

Of all of it only the source commit can differ between two builds of the same inputs
(the same raw/, schema/ and datapackage.json at a later commit): `comparable` leaves
it out when deciding whether an existing release folder already holds this release.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from packaging.requirements import Requirement

from corpuspack import __version__
from corpuspack.capture.files import open_regular
from corpuspack.capture.names import hidden
from corpuspack.release.package import sha256_file

NAME = "manifest.json"
FORMAT_VERSION = 1
# The inputs of a build, relative to the project root: what a commit must hold to rebuild a release.
INPUTS = ("raw", "schema", "datapackage.json", "profiles")


@dataclass(frozen=True)
class Source:
    """Where a build's inputs come from: hashes of the trees and, in a git repository, the commit."""

    raw_sha256: str
    schema_sha256: str
    descriptor_sha256: str
    commit: str | None = None  # HEAD of the project's git repository, if it is one
    path: str = "."  # the project's folder inside that repository
    uncommitted: tuple[
        str, ...
    ] = ()  # inputs that differ from HEAD: the commit alone cannot rebuild them
    # What decides the bytes beyond corpuspack: plugins.Extensions.record() (empty: nothing).
    extensions: dict = field(default_factory=dict, compare=False, hash=False)

    def to_dict(self) -> dict:
        return {
            "commit": self.commit,
            "path": self.path,
            "uncommitted": list(self.uncommitted),
            "raw_sha256": self.raw_sha256,
            "schema_sha256": self.schema_sha256,
            "datapackage_sha256": self.descriptor_sha256,
        }


CHUNK = 4096  # files whose digests are looked up, and lines hashed, at a time


def tree_sha256(folder: Path, digests=None, listed=None) -> str:
    """One hash of every file under folder: its relative path and its bytes' SHA-256, in sorted order.

    Written by hand because git's tree ids cover only committed files and need git;
    this hash is the same for the same files whatever tool or repository holds them.
    Symlinks to files are hashed as the text of their target, never followed; links to folders
    are left out. So are hidden files and folders (capture.names.hidden: the rule by which the
    build leaves them out of its input) and files that are not regular (FIFOs, sockets,
    devices: never opened; the build's checks report them). digests(paths, inodes), if given, gives files' SHA-256 (32 bytes each) in
    place of reading them (the build cache: as the build read them, or from its file index).
    listed(paths), if given, is told the path of every file and symlink hashed, a chunk at a time.

    The hash is that of the lines "<hex digest>  <path>\n" (a symlink's digest prefixed
    "symlink:"), sorted and joined. They are kept in Arrow (a 32-byte digest and the path)
    and sorted there, not as a list of Python strings joined at the end: at a million files
    that list, its join and its encoding took over a GB.
    """
    lines = _Lines()
    odd_names = _scan(folder, digests, lines, listed)
    # Arrow holds UTF-8 only, and its byte order is code point order only for valid text.
    return lines.python_hash() if odd_names else lines.arrow_hash()


class _Lines:
    """A tree hash's lines, in Arrow chunks: kind, digest, and the relative path with its "\n"."""

    def __init__(self) -> None:
        self.kinds: list[pa.Array] = []  # 0: a file, 1: a symlink ("symlink:" sorts after hex)
        self.hashes: list[pa.Array] = []
        self.names: list[pa.Array] = []

    def keep(self, kind: int, digests_of: list[bytes], relatives: list[str]) -> None:
        self.kinds.append(pa.array([kind] * len(relatives), pa.int8()))
        self.hashes.append(pa.array(digests_of, pa.binary(32)))
        self.names.append(
            pa.array(
                [(r + "\n").encode("utf-8", "surrogateescape") for r in relatives], pa.binary()
            )
        )

    def python_hash(self) -> str:
        """The hash of the lines sorted as Python strings, for names that are not valid UTF-8."""
        lines = [
            f"{'symlink:' if k else ''}{h.hex()}  {n}"
            for kind, digest, name in zip(self.kinds, self.hashes, self.names, strict=True)
            for k, h, n in zip(
                kind.to_pylist(),
                digest.to_pylist(),
                (n.decode("utf-8", "surrogateescape") for n in name.to_pylist()),
                strict=True,
            )
        ]
        return hashlib.sha256("".join(sorted(lines)).encode("utf-8", "surrogateescape")).hexdigest()

    def arrow_hash(self) -> str:
        """The hash of the lines sorted in Arrow, CHUNK lines at a time turned into bytes."""
        table = pa.table(
            {
                "kind": pa.chunked_array(self.kinds, pa.int8()),
                "digest": pa.chunked_array(self.hashes, pa.binary(32)),
                "name": pa.chunked_array(self.names, pa.binary()),
            }
        ).combine_chunks()
        # one copy, contiguous: take() across hundreds of chunks is slow
        for parts in (self.kinds, self.hashes, self.names):
            parts.clear()
        # The byte order of valid UTF-8 is code point order, so this is the order of the lines as strings.
        order = pc.sort_indices(
            table, sort_keys=[("kind", "ascending"), ("digest", "ascending"), ("name", "ascending")]
        )
        digest = hashlib.sha256()
        for start in range(0, len(order), CHUNK):
            part = table.take(order.slice(start, CHUNK))
            digest.update(
                b"".join(
                    b"%s%s  %s" % (b"symlink:" if k else b"", h.hex().encode(), n)
                    for k, h, n in zip(
                        part.column("kind").to_pylist(),
                        part.column("digest").to_pylist(),
                        part.column("name").to_pylist(),
                        strict=True,
                    )
                )
            )
        return digest.hexdigest()


def _scan(folder: Path, digests, lines: _Lines, listed=None) -> bool:
    """Keep the lines of every file under folder; whether a name is not valid UTF-8 (kept by surrogateescape)."""
    odd_names = False
    stack = [(str(folder), "")] if folder.is_dir() else []
    while stack:  # os.scandir, not os.walk and pathlib: at 100,000 files their overhead is seconds
        directory, prefix = stack.pop()
        files: list[tuple[str, str, int]] = []
        links: list[tuple[bytes, str]] = []
        with os.scandir(directory) as found:
            for entry in found:
                relative = prefix + entry.name
                if hidden(entry.name):
                    continue
                if entry.is_dir():
                    if not entry.is_symlink():  # a link to a folder is neither followed nor hashed
                        stack.append((entry.path, relative + "/"))
                    continue
                if not (entry.is_symlink() or entry.is_file(follow_symlinks=False)):
                    continue  # a FIFO, socket or device: never opened
                odd_names = odd_names or not relative.isascii() and _has_surrogates(relative)
                if entry.is_symlink():
                    target = os.readlink(entry.path).encode("utf-8", "surrogateescape")
                    links.append((hashlib.sha256(target).digest(), relative))
                    if listed is not None:
                        listed([entry.path])
                else:
                    files.append((entry.path, relative, entry.inode()))
                if len(files) >= CHUNK:
                    _keep_files(files, digests, lines, listed)
                    files = []
        _keep_files(files, digests, lines, listed)
        if links:
            lines.keep(1, [h for h, _ in links], [r for _, r in links])
    return odd_names


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _keep_files(files: list[tuple[str, str, int]], digests, lines: _Lines, listed=None) -> None:
    if not files:
        return
    if listed is not None:
        listed([p for p, _, _ in files])
    if digests is not None:
        found = digests([p for p, _, _ in files], [inode for _, _, inode in files])
    else:
        found = [_sha256_regular(p) for p, _, _ in files]
    lines.keep(0, found, [r for _, r, _ in files])


def _sha256_regular(path: str) -> bytes:
    """A file's SHA-256, if it is still a regular file (capture.files.NotRegular, an OSError, if a
    FIFO or device took its place since it was listed: never waited on)."""
    with open_regular(path) as (handle, _):
        return hashlib.file_digest(handle, "sha256").digest()


def git(root: Path, *args: str) -> str | None:
    """git's output, or None when git or the repository is unavailable. Hooks are disabled."""
    executable = shutil.which("git")
    if executable is None:
        return None
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}
    done = subprocess.run(
        [executable, "-c", "core.hooksPath=/dev/null", "-C", str(root), *args],
        capture_output=True,
        env=env,
        check=False,
    )
    return done.stdout.decode("utf-8", "surrogateescape") if done.returncode == 0 else None


def source_of(
    root: Path,
    schema_paths: list[Path],
    digests=None,
    extensions: dict | None = None,
    listed=None,
) -> Source:
    """The inputs' hashes and, where the project is in a git repository, its HEAD and what is
    uncommitted. extensions: what plugins.Extensions.record() says decides the bytes too (its
    project files count as inputs). digests and listed: tree_sha256's, for raw/."""
    extensions = extensions or {}
    schema = hashlib.sha256()
    for path in sorted(schema_paths):
        schema.update(f"{path.relative_to(root).as_posix()}\n".encode())
        schema.update(bytes.fromhex(sha256_file(path)))
    hashed = Source(
        raw_sha256=tree_sha256(root / "raw", digests, listed),
        schema_sha256=schema.hexdigest(),
        descriptor_sha256=sha256_file(root / "datapackage.json"),
        extensions=extensions,
    )
    commit = git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    prefix = git(root, "rev-parse", "--show-prefix")
    if commit is None or prefix is None:
        return hashed
    status = (
        git(
            root,
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--no-renames",
            "--",
            *INPUTS,
            *(item["path"] for item in extensions.get("modules", ())),
        )
        or ""
    )
    uncommitted = sorted({entry[3:] for entry in status.split("\0") if len(entry) > 3})
    return replace(
        hashed,
        commit=commit.strip(),
        path=prefix.strip().rstrip("/") or ".",
        uncommitted=tuple(uncommitted),
    )


# Dependencies whose code cannot change a byte of a release: pluggy only calls the hooks of
# the registered plugins (which plugins ran is what decides the bytes, not the dispatcher).
# Left out so that adding the plugin registry did not change what a release records.
NOT_DECIDING = frozenset({"pluggy"})


def dependency_versions() -> dict[str, str]:
    """Installed versions of corpuspack's dependencies and theirs: the packages whose code made the bytes."""
    versions: dict[str, str] = {}
    pending = ["corpuspack"]
    while pending:
        name = pending.pop()
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        key = dist.metadata["Name"].lower().replace("_", "-")
        if key in versions:
            continue
        versions[key] = dist.version
        for line in dist.requires or []:
            requirement = Requirement(line)
            # Optional extras and other platforms' packages are not part of what this build ran.
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    versions.pop("corpuspack", None)
    return {name: versions[name] for name in sorted(versions) if name not in NOT_DECIDING}


def render(
    descriptor: dict, release_dir: Path, source: Source, rows: dict[str, dict[str, int]]
) -> str:
    """manifest.json for the files already in release_dir (all but the manifest itself)."""
    files = []
    for path in sorted(release_dir.rglob("*")):
        relative = path.relative_to(release_dir).as_posix()
        if path.is_file() and relative != NAME:
            files.append(
                {"path": relative, "bytes": path.stat().st_size, "sha256": sha256_file(path)}
            )
    manifest = {
        "format_version": FORMAT_VERSION,
        "name": descriptor["name"],
        "version": descriptor["version"],
        "rows": rows,
        "files": files,
        "source": source.to_dict(),
        "corpuspack_version": __version__,
        "dependencies": dependency_versions(),
    }
    if source.extensions:
        manifest["extensions"] = source.extensions
    # The corpus's choices that decided which findings stopped the build (only those it made, so
    # a release of a corpus that makes none is written as before).
    chosen = descriptor.get("corpuspack", {})
    decided = {key: chosen[key] for key in ("severities", "accepted_duplicates") if chosen.get(key)}
    if decided:
        manifest["findings_settings"] = decided
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def comparable(text: str) -> dict:
    """A manifest without what two builds of the same inputs may differ in: the commit they were read at."""
    manifest = json.loads(text)
    for key in ("commit", "path", "uncommitted"):
        manifest.get("source", {}).pop(key, None)
    return manifest
