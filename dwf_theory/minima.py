"""Which local minimum of the L_{2/D} problem does each method find? A measured study.

For ``D > 2`` the objective ``G(w) = ‖Xw − y‖²/(2n) + λ Σ_j |w_j|^{2/D}`` is non-convex: ``w = 0``
is a local minimum for every ``λ``, and every support pattern can hold another. The equivalence of
Kolb et al. (ICLR 2025, Theorem 1) makes the factorized objective ``F`` and ``G`` share their
global minimum and maps local minima onto local minima — it does not say which minimum a method
reaches from a given start. This module measures it: on a set of sparse regression problems
(independent and correlated columns, ``n < p`` and ``n > p``, ``D = 3, 4, 6, inf``) it runs

* ``fit_lq`` (coordinate descent with the exact prox) from zero, from the Lasso solution (its
  default), along a path of ``λ`` from ``λ_max``, and along a continuation in the depth;
* ``fit_factorized`` (L-BFGS on the factors — the DWF route) from the paper's initializations
  (VarMatch and truncated VarMatch at the plain model's scale ``σ_w = 1/√p``, and VarMatch with
  ``σ_w = 1``), several seeds each, and the same runs followed by ``fit_lq`` from their collapse;
* skglm's ``AndersonCD`` with its ``L2_3`` (``D = 3``) and ``L0_5`` (``D = 4``) penalties, from
  zero and from the Lasso, when skglm is installed (``pip install skglm``; a development extra),

and reports each one's gap to the best objective any method found on the problem. It is a
measurement, not a proof of optimality: the best found is an upper bound on the global minimum.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from . import _validate as v
from . import lq_solver
from ._threads import single_threaded_blas
from .equivalence import fit_factorized, fit_lq
from .initialization import init_factors
from .losses import LeastSquares

__all__ = ["StudyProblem", "MinimaStudy", "regression_problem", "study_problems", "which_minimum", "METHODS"]

#: Relative gap below which two objectives count as the same minimum (solvers stop at tol = 1e-10).
SAME = 1e-8

#: The DWF initializations: (label, scheme, σ_w as a function of p).
_DWF_INITS = (
    ("VarMatch, σ_w = 1/√p", "varmatch", lambda p: 1.0 / math.sqrt(p)),
    ("truncated VarMatch, σ_w = 1/√p", "varmatch-truncated", lambda p: 1.0 / math.sqrt(p)),
    ("VarMatch, σ_w = 1", "varmatch", lambda p: 1.0),
)

#: The methods, in table order.
METHODS = (
    "fit_lq from zero",
    "fit_lq from the Lasso (default)",
    "fit_lq along a 20-λ path",
    "fit_lq, continuation in D",
    *(f"DWF, {label}" for label, _, _ in _DWF_INITS),
    *(f"DWF, {label}, then fit_lq" for label, _, _ in _DWF_INITS),
    "skglm from the Lasso",
    "skglm from zero",
)


@dataclass(frozen=True)
class StudyProblem:
    """One problem of the study: the data are :func:`regression_problem` ``(n, p, rho=rho, rng=seed)``."""

    n: int
    p: int
    rho: float
    lam: float
    D: int | float
    seed: int

    def __post_init__(self):
        v.whole_number(self.n, "n", 1)
        v.whole_number(self.p, "p", 1)
        v.allocation(self.n * self.p, "n and p")
        v.real_scalar(self.rho, "rho", minimum=0.0)
        if self.rho >= 1:
            raise ValueError(f"rho must be in [0, 1), got {self.rho!r}")
        v.regularization(self.lam)
        v.depth_or_inf(self.D)
        v.whole_number(self.seed, "seed", 0)

    @property
    def design(self) -> str:
        return "independent" if self.rho == 0 else f"correlated (ρ = {self.rho:g})"


@dataclass(frozen=True)
class MinimaStudy:
    """Objectives reached by each method on each problem.

    Attributes
    ----------
    problems : tuple of StudyProblem
    methods : tuple of str
    objectives : ndarray, shape (n_problems, n_methods, runs)
        ``G`` at each run's result (deterministic methods have one run; the DWF methods one per
        seed); ``inf`` where a method does not apply (DWF for ``D = inf``, skglm without its
        penalty) or has fewer runs.
    seconds : ndarray, same shape
        Wall time of each run (``inf`` where not run).
    """

    problems: tuple
    methods: tuple
    objectives: np.ndarray
    seconds: np.ndarray

    @property
    def best(self) -> np.ndarray:
        """The best objective any method found, per problem."""
        return np.min(self.objectives, axis=(1, 2))

    @property
    def gaps(self) -> np.ndarray:
        """``(G − best) / |best|`` per problem, method and run (``inf`` where not run)."""
        best = self.best[:, None, None]
        with np.errstate(invalid="ignore"):
            gaps = (self.objectives - best) / np.abs(best)
        return np.where(np.isfinite(self.objectives), np.maximum(gaps, 0.0), np.inf)

    def summary(self) -> list[dict]:
        """Per method and depth: runs, median and largest gap, share of runs at the best (gap ≤ ``SAME``)."""
        gaps = self.gaps
        depths = sorted({pr.D for pr in self.problems}, key=float)
        rows = []
        for m, method in enumerate(self.methods):
            for D in depths:
                idx = [i for i, pr in enumerate(self.problems) if pr.D == D]
                g = gaps[idx, m].reshape(-1)
                g = g[np.isfinite(g)]
                if g.size == 0:
                    continue
                t = self.seconds[idx, m].reshape(-1)
                rows.append(
                    {
                        "method": method,
                        "D": D,
                        "runs": int(g.size),
                        "median_gap": float(np.median(g)),
                        "max_gap": float(np.max(g)),
                        "at_best": float(np.mean(g <= SAME)),
                        "median_seconds": float(np.median(t[np.isfinite(t)])),
                    }
                )
        return rows

    def table(self) -> str:
        """Markdown: one row per method, per depth ``median gap · largest gap · share at the best``."""
        rows = self.summary()
        depths = sorted({r["D"] for r in rows}, key=float)
        head = "| method | " + " | ".join(f"D = {_depth_label(D)}" for D in depths) + " |"
        lines = [head, "|---|" + "---|" * len(depths)]
        for method in self.methods:
            cells = []
            for D in depths:
                r = next((r for r in rows if r["method"] == method and r["D"] == D), None)
                cells.append(
                    "—" if r is None else f"{_pct(r['median_gap'])} · {_pct(r['max_gap'])} · {r['at_best']:.0%}"
                )
            if any(c != "—" for c in cells):
                lines.append(f"| {method} | " + " | ".join(cells) + " |")
        return "\n".join(lines)


def _depth_label(D) -> str:
    return "∞" if math.isinf(D) else str(int(D))


def _pct(x: float) -> str:
    """A relative gap in percent: ``0`` at the best (``<= SAME``), two significant digits below 10 %."""
    if x <= SAME:
        return "0"
    pct = 100.0 * x
    return f"{pct:.0f} %" if pct >= 10 else f"{pct:.2g} %"


def regression_problem(n, p, *, rho=0.0, k=5, noise=0.5, rng=None) -> tuple[LeastSquares, np.ndarray]:
    """A sparse regression ``y = X w* + noise · ε`` with correlated columns.

    The rows of ``X`` are stationary AR(1) sequences across the columns,
    ``X_{i,j} = ρ X_{i,j−1} + √(1 − ρ²) ε_{i,j}`` with ``X_{i,1}, ε ~ N(0, 1)``, so every column is
    standard normal and ``corr(X_j, X_k) = ρ^{|j−k|}`` (Toeplitz; ``ρ = 0``: independent), drawn in
    ``O(n·p)``. ``w*`` has ``k`` nonzeros ``±U(1, 2)`` at random positions. Drawn from ``rng`` in
    this order: ``X``, the support, the signs, the magnitudes, the noise.

    Parameters
    ----------
    n, p : int >= 1
    rho : float in [0, 1)
    k : int, 0 <= k <= p
    noise : float >= 0
    rng : numpy.random.Generator, int or None

    Returns
    -------
    (LeastSquares, ndarray)
        The loss ``‖Xw − y‖²/(2n)`` and ``w*``.
    """
    n, p = v.whole_number(n, "n", 1), v.whole_number(p, "p", 1)
    rho = v.real_scalar(rho, "rho", minimum=0.0)
    if not rho < 1.0:
        raise ValueError(f"rho must be in [0, 1), got {rho!r}")
    k = v.whole_number(k, "k", 0)
    if k > p:
        raise ValueError(f"k must be <= p = {p}, got {k}")
    noise = v.real_scalar(noise, "noise", minimum=0.0)
    rng = v.generator(rng)
    X = rng.standard_normal((n, p))
    if rho > 0:
        s = math.sqrt(1.0 - rho * rho)
        for j in range(1, p):
            X[:, j] = rho * X[:, j - 1] + s * X[:, j]
    w = np.zeros(p)
    support = rng.choice(p, size=k, replace=False)
    w[support] = rng.choice((-1.0, 1.0), size=k) * rng.uniform(1.0, 2.0, size=k)
    y = v.finite_result(X @ w + noise * rng.standard_normal(n), "noise", "the response y")
    return LeastSquares(X, y), w


def study_problems(*, quick=False) -> tuple:
    """The problems of the README study; ``quick``: a small set for tests.

    Full: ``(n, p) ∈ {(50, 200), (200, 50)}`` × ``ρ ∈ {0, 0.8}`` × ``λ ∈ {0.05, 0.2}`` × 3 seeds ×
    ``D ∈ {3, 4, 6, inf}`` (96 problems, 5 true nonzeros, noise 0.5). Quick: ``(20, 40)`` and
    ``(40, 20)``, ``ρ ∈ {0, 0.8}``, ``λ = 0.1``, one seed, ``D ∈ {3, inf}``.
    """
    if quick:
        shapes, rhos, lams, seeds, depths = ((20, 40), (40, 20)), (0.0, 0.8), (0.1,), (0,), (3, math.inf)
    else:
        shapes, rhos, lams, seeds, depths = (
            ((50, 200), (200, 50)),
            (0.0, 0.8),
            (0.05, 0.2),
            (0, 1, 2),
            (3, 4, 6, math.inf),
        )
    return tuple(
        StudyProblem(n, p, rho, lam, D, seed)
        for (n, p) in shapes
        for rho in rhos
        for lam in lams
        for seed in seeds
        for D in depths
    )


def _skglm_penalty(D, lam):
    """skglm's penalty ``λ|w|^{2/D}`` where it has one (``D = 3``: ``L2_3``, ``D = 4``: ``L0_5``), else None."""
    try:
        from skglm.penalties import L0_5, L2_3
    except ImportError:
        return None
    return {3: L2_3, 4: L0_5}.get(D, lambda _: None)(lam)


