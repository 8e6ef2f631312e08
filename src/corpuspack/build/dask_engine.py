"""The Dask engine (--engine dask): batches on a Dask distributed cluster, behind the Engine
protocol of engines.py. distributed is imported only when a cluster is started."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Self

from corpuspack.build.engines import (
    Advance,
    Engine,
    EngineError,
    Item,
    Out,
    Pending,
    chunks,
    find_killer,
)


class Dask(Engine[Item, Out]):
    """Batches on a Dask distributed cluster: the one at `scheduler`, or a local one of `jobs` workers.

    The workers need corpuspack installed (the same version and lock: the outputs are
    computed there). Batches are sent as bytes and results gathered in order.
    """

    BATCH = 256  # items per task: big enough that scheduling costs little, small enough to spread
    CONNECT_TIMEOUT = "30s"

    def __init__(
        self,
        task: Callable[[Sequence[Item]], list[Out]],
        jobs: int,
        scheduler: str | None = None,
    ):
        self.task = task
        self.jobs = jobs
        self.scheduler = scheduler
        self.cluster: Any = None
        self.client: Any = None

    def __enter__(self) -> Self:
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
        except (OSError, TimeoutError, ValueError) as exc:  # ValueError: a malformed address
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

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def batch(self, base: int) -> int:
        """Two tasks for every worker of the cluster."""
        workers = (
            len(self.client.scheduler_info().get("workers", {}))
            if self.client is not None
            else self.jobs
        )
        return max(base, 2 * self.BATCH * max(1, workers))

    def submit(self, items: Sequence[Item]) -> Pending[Out]:
        from distributed import KilledWorker, as_completed

        if not items:
            return Pending(lambda advance: [])
        batches = chunks(items, self.BATCH)
        # pure=False: two identical batches are still two tasks (their results are placed by index).
        futures = self.client.map(self.task, batches, pure=False)

        def gather(advance: Advance | None) -> list[Out]:
            index = {future.key: i for i, future in enumerate(futures)}
            results: list[list[Out]] = [[] for _ in batches]
            try:
                for future, done in as_completed(futures, with_results=True):
                    results[index[future.key]] = done
                    if advance:
                        advance(len(batches[index[future.key]]))
            except KilledWorker:
                # The scheduler gave up on a task whose workers died (it blames every task a dying
                # worker held): the one that kills is found among the unfinished, as Local does.
                unfinished = [
                    b for b, f in zip(batches, futures, strict=True) if f.status != "finished"
                ]
                raise find_killer(self.task, [item for b in unfinished for item in b]) from None
            return [output for done in results for output in done]

        return Pending(gather)
