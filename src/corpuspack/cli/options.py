"""What the commands share: their options, the progress bar, and the library's errors as click's."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from corpuspack import api
from corpuspack.cli import render
from corpuspack.findings.report import Report

# The exit codes (README, "Exit codes"): each says something different to a script or CI.
EXIT_FINDINGS = 1  # the input has errors (findings), or the command could not do its job
EXIT_USAGE = 2  # the command line, or the project's configuration, cannot be used
EXIT_INTERNAL = 3  # a bug in corpuspack: the message asks for a report
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT); SIGTERM gives 143


class Terminated(BaseException):
    """SIGTERM, raised like Ctrl-C's KeyboardInterrupt so that cleanups run and a release rolls back."""


def _terminated(signum: int, frame: object) -> None:
    raise Terminated()


class Main(click.Group):
    """The command group: exit codes that tell an interruption and a bug from bad input."""

    def invoke(self, ctx: click.Context) -> Any:
        main = threading.current_thread() is threading.main_thread()  # where signals are handled
        previous = signal.signal(signal.SIGTERM, _terminated) if main else None
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted: nothing more was written (exit 130)", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
        except Terminated:
            click.echo("terminated: nothing more was written (exit 143)", err=True)
            raise click.exceptions.Exit(128 + signal.SIGTERM) from None
        except Exception as exc:
            traceback.print_exc()
            click.echo(
                f"internal error: {type(exc).__name__}: {exc}; this is a bug in corpuspack: "
                "please report it with the traceback above (exit 3)",
                err=True,
            )
            raise click.exceptions.Exit(EXIT_INTERNAL) from None
        finally:
            if main:
                signal.signal(signal.SIGTERM, previous)


class ConfigError(click.ClickException):
    """The project cannot be used as configured (exit 2, like a usage error)."""

    exit_code = 2


class Crashed(click.ClickException):
    """A worker process died on a capture (exit 3, like an internal error; the message names it)."""

    exit_code = EXIT_INTERNAL


@contextlib.contextmanager
def errors() -> Iterator[None]:
    """The library's errors as click's: configuration 2, usage 2, a dead worker 3, anything else 1."""
    try:
        yield
    except api.WorkerDied as exc:
        raise Crashed(str(exc)) from exc
    except api.ConfigError as exc:
        raise ConfigError(str(exc)) from exc
    except api.UsageError as exc:
        raise click.UsageError(str(exc)) from exc
    except api.CorpuspackError as exc:
        raise click.ClickException(str(exc)) from exc


def load_project(path: Path | None) -> api.Project:
    with errors():
        return api.load_project(path)


class Progress:
    """Captures done, rate and time left on a terminal (stderr); nothing in CI logs, pipes or with --quiet."""

    MININTERVAL = 0.5  # seconds between redraws

    def __init__(self, quiet: bool):
        self.enabled = not quiet and sys.stderr.isatty()
        self.bar: Any = None

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total,
                unit=" captures",
                file=sys.stderr,
                dynamic_ncols=True,
                leave=False,
                mininterval=self.MININTERVAL,
            )
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


Result = TypeVar("Result", bound=api.Closing)


def call(options: dict[str, Any], work: Callable[[api.Scale], Result]) -> Result:
    """Run a command's checks at the scale its options ask for, with the progress bar shown;
    the result's spill files (a copy of the corpus) go when the command ends."""
    progress = Progress(options["quiet"])
    scale = api.Scale(
        cache_dir=options["cache_dir"],
        jobs=options["jobs"],
        engine=options["engine"],
        scheduler=options["scheduler"],
        progress=progress,
    )
    try:
        with errors():
            result = work(scale)
    finally:
        progress.close()
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(result.close)
    return result


def emit(report: Report, fmt: str, strict: bool) -> None:
    # --quiet (on the commands that have it) also shows fewer repetitions of a warning
    context = click.get_current_context(silent=True)
    quiet = bool(context is not None and context.params.get("quiet"))
    output = render.RENDERERS[fmt](report, strict=strict, quiet=quiet)
    if output:
        click.echo(output)


def notice(fmt: str, message: str) -> None:
    if fmt == "github":
        click.echo(f"::notice title=corpuspack::{render.escape_data(message)}")
    else:
        click.echo(f"notice: {message}", err=True)


project_option = click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Corpus repository (the folder with datapackage.json). Default: the nearest one at or above the "
    "current folder.",
)
cache_option = click.option(
    "--cache",
    "cache_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for a cache of extraction results keyed by content: unchanged captures are neither read "
    "nor processed again, and Parquet files of unchanged release files are copied. Safe to delete; "
    "never changes the output.",
)
jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=os.cpu_count() or 1,
    show_default="all cores",
    help="Processes that extract captures in parallel; the output is the same for any number.",
)
engine_option = click.option(
    "--engine",
    metavar="NAME",
    default="local",
    show_default=True,
    help="Where captures are processed: local processes (--jobs), a Dask cluster (dask; pip "
    "install 'corpuspack[dask]'), or an engine a plugin registers; the release is "
    "byte-identical either way.",
)


def _scheduler_address(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A Dask scheduler's address, checked here: distributed raises a bare ValueError on a bad one."""
    if value is None:
        return None
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value if "://" in value else f"tcp://{value}")
        if parts.port is None and not parts.hostname:  # .port raises on a port that is no number
            raise ValueError("no host")
    except ValueError as exc:
        raise click.BadParameter(
            f"{value!r} is not a scheduler address ({exc}); e.g. tcp://10.0.0.5:8786"
        ) from exc
    return value


scheduler_option = click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    callback=_scheduler_address,
    help="With --engine dask: the scheduler to use (e.g. tcp://10.0.0.5:8786), whose workers have this "
    "corpuspack installed. Default: start a local cluster of --jobs workers.",
)
quiet_option = click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="No progress bar (it is shown only on a terminal, never in CI logs or pipes), and a "
    "warning repeated across files is shown once, then counted (--format json lists them all).",
)


def scale_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [cache_option, jobs_option, engine_option, scheduler_option, quiet_option]
    ):
        command = option(command)
    return command


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(render.RENDERERS)),
    default="text",
    show_default=True,
    help="How to print the findings.",
)
strict_option = click.option(
    "--strict",
    is_flag=True,
    help="Fail on warnings too (e.g. an empty section of the dataset card), except those about "
    "the run, not the corpus (a damaged --cache file, computed again).",
)
