"""Benchmark: ``fit_lq`` (coordinate descent) against scikit-learn's Lasso (D = 2) and skglm (D = 3, 4).

Problems: ``y = X w* + 0.5 ε`` with ``n × p ∈ {200 × 500, 500 × 2000, 1000 × 10000}``, standard
normal columns that are independent or AR(1)-correlated (``corr(X_j, X_k) = 0.5^{|j−k|}``), 10
true nonzeros ``±U(1, 2)``, ``λ = 0.1`` (``dwf_theory.minima.regression_problem``). Objective
``‖Xw − y‖²/(2n) + λ Σ|w_j|^{2/D}``, no intercept.

* ``D = 2``: ``fit_lq(LeastSquares(X, y), λ, 2)`` against ``sklearn.linear_model.Lasso(alpha=λ)``.
* ``D = 3, 4``: ``fit_lq(LeastSquares(X, y), λ, D)`` (its default start: the Lasso solution,
  included in its time) against skglm's ``AndersonCD`` with ``L2_3`` / ``L0_5`` started from
  skglm's own Lasso solution (``L1`` penalty, same solver), its time including that Lasso fit.
* ``D = inf``: ``fit_lq`` alone (no peer has the L0 penalty with this solver).
* Path: ``lq_path`` over 50 ``λ`` from ``λ_max`` down to ``λ = 0.1`` (D = 3) against one fit.

Tolerances: ``fit_lq`` stops at a coordinate-wise violation ``<= 1e-10`` (its default), skglm at a
violation ``<= 1e-10`` (the same measure), scikit-learn at a duality gap ``<= 1e-10 ‖y‖²/n``;
so each objective is accurate to about 1e-10. Times: best of several repeats after one warm-up
run (which also compiles skglm's Numba kernels), everything on one BLAS thread (threadpoolctl).
The machine may be shared: the best of repeats is the least disturbed run.

Targets (issue 15): time at most 2× the peer's; objective at most the peer's + 1e-9 relative;
1000 × 10000 under 1 s; a 50-λ path under 5× one fit.

Run: ``python benchmarks/bench_lq.py [--quick]`` or ``dwf-theory bench lq [--quick]``.
skglm and scikit-learn are in the ``dev`` extra (``pip install -e .[dev]``).
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from dwf_theory.equivalence import fit_lq
from dwf_theory.losses import LeastSquares
from dwf_theory.lq_solver import lq_lambda_max, lq_path, penalty_value
from dwf_theory.minima import regression_problem

LAM, TOL, K, NOISE = 0.1, 1e-10, 10, 0.5
SIZES = ((200, 500), (500, 2000), (1000, 10000))
RHOS = (0.0, 0.5)


def objective(X, y, w, D) -> float:
    r = X @ w - y
    return float(r @ r) / (2 * X.shape[0]) + LAM * penalty_value(w, D)


def best_time(repeats: int, fn, *args):
    """``(fn(*args), best seconds)`` over ``repeats`` runs after one warm-up run."""
    out = fn(*args)
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - t0)
    return out, best


def ours(X, y, D):
    return fit_lq(LeastSquares(X, y), LAM, D).w


def sklearn_lasso(X, y):
    from sklearn.linear_model import Lasso

    return Lasso(alpha=LAM, fit_intercept=False, tol=TOL, max_iter=100_000).fit(X, y).coef_


def skglm_warm(X, y, D):
    """skglm's Lasso, then its ``L2_3`` (D = 3) or ``L0_5`` (D = 4) from there: the peer's best practice."""
    from skglm.datafits import Quadratic
    from skglm.penalties import L0_5, L1, L2_3
    from skglm.solvers import AndersonCD

    solver = AndersonCD(tol=TOL, fit_intercept=False, max_iter=1000)
    w = solver.solve(X, y, Quadratic(), L1(LAM))[0]
    penalty = {3: L2_3, 4: L0_5}[D](LAM)
    return solver.solve(X, y, Quadratic(), penalty, w_init=w.copy(), Xw_init=X @ w)[0]


def peers_available() -> bool:
    try:
        import skglm  # noqa: F401
    except ImportError:
        return False
    return True


def run(sizes, repeats: int) -> list[dict]:
    rows = []
    have_skglm = peers_available()
    for n, p in sizes:
        for rho in RHOS:
            loss, _ = regression_problem(n, p, rho=rho, k=K, noise=NOISE, rng=0)
            X, y = loss.X, loss.y
            reps = repeats if n * p < 10**7 else max(1, repeats // 2)
            for D in (2, 3, 4, math.inf):
                w, t = best_time(reps, ours, X, y, D)
                row = {
                    "n": n,
                    "p": p,
                    "rho": rho,
                    "D": D,
                    "t_ours": t,
                    "obj_ours": objective(X, y, w, D),
                    "nnz": int(np.count_nonzero(w)),
                    "peer": None,
                }
                if D == 2:
                    wp, tp = best_time(reps, sklearn_lasso, X, y)
                    row.update(peer="scikit-learn Lasso", t_peer=tp, obj_peer=objective(X, y, wp, D))
                elif D in (3, 4) and have_skglm:
                    wp, tp = best_time(reps, skglm_warm, X, y, D)
                    name = {3: "skglm L2_3", 4: "skglm L0_5"}[D]
                    row.update(peer=f"{name} from its Lasso", t_peer=tp, obj_peer=objective(X, y, wp, D))
                rows.append(row)
                print(_line(row), flush=True)
    return rows


def run_path(n, p, repeats: int) -> dict:
    loss, _ = regression_problem(n, p, rho=0.0, k=K, noise=NOISE, rng=0)
    X, y = loss.X, loss.y
    lams = np.geomspace(lq_lambda_max(X, y, 3), LAM, 50)
    path, t_path = best_time(repeats, lambda: lq_path(X, y, 3, lams=lams))
    _, t_one = best_time(repeats, ours, X, y, 3)
    return {"n": n, "p": p, "t_path": t_path, "t_one": t_one, "converged": bool(path.converged.all())}


def _fmt_t(t: float) -> str:
    return f"{t * 1e3:.1f} ms" if t < 1 else f"{t:.2f} s"


def _line(r: dict) -> str:
    D = "∞" if math.isinf(r["D"]) else int(r["D"])
    design = "independent" if r["rho"] == 0 else f"AR(1) ρ = {r['rho']}"
    head = f"| {r['n']} × {r['p']} | {design} | {D} | {_fmt_t(r['t_ours'])} | {r['nnz']} |"
    if r["peer"] is None:
        return head + f" — | — | — | {r['obj_ours']:.10g} | — |"
    ratio = r["t_ours"] / r["t_peer"]
    rel = (r["obj_ours"] - r["obj_peer"]) / abs(r["obj_peer"])
    ok = "yes" if ratio <= 2 and rel <= 1e-9 else "**no**"
    return head + f" {r['peer']} | {_fmt_t(r['t_peer'])} | {ratio:.2f} | {r['obj_ours']:.10g} | {rel:+.1e} | {ok} |"


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 × 500 only, fewer repeats")
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats per measurement (best is kept)")
    args = parser.parse_args(argv)
    sizes = SIZES[:1] if args.quick else SIZES
    repeats = args.repeats or (2 if args.quick else 7)
    if not peers_available():
        print("skglm is not installed (pip install skglm): D = 3, 4 run without a peer")
    print(f"λ = {LAM}, {K} true nonzeros, noise {NOISE}, tol {TOL}, one BLAS thread, best of {repeats} repeats")
    print(
        "| n × p | design | D | fit_lq | nonzeros | peer | peer time | time ratio | objective (ours) | "
        "objective: (ours − peer)/peer | target met |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NumbaPerformanceWarning from skglm
        rows = run(sizes, repeats)
        n, p = sizes[-1]
        path = run_path(n, p, max(1, repeats // 2))
    print(
        f"\npath (D = 3, {n} × {p}, 50 λ from λ_max to {LAM}): {_fmt_t(path['t_path'])}, one fit "
        f"{_fmt_t(path['t_one'])}: {path['t_path'] / path['t_one']:.1f}× (target ≤ 5×), "
        f"all converged: {path['converged']}"
    )
    big = [r for r in rows if r["n"] * r["p"] >= 10**7]
    if big:
        worst = max(r["t_ours"] for r in big)
        print(f"largest problem: slowest fit_lq {_fmt_t(worst)} (target < 1 s)")
    return rows


if __name__ == "__main__":
    main()
