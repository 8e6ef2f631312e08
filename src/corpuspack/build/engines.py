"""Where the per-capture work runs: this process, a local process pool, or a Dask cluster.

Every engine is given batches of (capture, bytes) and returns their entries in the
order given (submit() starts a batch and returns at once, so the caller can read the next
batch while this one is computed); workers never touch the file system, so the same bytes give the same
entries wherever they run, and the release does not depend on the engine or on the
number of workers. (tests/test_engines.py builds with each and compares the bytes.)
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

ENGINES = ("local", "dask")
Advance = Callable[[int], None]  # told how many more captures are done


class EngineError(Exception):
    """The engine could not start (a missing package, an unreachable scheduler)."""


def _chunks(items: Sequence, size: int) -> list[Sequence]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class Pending:
    """Work handed to an engine: result() waits for its entries, in the order the items were given."""

    def __init__(self, gather: Callable[[Advance | None], list]):
        self._gather = gather

    def result(self, advance: Advance | None = None) -> list:
        return self._gather(advance)


def _counted(entries: list, count: int, advance: Advance | None) -> list:
    if advance:
        advance(count)
    return entries


class Local:
    """Batches in `jobs` spawned processes (or in this one), keeping the pool open."""

    SMALL = 16  # captures that are computed here rather than sent to the workers

    def __init__(self, task: Callable[[Sequence], list], jobs: int, total: int | None):
        self.task = task
        # Starting a worker costs about a second of imports: small corpora run in this process.
        # An unknown total (captures in JSONL shards are not counted ahead) is taken as large.
        self.parallel = jobs > 1 and (total is None or total >= 200 * jobs)
        self.jobs = jobs
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Local:
        return self

    def _pool(self) -> ProcessPoolExecutor:
        # Started on the first batch big enough to share: a rebuild that finds almost every capture
        # in the cache computes the few others here and never pays for the workers' start.
        if self.pool is None:
            # spawn, not fork: a forked child of a process that has started pyarrow's threads can hang.
            self.pool = ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=multiprocessing.get_context("spawn")
            )
        return self.pool

    def __exit__(self, *exc) -> None:
        if self.pool:
            self.pool.shutdown()

    def batch(self, base: int) -> int:
        """How many captures to hand over at a time: enough for every worker."""
        return max(base, 128 * self.jobs) if self.parallel else base

    def run(self, items: Sequence, advance: Advance | None = None) -> list:
        return self.submit(items).result(advance)

    def submit(self, items: Sequence) -> Pending:
        """Start the work on items and return at once (in this process, the work is done on result())."""
        if not self.parallel or len(items) < self.SMALL:
            return Pending(lambda advance: _counted(self.task(items), len(items), advance))
        pool = self._pool()
        batches = _chunks(items, max(1, min(256, len(items) // (self.jobs * 4))))
        futures = [pool.submit(self.task, batch) for batch in batches]

        def gather(advance: Advance | None) -> list:
            entries = []
            for batch, future in zip(batches, futures):  # results in input order
                entries.extend(future.result())
                if advance:
                    advance(len(batch))
            return entries

        return Pending(gather)


class Dask:
    """Batches on a Dask distributed cluster: the one at `scheduler`, or a local one of `jobs` workers.

    The workers need corpuspack installed (the same version and lock: the entries are
    computed there). Batches are sent as bytes and results gathered in order.
    """

    BATCH = (
        256  # captures per task: big enough that scheduling costs little, small enough to spread
    )
    CONNECT_TIMEOUT = "30s"

    def __init__(self, task: Callable[[Sequence], list], jobs: int, scheduler: str | None = None):
        self.task = task
        self.jobs = jobs
        self.scheduler = scheduler
        self.cluster: Any = None
        self.client: Any = None

    def __enter__(self) -> Dask:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise EngineError(
                "--engine dask needs Dask's distributed scheduler: pip install 'corpuspack[dask]'"
            ) from exc
        try:
            if self.scheduler:
                self.client = Client(self.scheduler, timeout=self.CONNECT_TIMEOUT)
            else:
                # Worker processes, one thread each: extraction is pure Python and holds the GIL.
                self.cluster = LocalCluster(
                    n_workers=self.jobs,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
                self.client = Client(self.cluster)
        except (OSError, TimeoutError) as exc:
            self.__exit__()
            where = (
                f"the Dask scheduler at {self.scheduler}"
                if self.scheduler
                else "a local Dask cluster"
            )
            raise EngineError(
                f"could not connect to {where}: {exc}; check the address "
                "(e.g. tcp://host:8786) and that the scheduler is running"
            ) from exc
        return self

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def batch(self, base: int) -> int:
        """How many captures to hand over at a time: two tasks for every worker of the cluster."""
        workers = (
            len(self.client.scheduler_info().get("workers", {}))
            if self.client is not None
            else self.jobs
        )
        return max(base, 2 * self.BATCH * max(1, workers))

    def run(self, items: Sequence, advance: Advance | None = None) -> list:
        return self.submit(items).result(advance)

    def submit(self, items: Sequence) -> Pending:
        """Send items to the cluster and return at once."""
        from distributed import as_completed

        if not items:
            return Pending(lambda advance: [])
        batches = _chunks(items, self.BATCH)
        # pure=False: two identical batches are still two tasks (their results are placed by index).
        futures = self.client.map(self.task, batches, pure=False)

        def gather(advance: Advance | None) -> list:
            index = {future.key: i for i, future in enumerate(futures)}
            results: list[list | None] = [None] * len(batches)
            for future, done in as_completed(futures, with_results=True):
                results[index[future.key]] = done
                if advance:
                    advance(len(batches[index[future.key]]))
            return [entry for done in results for entry in done]

        return Pending(gather)


def start(
    engine: str,
    task: Callable[[Sequence], list],
    *,
    jobs: int,
    total: int | None,
    scheduler: str | None = None,
) -> Local | Dask:
    if engine == "local":
        if scheduler:
            raise EngineError("--scheduler is for --engine dask")
        return Local(task, jobs, total)
    if engine == "dask":
        return Dask(task, jobs, scheduler)
    raise EngineError(f"unknown engine {engine!r}; engines are: {', '.join(ENGINES)}")
