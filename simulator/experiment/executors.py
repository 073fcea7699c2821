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
* :class:`ProcessPool` uses ``concurrent.futures.ProcessPoolExecutor``.  The
  sweep process computes too, so ``--workers 2`` means two processes
  computing: this one and one worker.  On Linux its workers are forked from
  this process once the sweep is planned: they start at once, with the model
  imported and the scenarios in memory.  That is safe only while this process
  runs no other thread, so where another thread runs, or elsewhere than on
  Linux, the workers are spawned instead (fresh interpreters), as soon as the
  pool is entered, so that their import of the model overlaps the planning.
* :class:`DaskCluster` submits the batches to a Dask ``distributed`` scheduler.
  Each batch gets a key derived from the scenario, the point and the seeds, so
  identical work submitted twice (a rerun, another client) is computed once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib
import math
import multiprocessing
import re
import secrets
import signal
import sys
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing.connection import Connection
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self

from simulator import __version__

if TYPE_CHECKING:
    # Only for annotations: importing this module stays cheap, so that the command
    # can start its worker processes before it imports the model itself.
    from simulator.experiment.replicate import Outputs
    from simulator.scenario.models import Scenario

__all__ = [
    "Batch",
    "DaskCluster",
    "Executor",
    "InProcess",
    "Job",
    "ProcessPool",
    "Run",
    "batch_size",
    "batches",
    "local",
    "run_batch",
    "run_kept_batch",
    "scenario_digest",
]

_MAX_BATCH = 16
_BATCHES_PER_WORKER = 8
_GUIDED = 4


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
    from simulator.experiment.replicate import outputs

    return [Run(job.point, job.replication, job.seed, outputs(scenario, job.seed)) for job in jobs]


_INHERITED: Sequence[Scenario] = ()
"""The scenarios of the run a forked pool worker was made for (see :class:`ProcessPool`)."""


def run_inherited_batch(point: int, jobs: Sequence[Job]) -> list[Run]:
    """:func:`run_batch` in a forked worker, on the scenario it inherited for ``point``.

    Nothing is shipped but the jobs, and every batch of a point runs on the same
    scenario object, so the model's preparations for it are made once per worker.
    """
    return run_batch(_INHERITED[point], jobs)


_KEPT: OrderedDict[str, Scenario] = OrderedDict()
"""Scenarios a pool worker has used lately, by key (see :func:`run_kept_batch`)."""
_KEEP = 4


def run_kept_batch(key: str, scenario: Scenario, jobs: Sequence[Job]) -> list[Run]:
    """:func:`run_batch` with the worker's own copy of the scenario, kept between batches.

    The model prepares things per scenario object on its first replication
    (routes, tables), which costs several replications' time.  A scenario sent
    to a pool worker arrives as a new object with every batch; keeping the first
    copy of each (by ``key``) lets every later batch of the same point reuse
    that work.  Workers get batches roughly in point order, so a few suffice.

    Args:
        key: Names the scenario uniquely within the sweep's run.
        scenario: The scenario, used if none is kept under ``key``.
        jobs: Jobs of that scenario's point.
    """
    kept = _KEPT.get(key)
    if kept is None:
        _KEPT[key] = kept = scenario
        while len(_KEPT) > _KEEP:
            _KEPT.popitem(last=False)
    else:
        _KEPT.move_to_end(key)
    return run_batch(kept, jobs)


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
    """Runs jobs and reports finished runs as they come.

    An executor is a context manager: entering it may start workers ahead of
    :meth:`run`, and leaving it stops them (at once if an exception is leaving).
    """

    def __enter__(self) -> Self:
        """Get ready to run jobs."""

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Release whatever was set up."""

    def run(self, scenarios: Sequence[Scenario], jobs: Sequence[Job], done: Done) -> None:
        """Run ``jobs`` (each with ``scenarios[job.point]``) and call ``done`` as they finish.

        Args:
            scenarios: The validated scenario of every design point.
            jobs: The jobs to run, sorted by (point, replication).
            done: Called with the runs of each finished batch, in this process.
        """


class _NothingToSetUp:
    """Context manager methods for executors that start nothing ahead."""

    def __enter__(self) -> Self:
        """Nothing to do."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Nothing to do."""


