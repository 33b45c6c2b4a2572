"""Timelines on a Ray cluster: actors that each hold one model, fed (checkpoint × inputs) chunks.

The driver (this process) plans the work, serves what the cache holds, streams the rest to
actors, and writes every result into the cache as it arrives; actors never open the cache.
An actor that dies has its chunks sent again to a fresh one, and each result is stored once,
by (checkpoint, input), so nothing is lost or counted twice. Cancel (or Ctrl-C) cancels the
queued tasks, kills the actors and shuts down a cluster this process started.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading

from .errors import InputError
from .inputs import Example
from .loading import ModelPool
from .probe import Probe
from .results import Settings
from .series import Series
from .tasks import TaskState, ensure_task
from .timeline import TimelineResult
from .workplan import WorkPlan, analyze_chunk, assemble, check_request, error_record, plan_work

log = logging.getLogger(__name__)

INSTALL = "pip install 'inspector-faithfulness[cluster]'"
IN_FLIGHT = 2  # chunks queued per actor, so it never waits for the driver between two
MAX_ATTEMPTS = 3  # a chunk whose worker dies this often fails its checkpoint instead


def require_ray():
    try:
        import ray
    except ImportError:
        raise InputError(
            f"--workers and --ray-address need Ray, which is not installed: {INSTALL}"
        ) from None
    return ray


def chunk_size(n_inputs: int, workers: int) -> int:
    """Small enough that every worker gets work on short runs, at most 32 inputs per task."""
    return max(1, min(32, -(-n_inputs // max(1, workers))))


def check_reachable(address: str, timeout: float = 5.0) -> None:
    """A HOST:PORT that answers nothing is one line now, not minutes of Ray retrying it."""
    host, sep, port = address.rpartition(":")
    if address == "auto" or "://" in address or not sep or not port.isdigit():
        return  # auto, ray://, or a form Ray resolves itself
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise InputError(
            f"--ray-address {address}: no Ray cluster answers there ({exc.strerror or exc})"
        ) from None


@contextlib.contextmanager
def _interrupt_after():
    """Hold Ctrl-C until the block ends, then raise it: Ray interrupted mid-start leaves its
    agent processes behind, so the start finishes and the caller shuts it down cleanly."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    hit = []
    old = signal.signal(signal.SIGINT, lambda *_: hit.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
    if hit:
        raise KeyboardInterrupt


class ModelWorker:
    """A Ray actor's body: one model resident at a time, reloaded only when the checkpoint changes."""

    def __init__(self, device: str, threads: int, trusted: list[str]):
        import torch

        if threads > 0:
            torch.set_num_threads(threads)
        self.pool = ModelPool(1, device=device)
        self.pool.trusted = set(trusted)

    def run(self, path: str, probe: Probe, settings: Settings, examples: list[Example]) -> dict:
        return analyze_chunk(self.pool, path, probe, settings, examples)

    def pid(self) -> int:
        return os.getpid()


class RayCluster:
    """A local Ray cluster of ``workers`` actors, or ``address`` joined (``auto`` included).

    Use as a context manager; inside, ``run(plan, cache, task)`` completes a WorkPlan.
    Joining when Ray is already initialised in this process uses that cluster and leaves it up.
    """

    worker_class = ModelWorker  # what each actor runs (tests give one that dies on cue)

    def __init__(
        self,
        workers: int | None = None,
        address: str | None = None,
        device: str = "auto",
        trusted: list[str] | tuple[str, ...] = (),
    ):
        self.ray = require_ray()
        self.workers, self.address = workers, address
        self.device, self.trusted = device, list(trusted)
        self.owned = False
        self.actors: list = []
        self.resubmitted = 0  # chunks sent again because their worker died

    # -- lifetime -----------------------------------------------------------------
    def __enter__(self) -> RayCluster:
        ray = self.ray
        if self.address:
            check_reachable(self.address)
        if not ray.is_initialized():
            kw = dict(
                include_dashboard=False,
                log_to_driver=log.isEnabledFor(logging.INFO),
                logging_level=logging.INFO if log.isEnabledFor(logging.INFO) else logging.ERROR,
            )
            self.owned = True
            try:
                with _interrupt_after():
                    if self.address:
                        ray.init(address=self.address, **kw)
                    else:
                        ray.init(
                            address="local",  # a new one, even where `ray start` runs one
                            num_cpus=max(self.workers or 1, os.cpu_count() or 1),
                            **kw,
                        )
            except (ConnectionError, RuntimeError, ValueError) as exc:
                self.close()
                where = self.address or "a local cluster"
                raise InputError(
                    f"cannot start Ray on {where}: {str(exc).splitlines()[0]}"
                ) from exc
            except KeyboardInterrupt:
                self.close()
                raise
        try:
            res = ray.cluster_resources()
            cpus, gpus = int(res.get("CPU", 1)), int(res.get("GPU", 0))
            n = self.workers or gpus or cpus
            # a GPU per actor where the cluster has them; shared when there are more actors
            self.gpus = min(1.0, gpus / n) if gpus else 0.0
            # on a cluster we started, the cores are split between the actors (torch threads too)
            self.cpus = max(1, cpus // n) if self.owned else 1
            self.actors = [self._spawn() for _ in range(n)]
        except BaseException:  # Ctrl-C while starting: leave no cluster behind
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for a in self.actors:
            try:
                self.ray.kill(a)
            except Exception:  # noqa: BLE001 - already dead or the cluster went away
                pass
        self.actors = []
        if self.owned:
            with _interrupt_after():  # a second Ctrl-C must not cut the shutdown short
                self.ray.shutdown()
            self.owned = False

    def _spawn(self):
        remote = self.ray.remote(self.worker_class).options(
            num_cpus=self.cpus, num_gpus=self.gpus, max_restarts=0, max_task_retries=0
        )
        return remote.remote(self.device, self.cpus, self.trusted)

    # -- work ---------------------------------------------------------------------
    def run(self, plan: WorkPlan, cache=None, task: TaskState | None = None) -> None:
        """Compute every missing unit of ``plan`` on the actors; results and errors land in it."""
        ray, task = self.ray, ensure_task(task)
        dead = (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError)
        queue = plan.chunks(chunk_size(len(plan.examples), len(self.actors)))
        attempts: dict[int, int] = {}
        holding: list[int | None] = [None] * len(self.actors)  # the checkpoint each one has loaded
        pending: dict = {}  # ref -> (chunk, actor index, actor handle)
        plan.progress(task, "from cache")

        def pick(w: int):
            # its own checkpoint first (no reload), then one nobody holds, then help another
            others = {h for j, h in enumerate(holding) if j != w}
            for fits in (
                lambda c: c.entry == holding[w],
                lambda c: c.entry not in others,
                lambda c: True,
            ):
                for k, c in enumerate(queue):
                    if fits(c):
                        return queue.pop(k)
            return None

        def feed(w: int) -> None:
            while queue and sum(1 for _, j, _ in pending.values() if j == w) < IN_FLIGHT:
                c = pick(w)
                entry = plan.entries[c.entry]
                if entry.name in plan.errors:
                    continue  # an earlier chunk failed it: the checkpoint is skipped anyway
                holding[w] = c.entry
                actor = self.actors[w]
                examples = [plan.examples[x] for x in c.items]
                ref = actor.run.remote(str(entry.path), plan.probe, plan.settings, examples)
                pending[ref] = (c, w, actor)

        try:
            for w in range(len(self.actors)):
                feed(w)
            while pending:
                task.check()
                ready, _ = ray.wait(list(pending), num_returns=1, timeout=0.25)
                for ref in ready:
                    c, w, actor = pending.pop(ref)
                    try:
                        reply = ray.get(ref)
                    except dead as exc:
                        self._lost(c, w, actor, exc, attempts, queue, plan, holding)
                    else:
                        plan.record(c, reply, cache)
                        name = plan.entries[c.entry].name
                        plan.progress(
                            task, f"{name}: {plan.done}/{plan.total} on {len(self.actors)} workers"
                        )
                    feed(w)
        except BaseException:
            for ref in pending:
                try:
                    ray.cancel(ref)
                except Exception:  # noqa: BLE001 - finished or its actor is gone
                    pass
            self.close()  # the actors stop mid-chunk; a cluster started here shuts down
            raise

    def _lost(self, c, w, actor, exc, attempts, queue, plan, holding) -> None:
        """A chunk whose actor died: back to the queue, and the actor replaced (once)."""
        key = id(c)
        attempts[key] = attempts.get(key, 1) + 1
        log.info("worker %d died (%s); chunk of %s sent again", w, type(exc).__name__, c.entry)
        if attempts[key] > MAX_ATTEMPTS:
            name = plan.entries[c.entry].name
            plan.errors.setdefault(
                name, error_record(OSError(f"its Ray worker died {MAX_ATTEMPTS} times"))
            )
        else:
            self.resubmitted += 1
            queue.insert(0, c)
        if self.actors[w] is actor:
            try:
                self.ray.kill(actor)
            except Exception:  # noqa: BLE001 - already gone
                pass
            self.actors[w] = self._spawn()
            holding[w] = None


def run_cluster_timeline(
    series: Series,
    probe: Probe,
    examples: list[Example],
    settings: Settings,
    reference: str | None = None,
    cache=None,
    task: TaskState | None = None,
    on_checkpoint=None,
    refresh: bool = False,
    workers: int | None = None,
    address: str | None = None,
    device: str = "auto",
    trusted: list[str] | tuple[str, ...] = (),
    cluster: RayCluster | None = None,
    inputs_path: str | None = None,
) -> TimelineResult:
    """``run_timeline`` with the analysis spread over a Ray cluster; same result, same cache."""
    check_request(series, examples, reference)
    task = ensure_task(task)
    plan = plan_work(series, probe, examples, settings, cache, refresh)
    if plan.done < plan.total:  # a rerun served from the cache starts no cluster
        if cluster is not None:
            cluster.run(plan, cache, task)
        else:
            with RayCluster(workers, address, device, trusted) as c:
                c.run(plan, cache, task)
    return assemble(plan, series, reference, task, on_checkpoint, inputs_path)
