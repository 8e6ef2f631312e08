"""The corpuspack command line."""

from corpuspack.cli.commands import main

__all__ = ["main"]
