"""Where the per-capture work runs: this process, a local process pool, or a Dask cluster.

The seam is the Engine protocol. An engine is a context manager (entering it starts its
workers, leaving it stops them) given a task, a function of a batch of items that returns
one output per item, and it offers:

- batch(base): how many items to hand over at a time, so that every worker has work;
- submit(items): start the task on items and return at once a Pending, whose
  result(advance) waits for the outputs, in the order of the items (so the caller can
  read the next batch while this one is computed);
- run(items, advance): submit(items).result(advance).

InProcess computes on result(), in this process; Local is a pool of `jobs` spawned
processes (batches too small to be worth sending are computed in-process); Dask (build/dask_engine.py) is a
distributed cluster. start() picks one by its name (--engine) among the registered engines
(FACTORIES, and any a plugin adds through corpuspack.hooks).

A worker of Local that dies (a signal, os._exit) breaks the pool: the items it may have died
on are computed again one at a time in a fresh process (find_killer), to raise a WorkerDied
that names the one that kills it and how.

Workers never touch the file system, so the same bytes give the same outputs wherever
they run, and the release does not depend on the engine or on the number of workers.
(tests/test_engines.py builds with each and compares the bytes.)
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Generic, Protocol, Self, TypeVar

Advance = Callable[[int], None]  # told how many more items are done

Item = TypeVar("Item")
Out = TypeVar("Out")
ItemIn = TypeVar("ItemIn", contravariant=True)


class EngineError(Exception):
    """The engine could not start (a missing package, an unreachable scheduler)."""


class WorkerDied(Exception):
    """A worker process died while computing: item is the one that kills a process computing it
    alone (None: none of the `tried` items did), exitcode that process's (negative: a signal).
    The message can be given, naming the item as the caller knows it."""

    def __init__(self, item: Any, exitcode: int | None, tried: int, message: str | None = None):
        self.item, self.exitcode, self.tried = item, exitcode, tried
        if message is None:
            message = (
                f"a worker process died ({death(exitcode)}) while computing an item"
                if item is not None
                else f"a worker process died while computing one of {tried} items; computed "
                "again one at a time in a fresh process, none made it die"
            )
        super().__init__(message)


def death(exitcode: int | None) -> str:
    """How a process of that exit code ended, in words."""
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by signal {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


def chunks(items: Sequence[Item], size: int) -> list[Sequence[Item]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class Pending(Generic[Out]):
    """Work handed to an engine: result() waits for its outputs, in the order the items were given."""

    def __init__(self, gather: Callable[[Advance | None], list[Out]]):
        self._gather = gather

    def result(self, advance: Advance | None = None) -> list[Out]:
        return self._gather(advance)


class Engine(Protocol[ItemIn, Out]):
    """What the build needs of whatever runs its task (see the module's docstring)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def batch(self, base: int) -> int:
        """How many items to hand over at a time, at least base."""
        ...

    def submit(self, items: Sequence[ItemIn]) -> Pending[Out]:
        """Start the task on items and return at once."""
        ...

    def run(self, items: Sequence[ItemIn], advance: Advance | None = None) -> list[Out]:
        """The task's outputs for items, in their order, once computed."""
        return self.submit(items).result(advance)


def _counted(outputs: list[Out], count: int, advance: Advance | None) -> list[Out]:
    if advance:
        advance(count)
    return outputs


class InProcess(Engine[Item, Out]):
    """Batches computed in this process, when their result is asked for."""

    def __init__(self, task: Callable[[Sequence[Item]], list[Out]]):
        self.task = task

    def batch(self, base: int) -> int:
        return base

    def submit(self, items: Sequence[Item]) -> Pending[Out]:
        return Pending(lambda advance: _counted(self.task(items), len(items), advance))


# Allocations between the garbage collector's young collections, in the build's processes
# (Python's default is 700): with what the imports made frozen out of its sweeps (gc.freeze),
# the collector's share of the build's CPU goes from about 4 % to 1 % (docs/benchmarks.md).
GC_THRESHOLD = 10_000


def tune_gc() -> tuple[int, ...]:
    """Fewer, shorter garbage collections from now on in this process; returns the thresholds
    it had. What exists now (modules, a build's scan) is never swept again (gc.freeze)."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *thresholds[1:])
    return thresholds


def _worker_start() -> None:
    """In a worker: Ctrl-C is for the parent (which stops the pool), and the worker exits when
    the parent dies. A pool's workers otherwise wait for work forever after a kill -9 of the
    parent: each holds the writing end of the queue it reads, so it never sees the queue close."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])  # ready when the parent is gone
        os._exit(1)

    threading.Thread(target=watch, name="corpuspack-parent-watch", daemon=True).start()


def _one_at_a_time(
    task: Callable[[Sequence[Item]], list[Out]],
    items: Sequence[Item],
    told: multiprocessing.connection.Connection,
) -> None:
    """In a single-use process: the task on each item alone, telling told which it starts."""
    _worker_start()
    for position, item in enumerate(items):
        told.send(position)
        try:
            task([item])
        except Exception:  # looking for an item that kills the process, not for errors
            continue


def find_killer(task: Callable[[Sequence[Item]], list[Out]], items: Sequence[Item]) -> WorkerDied:
    """The items computed again one at a time in a fresh process, until one kills it: a
    WorkerDied naming that item and how the process died (item None if none did)."""
    context = multiprocessing.get_context("spawn")
    reading, writing = context.Pipe(duplex=False)
    process = context.Process(target=_one_at_a_time, args=(task, items, writing), daemon=True)
    process.start()
    writing.close()  # so that reading ends when the process does
    last: int | None = None
    with reading:
        while True:
            try:
                last = reading.recv()
            except EOFError:
                break
    process.join()
    if process.exitcode == 0 or last is None:
        return WorkerDied(None, None, len(items))
    return WorkerDied(items[last], process.exitcode, len(items))


_imports_frozen = False  # in a worker: whether _computed has frozen what its first task imported


def _computed(task: Callable[[Sequence[Item]], list[Out]], batch: Sequence[Item]) -> list[Out]:
    """In a worker: the task on a batch. Its first call finds the task's modules imported (they
    are imported to unpickle it) and freezes them out of the collector's sweeps."""
    global _imports_frozen
    if not _imports_frozen:
        gc.freeze()
        _imports_frozen = True
    return task(batch)


class Local(Engine[Item, Out]):
    """Batches in `jobs` spawned processes (or in this one), keeping the pool open."""

    SMALL = 16  # items that are computed here rather than sent to the workers

    def __init__(self, task: Callable[[Sequence[Item]], list[Out]], jobs: int, total: int | None):
        self.task = task
        self.here: InProcess[Item, Out] = InProcess(task)
        # Starting a worker costs about a second of imports: small corpora run in this process.
        # An unknown total (captures in JSONL bundles are not counted ahead) is taken as large.
        self.parallel = jobs > 1 and (total is None or total >= 200 * jobs)
        self.jobs = jobs
        self.pool: ProcessPoolExecutor | None = None
        # The batches sent and not yet gathered: those a dead worker may have been computing.
        self.sent: dict[Future[list[Out]], Sequence[Item]] = {}

    def _pool(self) -> ProcessPoolExecutor:
        # Started on the first batch big enough to share: a rebuild that finds almost every capture
        # in the cache computes the few others here and never pays for the workers' start.
        if self.pool is None:
            # spawn, not fork: a forked child of a process that has started pyarrow's threads can hang.
            self.pool = ProcessPoolExecutor(
                max_workers=self.jobs,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_start,
            )
        return self.pool

    def __exit__(self, *exc: object) -> None:
        if self.pool:
            # After a failure or Ctrl-C, the batches not yet started are not worth waiting for.
            self.pool.shutdown(cancel_futures=exc[0] is not None if exc else False)

    def batch(self, base: int) -> int:
        """Enough for every worker."""
        return max(base, 128 * self.jobs) if self.parallel else base

    def submit(self, items: Sequence[Item]) -> Pending[Out]:
        if not self.parallel or len(items) < self.SMALL:
            return self.here.submit(items)
        pool = self._pool()
        batches = chunks(items, max(1, min(256, len(items) // (self.jobs * 4))))
        futures = [pool.submit(_computed, self.task, batch) for batch in batches]
        self.sent.update(zip(futures, batches, strict=True))

        def gather(advance: Advance | None) -> list[Out]:
            outputs: list[Out] = []
            for batch, future in zip(batches, futures, strict=True):  # results in input order
                try:
                    outputs.extend(future.result())
                except BrokenProcessPool:
                    raise self._died() from None
                del self.sent[future]
                if advance:
                    advance(len(batch))
            return outputs

        return Pending(gather)

    def _died(self) -> WorkerDied:
        """A worker died: which of the items sent and not computed kills a process."""
        unfinished = [
            item
            for future, batch in self.sent.items()
            if future.exception() is not None  # (waits: a broken pool fails them all at once)
            for item in batch
        ]
        self.sent.clear()
        return find_killer(self.task, unfinished)


def local(
    task: Callable[[Sequence[Item]], list[Out]],
    *,
    jobs: int,
    total: int | None,
    scheduler: str | None = None,
) -> Engine[Item, Out]:
    """The local process pool, as an engine factory (corpuspack.hooks.EngineFactory)."""
    if scheduler:
        raise EngineError("--scheduler is for --engine dask")
    return Local(task, jobs, total)


def dask(
    task: Callable[[Sequence[Item]], list[Out]],
    *,
    jobs: int,
    total: int | None,
    scheduler: str | None = None,
) -> Engine[Item, Out]:
    """A Dask cluster (the scheduler's, or a local one of jobs workers), as an engine factory."""
    from corpuspack.build.dask_engine import Dask  # distributed is imported only when used

    return Dask(task, jobs, scheduler)


FACTORIES: dict[str, Callable[..., Any]] = {"local": local, "dask": dask}


def start(
    engine: str,
    task: Callable[[Sequence[Item]], list[Out]],
    *,
    jobs: int,
    total: int | None,
    scheduler: str | None = None,
    factories: Mapping[str, Callable[..., Any]] = FACTORIES,
) -> Engine[Item, Out]:
    """The engine of that name among factories (the registered engines), not yet entered."""
    factory = factories.get(engine)
    if factory is None:
        raise EngineError(f"unknown engine {engine!r}; engines are: {', '.join(sorted(factories))}")
    return factory(task, jobs=jobs, total=total, scheduler=scheduler)
