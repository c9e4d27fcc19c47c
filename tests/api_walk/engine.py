"""The API walk's engine: which callables are public, which bad values to try, how a call is judged.

A call is judged in a separate worker process (so that a hang is cut off after a
time limit and a memory blow-up hits an address-space limit instead of the
machine). Each call ends in exactly one outcome:

``clear``      ValueError/TypeError whose message names the argument that was replaced
``unclear``    ValueError/TypeError that does not name it
``finite``     returned, and every number in the result is finite
``flagged``    returned a result flagged as diverged (or not converged) — non-finite values allowed
``crash``      any other exception (AttributeError, IndexError, OverflowError, MemoryError …)
``nonfinite``  returned NaN or infinity without a flag
``hang``       no answer within the time limit
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import multiprocessing as mp
import numbers
import pkgutil
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from dotted import resolve

OUTCOMES = ("clear", "unclear", "finite", "flagged", "crash", "nonfinite", "hang")
GOOD = {"clear", "finite", "flagged"}
SKIPPED_MODULES = {"dwf_theory.cli", "dwf_theory.claims"}  # the command line and the claim registry
TIME_LIMIT = 20.0  # seconds per call
STARTUP_LIMIT = 300.0  # seconds for a worker to import the package
MEMORY_LIMIT = 6 * 2**30  # bytes of address space for the worker


@dataclass(frozen=True)
class Example:
    """One valid call of a public callable.

    ``make`` returns fresh keyword arguments (every argument by name). ``valid`` maps an
    argument to the labels of catalogue values that are in fact meaningful for it (they
    are not tried as bad input). ``fixed`` lists arguments not to vary, with the reason.
    ``allow_inf`` lets the result contain infinities that mean "never" (documented).
    """

    make: Callable[[], dict]
    valid: Mapping[str, tuple] = field(default_factory=dict)
    fixed: Mapping[str, str] = field(default_factory=dict)
    allow_inf: bool = False


# Public callables -----------------------------------------------------------------------------------


def public_modules():
    """``dwf_theory`` and every submodule whose dotted path has no component starting with ``_``."""
    import dwf_theory

    yield dwf_theory
    for info in pkgutil.walk_packages(dwf_theory.__path__, "dwf_theory."):
        if any(part.startswith("_") for part in info.name.split(".")) or info.name in SKIPPED_MODULES:
            continue
        if any(info.name.startswith(s + ".") for s in SKIPPED_MODULES):
            continue
        if info.name == "dwf_theory.torch":
            continue  # optional extra with its own tests
        yield importlib.import_module(info.name)


def public_callables() -> dict[str, Callable]:
    """``{qualified name: object}`` for everything public: ``__all__`` of each public module, or its own
    public top-level callables when it has no ``__all__``. Each object appears once, under its home."""
    out: dict[str, Callable] = {}
    seen: set[int] = set()
    for module in public_modules():
        names = getattr(module, "__all__", None)
        if names is None:
            names = [
                n
                for n, o in vars(module).items()
                if not n.startswith("_") and getattr(o, "__module__", "") == module.__name__
            ]
        for name in names:
            obj = getattr(module, name)
            if inspect.ismodule(obj) or not callable(obj) or id(obj) in seen:
                continue
            seen.add(id(obj))
            home = getattr(obj, "__module__", module.__name__) or module.__name__
            out[f"{home}.{getattr(obj, '__qualname__', name)}"] = obj
    return dict(sorted(out.items()))


# The catalogue of bad values --------------------------------------------------------------------------


class _Opaque:
    """An object of no expected type."""

    def __repr__(self):
        return "<opaque object>"


def _is_int(x):
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _scalar_values(x):
    vals = {
        "nan": math.nan,
        "inf": math.inf,
        "-inf": -math.inf,
        "1e308": 1e308,
        "-1e308": -1e308,
        "negative": -1.0,
        "zero": 0.0,
        "tiny": 1e-300,
        "bool": True,
        "string": "1",
        "none": None,
        "complex": 1 + 1j,
        "list": [1.0, 2.0],
        "array": np.ones(3),
    }
    if _is_int(x):
        vals.update({"huge-int": 10**18, "non-integer": 2.5, "negative-int": -1, "int-zero": 0, "float-1e308": 1e308})
    return vals


def _array_values(x):
    x = np.asarray(x)
    vals = {"string": "abc", "none": None, "bool": True, "opaque": _Opaque()}
    if x.dtype.kind in "fiu" and x.size:
        flat = x.astype(float).ravel()
        for label, v in (("nan-entry", math.nan), ("inf-entry", math.inf)):
            y = flat.copy()
            y[0] = v
            vals[label] = y.reshape(x.shape)
        vals["1e308-entries"] = np.full(x.shape, 1e308)
        vals["negative-entries"] = -np.abs(x.astype(float)) - 1.0
        vals["zeros"] = np.zeros(x.shape)
        vals["complex"] = x.astype(complex) + 1j
        vals["object"] = np.array([_Opaque()] * x.size, dtype=object).reshape(x.shape)
        vals["empty"] = np.zeros((0,) + x.shape[1:]) if x.ndim else np.zeros(0)
        vals["extra-axis"] = x[..., None] * np.ones(2)
        if x.ndim:
            vals["short"] = x[:-1] if x.shape[0] > 1 else np.concatenate([x, x])
            vals["scalar"] = 1.0
    return vals


def _string_values(x):
    return {"bogus": "bogus-value", "none": None, "int": 3, "empty": ""}


def _object_values(x):
    return {"none": None, "string": "abc", "int": 3, "opaque": _Opaque()}


def _sequence_values(x):
    vals = {
        "none": None,
        "string": "abc",
        "opaque": _Opaque(),
        "empty": type(x)() if isinstance(x, (list, tuple)) else [],
    }
    if x and all(isinstance(e, numbers.Number) and not isinstance(e, bool) for e in x):
        vals.update(
            {
                "nan-entry": [math.nan, *list(x)[1:]],
                "negative-entries": [-abs(e) - 1 for e in x],
                "huge-entry": [10**18, *list(x)[1:]],
            }
        )
    return vals


def catalogue(value) -> dict:
    """Bad values for an argument whose valid example is ``value``, keyed by a short label."""
    if isinstance(value, (bool, np.bool_)):
        return {"string": "yes", "none": None, "int": 3, "nan": math.nan}
    if isinstance(value, numbers.Real) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return _scalar_values(value)
    if isinstance(value, np.ndarray):
        return _array_values(value)
    if isinstance(value, str):
        return _string_values(value)
    if isinstance(value, (list, tuple)):
        return _sequence_values(value)
    if value is None:
        return {"string": "abc", "opaque": _Opaque(), "nan": math.nan}
    return _object_values(value)


def cases(name: str, example: Example) -> list[tuple[str, str, str]]:
    """Every ``(callable, argument, label)`` the walk tries for ``name``."""
    out = []
    for arg, value in example.make().items():
        if arg in example.fixed:
            continue
        skip = set(example.valid.get(arg, ()))
        out.extend((name, arg, label) for label in catalogue(value) if label not in skip)
    return out


# Judging a result -----------------------------------------------------------------------------------


def _any_number(x, bad, depth=0) -> bool:
    """True when some float in ``x`` (numbers, arrays, dataclasses, containers) satisfies ``bad``."""
    if depth > 6 or x is None or isinstance(x, (bool, np.bool_, str, bytes)):
        return False
    if isinstance(x, numbers.Number):
        return bool(bad(np.asarray(x, dtype=complex if isinstance(x, complex) else float)))
    if isinstance(x, np.ndarray):
        return x.dtype.kind in "fc" and bool(np.any(bad(x)))
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return any(_any_number(getattr(x, f.name), bad, depth + 1) for f in dataclasses.fields(x))
    if isinstance(x, Mapping):
        return any(_any_number(v, bad, depth + 1) for v in x.values())
    if isinstance(x, (list, tuple)):
        return any(_any_number(v, bad, depth + 1) for v in x)
    return False


def _nonfinite(x) -> bool:
    return _any_number(x, lambda a: ~np.isfinite(a))


def _has_nan(x) -> bool:
    return _any_number(x, np.isnan)


def _flagged(x) -> bool:
    for flag in ("diverged", "overflowed"):
        value = getattr(x, flag, None)
        if value is not None and bool(np.any(value)):
            return True
    if getattr(x, "status", None) in ("diverged",):
        return True
    return False


def judge(call: Callable[[], object], arg: str | None, allow_inf: bool) -> tuple[str, str]:
    """Run ``call`` and return ``(outcome, detail)`` (no time limit here: see :class:`Worker`)."""
    try:
        out = call()
    except (ValueError, TypeError) as exc:
        message = str(exc)
        named = arg is None or arg in message
        return ("clear" if named else "unclear"), f"{type(exc).__name__}: {message[:300]}"
    except Exception as exc:  # noqa: BLE001 - every other exception is a crash by definition
        tb = traceback.extract_tb(exc.__traceback__)[-1]
        return "crash", f"{type(exc).__name__}: {str(exc)[:200]} at {tb.filename.split('/')[-1]}:{tb.lineno}"
    if _flagged(out):
        return "flagged", ""
    if _nonfinite(out):
        if allow_inf and not _has_nan(out):
            return "finite", "inf allowed"
        return "nonfinite", repr(out)[:300]
    return "finite", ""


# The worker process ---------------------------------------------------------------------------------


def _serve(conn):
    import resource
    import warnings

    from dwf_theory._threads import one_blas_thread

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    warnings.simplefilter("ignore")
    import matplotlib

    matplotlib.use("Agg")
    from .examples import EXAMPLES

    conn.send("ready")  # imports done: the time limit of a call starts only now
    with one_blas_thread():
        while True:
            request = conn.recv()
            if request is None:
                return
            name, arg, label = request
            example = EXAMPLES[name]
            fn = resolve(name)[2]
            kwargs = example.make()
            if arg is not None:
                kwargs[arg] = catalogue(kwargs[arg])[label]
            conn.send(judge(lambda fn=fn, kwargs=kwargs: fn(**kwargs), arg, example.allow_inf))


class Worker:
    """A process that runs calls one at a time; a call over ``TIME_LIMIT`` is a hang and restarts it."""

    def __init__(self, time_limit: float = TIME_LIMIT):
        self.time_limit = time_limit
        self._ctx = mp.get_context("spawn")
        self._start()

    def _start(self):
        self._conn, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(target=_serve, args=(child,), daemon=True)
        self._proc.start()
        if not self._conn.poll(STARTUP_LIMIT) or self._conn.recv() != "ready":
            raise RuntimeError(f"the walk's worker did not start within {STARTUP_LIMIT:.0f} s")

    def run(self, name: str, arg: str | None, label: str | None) -> tuple[str, str, float]:
        start = time.perf_counter()
        self._conn.send((name, arg, label))
        if self._conn.poll(self.time_limit):
            try:
                outcome, detail = self._conn.recv()
            except EOFError:
                outcome, detail = "crash", "worker died (out of memory or a fatal signal)"
                self._restart()
        else:
            outcome, detail = "hang", f"no answer within {self.time_limit:.0f} s"
            self._restart()
        if not self._proc.is_alive():
            self._restart()
        return outcome, detail, time.perf_counter() - start

    def _restart(self):
        self._proc.kill()
        self._proc.join()
        self._start()

    def close(self):
        try:
            self._conn.send(None)
        except (BrokenPipeError, OSError):
            pass
        self._proc.join(timeout=5)
        if self._proc.is_alive():
            self._proc.kill()
