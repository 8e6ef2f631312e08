"""The corpuspack command line."""

from corpuspack.cli import authoring  # noqa: F401  (registers init and profile)
from corpuspack.cli.commands import main

__all__ = ["main"]
