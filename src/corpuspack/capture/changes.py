"""Which files a pull request changes, from git, without running anything it contains.

git is asked only for names (--name-only, with external diff drivers and textconv
filters disabled), so a contribution's .gitattributes cannot make git run a program.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


class ChangesUnavailable(Exception):
    """The ref or the repository cannot be used; the caller falls back to a full check."""


def _git(root: Path, *args: str) -> str:
    git = shutil.which("git")
    if git is None:
        raise ChangesUnavailable("git is not installed")
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}
    done = subprocess.run([git, "-C", str(root), *args], capture_output=True, env=env, check=False)
    if done.returncode != 0:
        raise ChangesUnavailable(
            done.stderr.decode("utf-8", "replace").strip() or f"git {args[0]} failed"
        )
    return done.stdout.decode("utf-8", "surrogateescape")


def changed_since(root: Path, ref: str, folder: str = "raw") -> set[str]:
    """Paths under folder (relative to root) added or modified since the merge base of ref and HEAD,
    including uncommitted and untracked files. Deleted files are not listed."""
    if ref.startswith("-"):
        raise ChangesUnavailable(f"{ref!r} is not a git ref")
    try:
        _git(root, "rev-parse", "--is-inside-work-tree")
    except ChangesUnavailable as exc:
        if "not installed" in str(exc):
            raise
        raise ChangesUnavailable(f"{root} is not in a git repository") from exc
    try:
        _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except ChangesUnavailable as exc:
        raise ChangesUnavailable(f"git ref {ref!r} not found") from exc
    base = _git(root, "merge-base", ref, "HEAD").strip()
    changed = _git(
        root,
        "diff",
        "--name-only",
        "-z",
        "--relative",
        "--no-renames",
        "--no-ext-diff",
        "--no-textconv",
        "--diff-filter=d",
        base,
        "--",
        folder,
    )
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", folder)
    return {p for p in (changed + untracked).split("\0") if p}


def file_at_base(root: Path, ref: str, path: str) -> str:
    """The text of path (relative to root) at the merge base of ref and HEAD. ChangesUnavailable
    when git, the ref or the file there cannot be read. (cat-file runs no filter of the
    contribution's .gitattributes.)"""
    if ref.startswith("-"):
        raise ChangesUnavailable(f"{ref!r} is not a git ref")
    base = _git(root, "merge-base", ref, "HEAD").strip()
    return _git(root, "cat-file", "blob", f"{base}:./{path}")
