"""Where the replications of a sweep run: this process, local processes, or Dask.

A sweep is a flat list of :class:`Job` s -- (design point, replication, seed).
Jobs are grouped into :class:`Batch` es of consecutive replications of one
point, so that a worker gets a useful amount of work for the cost of shipping
it a scenario (tens of kilobytes) and sending results back; a batch is also the
most work lost per worker if the sweep is killed.

Every executor calls ``done(runs)`` in the calling process as batches finish, in
whatever order they finish.  The caller sorts the results, so the tables do not
depend on the executor, the number of workers or the order of completion; and
each job's seed fixes its random numbers, so the results do not either.

* :class:`InProcess` runs the jobs one at a time, in order.
* :class:`ProcessPool` uses ``concurrent.futures.ProcessPoolExecutor`` with the
  ``forkserver`` start method where the platform has it (``spawn`` elsewhere):
  forking a process that runs threads (the progress bar has one) is unsafe, and
  the fork server imports the model once, then forks ready workers from it,
  instead of every worker importing it again.  The sweep process computes too
  while the workers start and between collecting results, so ``--workers 2``
  means two processes computing: this one and one worker.
* :class:`DaskCluster` submits the batches to a Dask ``distributed`` scheduler.
  Each batch gets a key derived from the scenario, the point and the seeds, so
  identical work submitted twice (a rerun, another client) is computed once.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from simulator.experiment.replicate import Outputs, outputs
from simulator.scenario.models import Scenario

__all__ = [
    "Batch",
    "DaskCluster",
    "Executor",
    "InProcess",
    "Job",
    "ProcessPool",
    "Run",
    "batches",
    "run_batch",
]

_PARENT_POLL_S = 1.0
_MAX_BATCH = 16
_BATCHES_PER_WORKER = 8


@dataclass(frozen=True)
class Job:
    """One replication of one design point.

    Attributes:
        point: Index of the design point.
        replication: Index of the replication.
        seed: Its seed (the same at every point: common random numbers).
    """

    point: int
    replication: int
    seed: int


@dataclass(frozen=True)
class Run:
    """A finished job and its outputs (simulated hours; ``within:`` as 0 or 1)."""

    point: int
    replication: int
    seed: int
    outputs: Outputs

    def record(self) -> dict[str, Any]:
        """The run as one line of ``runs.jsonl``."""
        return {
            "point": self.point,
            "replication": self.replication,
            "seed": self.seed,
            "outputs": self.outputs,
        }


@dataclass(frozen=True)
class Batch:
    """Consecutive jobs of one design point, run together by one worker."""

    point: int
    jobs: tuple[Job, ...]

    def key(self, digest: str) -> str:
        """A name for the batch that is the same whenever the same work is asked for.

        Args:
            digest: Identifies the point's scenario (see :func:`scenario_digest`).
        """
        seeds = ",".join(str(job.seed) for job in self.jobs)
        token = hashlib.sha256(f"{digest}|{seeds}".encode()).hexdigest()[:32]
        first, last = self.jobs[0].replication, self.jobs[-1].replication
        return f"tabletop-sweep-p{self.point}-r{first}-{last}-{token}"


def scenario_digest(scenario: Scenario) -> str:
    """SHA-256 of a validated scenario (after overrides), for batch keys."""
    return hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()


def run_batch(scenario: Scenario, jobs: Sequence[Job]) -> list[Run]:
    """Run the jobs of a batch, in order (the function every worker calls).

    Args:
        scenario: The point's validated scenario.
        jobs: Jobs of that point.

    Returns:
        One run per job, in the same order.
    """
    return [Run(job.point, job.replication, job.seed, outputs(scenario, job.seed)) for job in jobs]


def batch_size(jobs: int, workers: int) -> int:
    """Replications per batch: several batches per worker, none too long.

    About :data:`_BATCHES_PER_WORKER` batches per worker balance the load (no
    worker is left with a long batch while the others idle at the end), while
    at most :data:`_MAX_BATCH` replications keeps the work lost to a kill small.
    """
    return max(1, min(_MAX_BATCH, -(-jobs // (workers * _BATCHES_PER_WORKER))))


def batches(jobs: Sequence[Job], size: int) -> list[Batch]:
    """Group consecutive jobs of the same point into batches of at most ``size``.

    Args:
        jobs: Jobs, sorted by point.
        size: Most jobs per batch.

    Returns:
        The batches, in the order of the jobs.
    """
    out: list[Batch] = []
    current: list[Job] = []
    for job in jobs:
        if current and (job.point != current[0].point or len(current) == size):
            out.append(Batch(current[0].point, tuple(current)))
            current = []
        current.append(job)
    if current:
        out.append(Batch(current[0].point, tuple(current)))
    return out


Done = Callable[[list[Run]], None]
"""Called in the calling process with the runs of each finished batch."""


class Executor(Protocol):
    """Runs jobs and reports finished runs as they come."""

    def run(self, scenarios: Sequence[Scenario], jobs: Sequence[Job], done: Done) -> None:
        """Run ``jobs`` (each with ``scenarios[job.point]``) and call ``done`` as they finish.

        Args:
            scenarios: The validated scenario of every design point.
            jobs: The jobs to run, sorted by (point, replication).
            done: Called with the runs of each finished batch, in this process.
        """


class InProcess:
    """Run every job here, one at a time, in order."""

    def run(self, scenarios: Sequence[Scenario], jobs: Sequence[Job], done: Done) -> None:
        """Run ``jobs`` in this process; see :meth:`Executor.run`."""
        for job in jobs:
            done(run_batch(scenarios[job.point], [job]))


def _watch_parent(parent: int) -> None:
    """Exit when the sweep process has gone (e.g. killed), instead of lingering."""
    while True:
        time.sleep(_PARENT_POLL_S)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:  # pragma: no cover - the pid was reused by another user
            os._exit(1)


def _start_worker(parent: int) -> None:
    """Prepare a pool worker: Ctrl-C is the sweep process's to handle, not ours."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _context() -> multiprocessing.context.BaseContext:
    """``forkserver`` with the model preloaded where available, else ``spawn``."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # Takes effect only when the fork server starts (once per process).
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")  # pragma: no cover - Windows


class ProcessPool:
    """Run jobs in ``workers`` processes on this machine (this one included).

    Args:
        workers: Processes computing in all, at least 2: this process and
            ``workers - 1`` pool workers.
    """

    def __init__(self, workers: int) -> None:
        """Create the executor; processes start when :meth:`run` is called."""
        if workers < 2:
            raise ValueError("a process pool needs at least 2 workers; use InProcess")
        self.workers = workers

    def run(self, scenarios: Sequence[Scenario], jobs: Sequence[Job], done: Done) -> None:
        """Run ``jobs`` in the pool and here; see :meth:`Executor.run`."""
        size = batch_size(len(jobs), self.workers)
        pending = deque(batches(jobs, size))
        if not pending:
            return
        children = self.workers - 1
        pool = ProcessPoolExecutor(
            children, mp_context=_context(), initializer=_start_worker, initargs=(os.getpid(),)
        )
        running: set[Future[list[Run]]] = set()
        try:
            while pending or running:
                # Keep each worker busy with one batch and one queued behind it.
                while pending and len(running) < 2 * children:
                    batch = pending.popleft()
                    running.add(pool.submit(run_batch, scenarios[batch.point], batch.jobs))
                finished, running = wait(running, timeout=0, return_when=FIRST_COMPLETED)
                if not finished and pending:
                    # Nothing to collect: compute a batch here rather than wait.
                    batch = pending.pop()
                    done(run_batch(scenarios[batch.point], batch.jobs))
                    continue
                if not finished:
                    finished, running = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    done(future.result())
        finally:
            pool.shutdown(wait=not running, cancel_futures=True)


class DaskCluster:
    """Run jobs on a Dask ``distributed`` cluster.

    Every worker must have tabletop installed (the same version as here).

    Args:
        address: The scheduler's address, e.g. ``tcp://10.0.0.5:8786``.
        timeout: Seconds to wait for the scheduler to answer.
    """

    def __init__(self, address: str, timeout: float = 20.0) -> None:
        """Remember the address; the connection is made in :meth:`run`."""
        self.address = address
        self.timeout = timeout

    @contextmanager
    def _client(self) -> Iterator[Any]:
        """A client connected to the scheduler, closed afterwards."""
        from distributed import Client

        try:
            client = Client(self.address, timeout=self.timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise ConnectionError(
                f"cannot reach the Dask scheduler at {self.address}: {error}"
            ) from None
        try:
            yield client
        finally:
            client.close()

    def run(self, scenarios: Sequence[Scenario], jobs: Sequence[Job], done: Done) -> None:
        """Run ``jobs`` on the cluster; see :meth:`Executor.run`."""
        from distributed import as_completed

        if not jobs:
            return
        with self._client() as client:
            workers = max(1, len(client.scheduler_info().get("workers", {})))
            todo = batches(jobs, batch_size(len(jobs), workers))
            needed = sorted({batch.point for batch in todo})
            # Send each scenario once; the batches refer to it.
            shipped = dict(zip(needed, client.scatter([scenarios[p] for p in needed]), strict=True))
            digests = {p: scenario_digest(scenarios[p]) for p in needed}
            futures = [
                client.submit(
                    run_batch,
                    shipped[batch.point],
                    batch.jobs,
                    key=batch.key(digests[batch.point]),
                    pure=True,
                    retries=1,
                )
                for batch in todo
            ]
            for future in as_completed(futures):
                done(future.result())
                future.release()
