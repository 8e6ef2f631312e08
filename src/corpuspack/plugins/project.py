"""A corpus project's own extensions: its profiles/ folder and the plugin modules it names.

datapackage.json lists plugin modules under "corpuspack": {"plugins": [...]}: modules (a
file `name.py` or a package folder `name/`) in the project's own folder, imported with
that folder first on sys.path (worker processes inherit it). They register through the same
hooks as any plugin (corpuspack.hooks), usually with `@hookimpl` functions.

Their code, like the project's profiles, decides a release's bytes: `files()` names every
file, and Extensions.fingerprint() and the manifest are made from their digests.
"""

from __future__ import annotations

import hashlib
import importlib
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.machinery import PathFinder
from pathlib import Path
from types import ModuleType

from corpuspack.article.profiles import ProfileError, ProfileText

PROFILES = "profiles"


class ProjectPluginError(Exception):
    """A project's plugin module cannot be found or imported; the message names it."""


@dataclass(frozen=True)
class ProjectProfiles:
    """The outlet profiles in a project's profiles/ folder: they replace corpuspack's own of the
    same slug (they are read after them)."""

    root: Path
    name: str = "project"

    def profiles(self) -> Mapping[str, str]:
        return {shown: text for shown, text in self.texts()}

    def texts(self) -> tuple[ProfileText, ...]:
        folder = self.root / PROFILES
        if folder.is_symlink():
            raise ProfileError(f"{PROFILES}/", "the profiles folder must be a folder, not a link")
        if not folder.is_dir():
            return ()
        found = []
        for path in sorted(folder.glob("*.yaml")):
            shown = f"{PROFILES}/{path.name}"
            mode = path.lstat().st_mode
            if not stat.S_ISREG(mode):  # a symlink could lead outside the project
                raise ProfileError(shown, "a profile must be a regular file, not a link")
            try:
                found.append(ProfileText(shown, path.read_text(encoding="utf-8")))
            except UnicodeDecodeError as exc:
                raise ProfileError(shown, "not valid UTF-8; save it as UTF-8") from exc
        return tuple(found)


@dataclass(frozen=True)
class SourceFile:
    """A file of a project's extension: its project-relative path and SHA-256."""

    path: str
    sha256: str


# What a contribution could run: Python source and compiled code, import hooks (.pth).
CODE_SUFFIXES = (".py", ".pyc", ".pyo", ".pyd", ".so", ".pth")
# Folders of a project that hold no code of its own (captures, releases; hidden ones such as
# .git and .venv are skipped too).
_NOT_CODE = {"raw", "dist", "__pycache__", "node_modules"}


def is_code(path: str) -> bool:
    """Whether a project-relative path is code Python could run (what a contribution may not
    change if it is to be checked with the project's plugins)."""
    return path.endswith(CODE_SUFFIXES) or "__pycache__" in path.split("/")


def code_files(root: Path) -> list[Path]:
    """Every Python source file of the project (not in raw/, dist/ or hidden folders): what its
    plugin modules may import, so all of it is fingerprinted and recorded, not only theirs."""
    found = []
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).parts
        if any(p.startswith(".") or p in _NOT_CODE for p in parts[:-1]):
            continue
        found.append(path)
    return sorted(found)


def module_files(root: Path, name: str) -> list[Path]:
    """The files of the project module name (a .py file, or every .py file of a package), each
    refused if it is a link leading outside the project."""
    top = name.split(".", 1)[0]
    spec = PathFinder.find_spec(top, [str(root)])
    if spec is None or spec.origin is None:
        raise ProjectPluginError(
            f"datapackage.json: corpuspack.plugins names {name!r}, but the project has no "
            f"{top}.py file or {top}/ package"
        )
    origin = Path(spec.origin)
    files = (
        sorted(p for p in origin.parent.rglob("*.py") if "__pycache__" not in p.parts)
        if origin.name == "__init__.py"
        else [origin]
    )
    for path in files:
        if not path.resolve().is_relative_to(root.resolve()):
            raise ProjectPluginError(
                f"{path.relative_to(root).as_posix()}: plugin {name!r} leads outside the project"
            )
    return files


def source_files(root: Path, modules: tuple[str, ...]) -> tuple[SourceFile, ...]:
    """The project's Python files (all of them: a plugin may import any), if it has plugins."""
    if not modules:
        return ()
    for name in modules:
        module_files(root, name)  # refuses a missing module or a link out of the project
    return tuple(
        SourceFile(p.relative_to(root).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest())
        for p in code_files(root)
    )


# The project each plugin module (by top-level name) was imported from in this process.
_IMPORTED: dict[str, Path] = {}


def _make_room(top: str, root: Path) -> None:
    """Let top be imported from root: forget a copy imported from another project (verify
    --rebuild imports a release's plugins from its worktree); refuse any other module of
    that name, which would be used instead."""
    present = sys.modules.get(top)
    if present is None:
        return
    earlier = _IMPORTED.get(top)
    if earlier is None:
        where = getattr(present, "__file__", None) or "Python itself"
        raise ProjectPluginError(
            f"plugin module {top!r} has the name of a module already imported from {where}; "
            "rename the project's module"
        )
    if earlier != root:
        for name in [n for n in sys.modules if n == top or n.startswith(f"{top}.")]:
            del sys.modules[name]


def import_modules(root: Path, modules: tuple[str, ...]) -> list[ModuleType]:
    """The project's plugin modules, imported from its folder. The folder goes last on sys.path
    (worker processes inherit it), so no file of the project can shadow a module Python or an
    installed package provides; a plugin module whose name an installed one takes is refused."""
    root = root.resolve()
    loaded = []
    for name in modules:
        module_files(root, name)  # refuses a name the project does not hold, or a link out
        top = name.split(".", 1)[0]
        _make_room(top, root)
        if str(root) not in sys.path:
            sys.path.append(str(root))
        _IMPORTED[top] = root
        try:
            module = importlib.import_module(name)
        except Exception as exc:  # the plugin's own error, shown with where it happened
            raise ProjectPluginError(
                f"plugin module {name!r} failed to import: {type(exc).__name__}: {exc}"
            ) from exc
        where = getattr(module, "__file__", None)
        if not (where and Path(where).resolve().is_relative_to(root)):
            raise ProjectPluginError(
                f"plugin module {name!r} is also the name of a module installed at "
                f"{where or 'Python itself'}, which Python finds first; rename the project's module"
            )
        loaded.append(module)
    return loaded