def _skglm(loss: LeastSquares, lam: float, D, w0: np.ndarray, tol: float) -> np.ndarray | None:
    penalty = _skglm_penalty(D, lam)
    if penalty is None:
        return None
    from skglm.datafits import Quadratic
    from skglm.solvers import AndersonCD

    solver = AndersonCD(tol=tol, fit_intercept=False, max_iter=1000)
    return solver.solve(loss.X, loss.y, Quadratic(), penalty, w_init=w0.copy(), Xw_init=loss.X @ w0)[0]


def _objective(loss: LeastSquares, w: np.ndarray, lam: float, D) -> float:
    r = loss.X @ w - loss.y
    return float(r @ r) / (2.0 * loss.n) + lam * lq_solver.penalty_value(w, D)


def _timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def _fit_lq_from(loss: LeastSquares, lam: float, D, how: str, tol: float) -> np.ndarray:
    return fit_lq(loss, lam, D, lq_solver.lq_start(loss.X, loss.y, lam, D, how=how, n_path=20), tol=tol).w


def _run_problem(pr: StudyProblem, seeds: int, tol: float, skglm: bool) -> tuple[np.ndarray, np.ndarray]:
    """Objectives and seconds of every method on one problem, shape ``(len(METHODS), seeds)``."""
    objectives, seconds = np.full((len(METHODS), seeds), np.inf), np.full((len(METHODS), seeds), np.inf)
    loss, _ = regression_problem(pr.n, pr.p, rho=pr.rho, rng=pr.seed)
    lam, D = pr.lam, pr.D

    def record(m, s, w, sec):
        objectives[m, s], seconds[m, s] = _objective(loss, w, lam, D), sec

    for m, how in enumerate(("zero", "lasso", "path", "depth")):
        record(m, 0, *_timed(_fit_lq_from, loss, lam, D, how, tol))
    n_dwf = len(_DWF_INITS)
    if not math.isinf(D):
        for d, (_, scheme, sigma) in enumerate(_DWF_INITS):
            for s in range(seeds):
                f0 = init_factors(pr.p, D, scheme, sigma(pr.p), rng=s)
                fit, sec = _timed(fit_factorized, loss, lam, D, f0, polish=False)
                record(4 + d, s, fit.w, sec)
                polished, sec2 = _timed(fit_lq, loss, lam, D, fit.w, tol=tol)
                record(4 + n_dwf + d, s, polished.w, sec + sec2)
    if skglm and _skglm_penalty(D, lam) is not None:
        lasso = fit_lq(loss, lam, 2, tol=tol).w
        _skglm(loss, lam, D, lasso, tol)  # compile skglm's kernels outside the timing
        record(len(METHODS) - 2, 0, *_timed(_skglm, loss, lam, D, lasso, tol))
        record(len(METHODS) - 1, 0, *_timed(_skglm, loss, lam, D, np.zeros(pr.p), tol))
    return objectives, seconds


