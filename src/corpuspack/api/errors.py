"""The library's errors: what the CLI turns into its exit codes."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corpuspack.findings.report import Report


class CorpuspackError(Exception):
    """The command could not do its job; the message says why and what to try."""


class ConfigError(CorpuspackError):
    """The project cannot be used as configured (its datapackage.json, schema/ or profiles)."""


class UsageError(CorpuspackError):
    """An argument names something that cannot be used (a path outside raw/, no such release)."""


class WorkerDied(CorpuspackError):
    """A worker process died (a signal, os._exit) computing a capture; the message names it."""


class VerifyFailed(CorpuspackError):
    """A release does not match its manifest; the report says how."""

    def __init__(self, report: Report, message: str):
        super().__init__(message)
        self.report = report
