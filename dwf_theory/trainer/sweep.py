"""Run many independent training configurations on a ``concurrent.futures.Executor``.

Any executor works: the default is a process pool on the local cores; a Dask
distributed cluster works unchanged through ``client.get_executor()``::

    from dask.distributed import Client
    client = Client("scheduler-address:8786")
    result = run_sweep(fn, configs, executor=client.get_executor())

A tqdm bar shows progress; Ctrl-C (``KeyboardInterrupt``) cancels what has not
started and returns the finished part with ``completed=False``.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import signal
import warnings
from dataclasses import dataclass
from typing import Callable

from threadpoolctl import threadpool_limits

from .. import _validate as v

__all__ = ["InlineExecutor", "SweepResult", "default_executor", "run_sweep", "MAX_WORKERS"]

#: Largest ``max_workers`` of :func:`default_executor`.
MAX_WORKERS = 1024


class InlineExecutor(cf.Executor):
    """An executor that runs each task at submission, in the calling thread (no processes)."""

    def submit(self, fn, /, *args, **kwargs):
        future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            future.set_exception(exc)
        return future


def _worker_init() -> None:
    """Pool workers: one BLAS thread each, and Ctrl-C handled by the parent alone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threadpool_limits(1)


def default_executor(max_workers: int | None = None) -> cf.Executor:
    """A process pool of ``max_workers`` single-threaded workers (``None``: one per local core, ``os.cpu_count()``).

    ``max_workers`` is a whole number in ``[1, MAX_WORKERS]`` (1024) or ``None``.
    """
    if max_workers is not None:
        max_workers = v.whole_number(max_workers, "max_workers", 1, MAX_WORKERS)
    return cf.ProcessPoolExecutor(max_workers=max_workers or os.cpu_count() or 1, initializer=_worker_init)


@dataclass(frozen=True)
class SweepResult:
    """Configurations and their results, in the order given.

    ``results[i]`` is ``None`` for a configuration that did not finish
    (``completed`` is then ``False``: the sweep was interrupted).
    """

    configs: tuple
    results: tuple
    completed: bool

    def finished(self) -> list:
        """``(config, result)`` pairs of the configurations that finished."""
        return [(c, r) for c, r in zip(self.configs, self.results) if r is not None]


def run_sweep(
    fn: Callable, configs, *, executor: cf.Executor | None = None, progress: bool = True, desc: str = "sweep"
) -> SweepResult:
    """Evaluate ``fn(config)`` for every configuration on ``executor``.

    Parameters
    ----------
    fn : callable
        A module-level (picklable) function of one configuration.
    configs : iterable
        The configurations (picklable, e.g. dicts).
    executor : concurrent.futures.Executor, optional
        Default: :func:`default_executor` (a process pool, shut down afterwards).
        Pass :class:`InlineExecutor` to run serially in this process, or a Dask
        ``client.get_executor()`` to run on a cluster (a bare ``dask.distributed.Client``
        is converted with its ``get_executor()``). Anything else raises ``TypeError``.
    progress : bool
        Show a tqdm bar.
    desc : str
        The bar's label (and the warning's, after an interrupt).

    Returns
    -------
    SweepResult
        Ctrl-C returns the finished part (``completed=False``) instead of raising.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    if isinstance(configs, (str, bytes)) or not hasattr(configs, "__iter__"):
        raise TypeError(f"configs must be an iterable of configurations, got {type(configs).__name__}")
    configs = tuple(configs)
    progress = v.flag(progress, "progress")
    if not isinstance(desc, str):
        raise TypeError(f"desc must be a string, got {type(desc).__name__}")
    own = executor is None
    if own:
        executor = default_executor(min(len(configs), os.cpu_count() or 1) or 1)
    elif not isinstance(executor, cf.Executor):
        if callable(getattr(executor, "get_executor", None)):  # a dask.distributed.Client: its own futures
            executor = executor.get_executor()  # are not concurrent.futures ones; its executor's are
        if not isinstance(executor, cf.Executor):
            raise TypeError(
                "executor must be a concurrent.futures.Executor (for a dask.distributed.Client, "
                f"client.get_executor()), got {type(executor).__name__}"
            )
    results: list = [None] * len(configs)
    futures: dict = {}
    bar = _progress_bar(len(configs), desc) if progress else None
    counted: set = set()

    def tick(fut) -> None:
        if bar is not None and fut not in counted:
            counted.add(fut)
            bar.update(1)

    completed = True
    try:
        for i, c in enumerate(configs):
            fut = executor.submit(fn, c)
            futures[fut] = i
            if fut.done():  # an in-process executor ran it already: move the bar now, not at the end
                tick(fut)
        for fut in cf.as_completed(futures):
            results[futures[fut]] = fut.result()
            tick(fut)
    except KeyboardInterrupt:
        completed = False
        _keep_finished(futures, results)
        done = sum(r is not None for r in results)
        warnings.warn(f"{desc} interrupted: returning the {done} of {len(configs)} runs that finished", stacklevel=2)
    finally:
        if bar is not None:
            bar.close()
        if own:
            executor.shutdown(wait=completed, cancel_futures=True)
    return SweepResult(configs, tuple(results), completed)


def _progress_bar(total: int, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="run")


def _keep_finished(futures: dict, results: list) -> None:
    """After an interrupt: cancel what has not started; store the results of what finished."""
    for fut, i in futures.items():
        if not fut.cancel() and fut.done() and not fut.cancelled() and fut.exception() is None:
            results[i] = fut.result()