@single_threaded_blas
def which_minimum(problems=None, *, seeds=3, tol=1e-10, skglm=True, progress=False) -> MinimaStudy:
    """Run every method of :data:`METHODS` on every problem; the objectives they reach.

    Parameters
    ----------
    problems : sequence of StudyProblem, optional
        Default: :func:`study_problems` ``()``.
    seeds : int >= 1
        Runs of each DWF initialization per problem (seeds ``0, …, seeds − 1``).
    tol : float > 0
        Stopping tolerance of ``fit_lq`` and skglm (``fit_factorized`` runs L-BFGS until its line
        search stalls, without the Newton polish).
    skglm : bool
        Run skglm where it has the penalty (when it is installed; its first call per penalty compiles
        Numba kernels, about ten seconds).
    progress : bool
        A tqdm bar over the problems.

    Returns
    -------
    MinimaStudy
    """
    skglm, progress = v.flag(skglm, "skglm"), v.flag(progress, "progress")
    if problems is None:
        problems = study_problems()
    elif not isinstance(problems, (list, tuple)) or not all(isinstance(pr, StudyProblem) for pr in problems):
        raise TypeError("problems must be a sequence of StudyProblem (or None for the default study)")
    problems = tuple(problems)
    if not problems or not all(isinstance(pr, StudyProblem) for pr in problems):
        raise TypeError("problems must be a non-empty sequence of StudyProblem")
    seeds = v.whole_number(seeds, "seeds", 1)
    tol = v.positive(tol, "tol")
    iterator = problems
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(problems, desc="which minimum", unit="problem")
    runs = [_run_problem(pr, seeds, tol, bool(skglm)) for pr in iterator]
    return MinimaStudy(problems, METHODS, np.array([r[0] for r in runs]), np.array([r[1] for r in runs]))
