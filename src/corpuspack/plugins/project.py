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


def module_files(root: Path, name: str) -> list[Path]:
    """The files of the project module name (a .py file, or every .py file of a package)."""
    top = name.split(".", 1)[0]
    spec = PathFinder.find_spec(top, [str(root)])
    if spec is None or spec.origin is None:
        raise ProjectPluginError(
            f"datapackage.json: corpuspack.plugins names {name!r}, but the project has no "
            f"{top}.py file or {top}/ package"
        )
    origin = Path(spec.origin)
    if not origin.resolve().is_relative_to(root.resolve()):
        raise ProjectPluginError(f"{root.name}: plugin {name!r} leads outside the project")
    if origin.name == "__init__.py":
        return sorted(p for p in origin.parent.rglob("*.py") if "__pycache__" not in p.parts)
    return [origin]


def source_files(root: Path, modules: tuple[str, ...]) -> tuple[SourceFile, ...]:
    files = {p for name in modules for p in module_files(root, name)}
    return tuple(
        SourceFile(p.relative_to(root).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(files)
    )


def import_modules(root: Path, modules: tuple[str, ...]) -> list[ModuleType]:
    """The project's plugin modules, imported from its folder (refused if an installed module of
    the same name is already imported: that one would be used instead)."""
    loaded = []
    for name in modules:
        module_files(root, name)  # refuses a name the project does not hold
        top = name.split(".", 1)[0]
        present = sys.modules.get(top)
        where = getattr(present, "__file__", None)
        if present is not None and not (
            where and Path(where).resolve().is_relative_to(root.resolve())
        ):
            raise ProjectPluginError(
                f"plugin module {top!r} has the name of a module already imported from "
                f"{where or 'Python itself'}; rename the project's module"
            )
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
        try:
            loaded.append(importlib.import_module(name))
        except Exception as exc:  # the plugin's own error, shown with where it happened
            raise ProjectPluginError(
                f"plugin module {name!r} failed to import: {type(exc).__name__}: {exc}"
            ) from exc
    return loaded