class InProcess(_NothingToSetUp):
    """Run every job here, one at a time, in order."""

    def run(self, scenarios: Sequence[Scenario], jobs: Sequence[Job], done: Done) -> None:
        """Run ``jobs`` in this process; see :meth:`Executor.run`."""
        for job in jobs:
            done(run_batch(scenarios[job.point], [job]))


def _can_fork() -> bool:
    """Whether this platform forks workers safely when no other thread runs (Linux)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _alone() -> bool:
    """Whether this process runs no thread but the main one (so that a fork is safe)."""
    return threading.active_count() == 1


def _take(queue: deque[Job], size: int) -> tuple[Job, ...]:
    """Take up to ``size`` jobs of one point from the front of ``queue``."""
    taken = [queue.popleft()]
    while queue and len(taken) < size and queue[0].point == taken[0].point:
        taken.append(queue.popleft())
    return tuple(taken)


class ProcessPool:
    """Run jobs in ``workers`` processes on this machine (this one included).

    Use it as a context manager and enter it early.  Where workers are forked
    (Linux), they are made at the first :meth:`run`, from this process with the
    model imported: each starts in milliseconds and inherits that run's
    scenarios, so batches carry only their jobs.  Where they cannot be (another
    platform, or another thread running at that moment: a fork copies only the
    calling thread, and a lock another thread held stays held for ever), they
    are spawned on entering, and import the model while this process is still
    planning; their batches carry the scenario.

    Pool workers take batches from the front of the job list and this process
    takes single jobs from the back, checking between two jobs whether a worker
    needs more work; so no worker waits for this one, and this one computes
    while the workers start.  Batches shrink as the list does ("guided"
    scheduling): large ones early keep the overhead low, small ones at the end
    keep everyone busy until the last job.

    Args:
        workers: Processes computing in all, at least 2: this process and
            ``workers - 1`` pool workers.
    """

    def __init__(self, workers: int) -> None:
        """Create the executor; processes start on entering it (or in :meth:`run`)."""
        if workers < 2:
            raise ValueError("a process pool needs at least 2 workers; use InProcess")
        self.workers = workers
        self.start_method: str | None = None
        """How the workers were started, ``"fork"`` or ``"spawn"``; None before."""
        self._pool: ProcessPoolExecutor | None = None
        self._lifeline: tuple[Connection, Connection] | None = None
        self._inherited: Sequence[Scenario] | None = None
        self._entered = False

    def __enter__(self) -> Self:
        """Spawn the workers now, unless they are to be forked at the first run."""
        self._entered = True
        if not _can_fork():
            self._start(None)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the workers: at once after an error or Ctrl-C, else when they are idle."""
        self._entered = False
        self._close(abort=error is not None)

    def _start(self, scenarios: Sequence[Scenario] | None) -> ProcessPoolExecutor:
        """The pool, started if it was not yet: forked with ``scenarios``, where it can be,
        else spawned (every worker warming up)."""
        global _INHERITED
        if self._pool is None:
            from simulator.experiment.worker import start_worker, warm_up

            children = self.workers - 1
            fork = False
            if scenarios is not None and _can_fork() and _alone():
                # What the workers are to inherit: the model, imported, and the scenarios.
                importlib.import_module("simulator.experiment.replicate")
                _INHERITED = self._inherited = scenarios
                fork = True
            context = multiprocessing.get_context("fork" if fork else "spawn")
            reader, writer = self._lifeline = context.Pipe(duplex=False)
            self._pool = ProcessPoolExecutor(
                children,
                mp_context=context,
                initializer=start_worker,
                # A forked worker closes its copy of the lifeline's writing end, which
                # would otherwise keep the lifeline open after this process ends.
                initargs=(reader, writer) if fork else (reader,),
            )
            self.start_method = context.get_start_method()
            # The workers are born ignoring Ctrl-C (an ignored signal stays ignored
            # across exec, and Python then leaves it so): it is this process's to
            # handle, and a worker interrupted while it starts prints a traceback.
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                for _ in range(children):
                    self._pool.submit(warm_up)
            finally:
                signal.signal(signal.SIGINT, previous)
        return self._pool

    def _close(self, abort: bool) -> None:
        """Shut the pool down; on ``abort`` the workers exit without finishing their batch."""
        global _INHERITED
        if self._pool is None or self._lifeline is None:
            return
        reader, writer = self._lifeline
        if abort:
            writer.close()
        # Also waits for a worker that is still starting (it exits as soon as its
        # set-up sees the closed lifeline); leaving earlier would remove the
        # pool's semaphores from under it.
        self._pool.shutdown(wait=True, cancel_futures=True)
        writer.close()
        reader.close()
        if self._inherited is not None and _INHERITED is self._inherited:
            _INHERITED = ()
        self._pool = self._lifeline = self._inherited = None

    def _chunk(self, remaining: int) -> int:
        """Batch size for the next batch, given how many jobs are left."""
        return max(1, min(_MAX_BATCH, -(-remaining // (_GUIDED * self.workers))))

    def run(self, scenarios: Sequence[Scenario], jobs: Sequence[Job], done: Done) -> None:
        """Run ``jobs`` in the pool and here; see :meth:`Executor.run`."""
        queue = deque(jobs)
        if not queue:
            return
        owned = not self._entered  # not entered as a context manager: clean up here
        pool = self._start(scenarios)
        inherited = scenarios is self._inherited
        children = self.workers - 1
        run_id = secrets.token_hex(8)
        running: set[Future[list[Run]]] = set()
        finished_normally = False
        try:
            while queue or running:
                # Keep each worker busy with one batch and one queued behind it.
                while queue and len(running) < 2 * children:
                    batch = _take(queue, self._chunk(len(queue)))
                    point = batch[0].point
                    if inherited:
                        running.add(pool.submit(run_inherited_batch, point, batch))
                    else:
                        key = f"{run_id}:{point}"
                        running.add(pool.submit(run_kept_batch, key, scenarios[point], batch))
                finished = {future for future in running if future.done()}
                if not finished and queue:
                    job = queue.pop()
                    done(run_batch(scenarios[job.point], [job]))
                    continue
                if not finished:
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                running -= finished
                for future in finished:
                    done(future.result())
            finished_normally = True
        finally:
            if owned or not finished_normally:
                self._close(abort=not finished_normally)


_ADDRESS = re.compile(
    r"^(?:(?:tcp|tls|ws|wss|ucx)://)?(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$"
)
"""A Dask scheduler address: an optional protocol, a host and a port."""


class DaskCluster:
    """Run jobs on a Dask ``distributed`` cluster.

    Every worker must have tabletop installed (the same version as here).  The
    connection is made on entering, before anything is written, and bounded in
    time: the handshake and the wait for a first worker each take at most
    ``timeout`` seconds.

    Each batch carries its scenario as a task input (held by the scheduler), so
    a worker lost mid-sweep loses only its running batches, which are run again.
    Task keys hold the tabletop version and a random token drawn for this run,
    so that no other client of the scheduler can have results under them, and
    every returned run is checked against the batch that asked for it.

    Args:
        address: The scheduler's address, e.g. ``tcp://10.0.0.5:8786``.
        timeout: Seconds to wait for the scheduler to answer, and for a worker.
    """

    def __init__(self, address: str, timeout: float = 30.0) -> None:
        """Check the address; the connection is made on entering."""
        if not _ADDRESS.match(address):
            raise ConnectionError(
                f"{address!r} is not a scheduler address; expected [PROTOCOL://]HOST:PORT, "
                "e.g. tcp://10.0.0.5:8786"
            )
        self.address = address
        self.timeout = timeout
        self._client: Any = None

    def __enter__(self) -> Self:
        """Connect to the scheduler and wait for a worker, within :attr:`timeout` each."""
        self._client = _connect(self.address, self.timeout)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the connection (cancelling this run's tasks on the way out)."""
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.close(timeout=self.timeout)

    def run(self, scenarios: Sequence[Scenario], jobs: Sequence[Job], done: Done) -> None:
        """Run ``jobs`` on the cluster; see :meth:`Executor.run`."""
        from distributed import as_completed

        if not jobs:
            return
        client = self._client
        if client is None:
            raise RuntimeError("DaskCluster.run outside its with block")
        workers = max(1, sum(client.nthreads().values()))
        todo = batches(jobs, batch_size(len(jobs), workers))
        token = secrets.token_hex(8)
        digests = {b.point: scenario_digest(scenarios[b.point]) for b in todo}
        futures: dict[str, Batch] = {}
        submitted = []
        for batch in todo:
            key = f"tabletop-{__version__}-{token}-{batch.key(digests[batch.point])}"
            future = client.submit(
                run_kept_batch, f"{token}-{batch.point}", scenarios[batch.point], batch.jobs,
                key=key, pure=False, retries=2,
            )  # fmt: skip
            futures[future.key] = batch
            submitted.append(future)
        for future in as_completed(submitted, loop=client.loop):  # type: ignore[no-untyped-call]
            batch = futures[future.key]
            runs = future.result()
            check_runs(batch, runs)
            done(runs)
            future.release()


def _connect(address: str, timeout: float) -> Any:
    """A client connected to ``address`` with a worker ready, or :class:`ConnectionError`."""
    from distributed import Client

    identity = _probe(address, timeout)
    if not isinstance(identity, dict) or identity.get("type") != "Scheduler":
        raise ConnectionError(f"{address} answered, but it is not a Dask scheduler")
    client = None
    try:
        client = Client(address, set_as_default=False, timeout=timeout)  # type: ignore[no-untyped-call]
        client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as error:
        if client is not None:
            with contextlib.suppress(Exception):
                client.close(timeout=1)  # type: ignore[no-untyped-call]
        if client is not None:
            raise ConnectionError(
                f"the Dask scheduler at {address} has no worker after {timeout:g} s"
            ) from None
        reason = str(error) or type(error).__name__
        raise ConnectionError(f"cannot reach the Dask scheduler at {address}: {reason}") from None
    return client


def _probe(address: str, timeout: float) -> Any:
    """Ask ``address`` who it is, every step bounded by ``timeout`` seconds.

    Dask's client retries a connection that opens but never answers (a port
    held by something else) for far longer than its timeout; this one question
    finds that out first.
    """
    from distributed.comm.core import connect

    async def ask() -> Any:
        comm = await asyncio.wait_for(connect(address, timeout=timeout), timeout)  # type: ignore[no-untyped-call]
        try:
            await asyncio.wait_for(comm.write({"op": "identity", "reply": True}), timeout)
            return await asyncio.wait_for(comm.read(), timeout)
        finally:
            comm.abort()

    try:
        return asyncio.run(ask())
    except (OSError, TimeoutError, ValueError, EOFError) as error:
        reason = str(error) or f"no answer within {timeout:g} s"
        raise ConnectionError(f"cannot reach the Dask scheduler at {address}: {reason}") from None
    except Exception as error:  # a peer that speaks another protocol
        raise ConnectionError(
            f"{address} did not answer as a Dask scheduler ({type(error).__name__})"
        ) from None


def check_runs(batch: Batch, runs: Any) -> None:
    """Refuse what a worker returned unless it is exactly the runs ``batch`` asked for."""
    if not isinstance(runs, list) or len(runs) != len(batch.jobs):
        raise ConnectionError(f"a worker returned {type(runs).__name__} for a batch of runs")
    for job, run in zip(batch.jobs, runs, strict=True):
        if not isinstance(run, Run) or (run.point, run.replication, run.seed) != (
            job.point, job.replication, job.seed,
        ):  # fmt: skip
            raise ConnectionError("a worker returned runs that were not asked for")
        for name, value in run.outputs.items():
            finite = value is None or (type(value) in (int, float) and math.isfinite(value))
            if not isinstance(name, str) or not finite:
                raise ConnectionError(f"a worker returned a run whose output {name!r} is {value!r}")


def local(workers: int) -> InProcess | ProcessPool:
    """The executor for ``--workers W`` on this machine: this process alone, or a pool."""
    return ProcessPool(workers) if workers > 1 else InProcess()
