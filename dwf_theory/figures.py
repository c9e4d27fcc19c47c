"""One function per figure; ``dwf-theory figures`` writes them all.

Every figure function takes ``quick`` (small grids, for tests) and returns a
``matplotlib.figure.Figure``; it only calls the computing modules and draws.
:func:`write_all` saves each as PNG (for the README) and PDF (for papers) with
fixed metadata, so the output is deterministic. This is the only module that
imports Matplotlib.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .prox import prox  # noqa: E402

FIGURES: dict[str, Callable[[bool], "matplotlib.figure.Figure"]] = {}

_STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "font.size": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "dwf-theory",
}


def figure(name: str):
    """Register the decorated ``fn(quick) -> Figure`` under the file stem ``name``."""

    def register(fn):
        if name in FIGURES:
            raise ValueError(f"figure {name!r} registered twice")
        FIGURES[name] = fn
        return fn

    return register


def write_all(out, quick: bool = False, names=None, progress: bool = True) -> list[Path]:
    """Write the named figures (all when ``None``) to ``out`` as PNG and PDF; return the paths."""
    out = Path(out)
    if names is None:
        names = list(FIGURES)
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        raise ValueError(f"names must be registered figures; unknown: {unknown}; known: {sorted(FIGURES)}")
    out.mkdir(parents=True, exist_ok=True)
    iterator = names
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(names, desc="figures", unit="fig")
    paths = []
    for name in iterator:
        with plt.rc_context(_STYLE):
            fig = FIGURES[name](quick)
            for ext, meta in (("png", {"Software": None}), ("pdf", {"CreationDate": None, "ModDate": None})):
                path = out / f"{name}.{ext}"
                fig.savefig(path, metadata=meta, bbox_inches="tight")
                paths.append(path)
            plt.close(fig)
    return paths


def default_out() -> Path:
    """``figures/`` beside the package in a source checkout, else ``./figures``."""
    repo = Path(__file__).resolve().parent.parent
    if (repo / "pyproject.toml").exists() and os.access(repo, os.W_OK):
        return repo / "figures"
    return Path("figures")


# --------------------------------------------------------------------------- #
# Theory core: thresholding and penalties
# --------------------------------------------------------------------------- #


@figure("prox_curves")
def prox_curves(quick: bool = False):
    """prox(z; λ, D) for D = 1, 2, 3, 4, ∞ at λ = 1, with τ marked (THEORY.md §3)."""
    lam = 1.0
    z = np.linspace(-4, 4, 401 if quick else 4001)
    fig, ax = plt.subplots(figsize=(5.2, 4.0))
    for D, label in ((1, "D=1 (ridge)"), (2, "D=2 (soft)"), (3, "D=3"), (4, "D=4"), (np.inf, "D=∞ (hard)")):
        p = prox(z, lam, float(D) if np.isinf(D) else D)
        p = np.where(np.abs(np.diff(p, prepend=p[0])) > 0.5, np.nan, p)  # break the jump
        ax.plot(z, p, label=label, lw=1.6)
    ax.plot(z, z, color="0.6", lw=0.8, ls=":", label="identity")
    ax.set(xlabel="z", ylabel="prox(z; λ=1, D)", title=r"Thresholding operator of $\lambda|w|^{2/D}$")
    ax.legend(frameon=False)
    return fig


@figure("penalty_shapes")
def penalty_shapes(quick: bool = False):
    """The penalty |w|^{2/D} for D = 1..6 and the L0 limit (THEORY.md §2)."""
    w = np.linspace(-2, 2, 401 if quick else 2001)
    fig, ax = plt.subplots(figsize=(5.2, 4.0))
    for D in range(1, 7):
        ax.plot(w, np.abs(w) ** (2.0 / D), label=rf"D={D}: $|w|^{{2/{D}}}$", lw=1.4)
    ax.plot(w, (w != 0).astype(float), color="k", lw=1.0, ls="--", label="L0 (D→∞)")
    ax.set(xlabel="w", ylabel="penalty", ylim=(0, 2.2), title="Collapsed penalty of a depth-D factorization")
    ax.legend(frameon=False, fontsize=7)
    return fig


# --------------------------------------------------------------------------- #
# Dynamics (figures of the dynamics issue go here)
# --------------------------------------------------------------------------- #

from . import dynamics as _dyn  # noqa: E402
from .landscape import max_stable_lr as _max_stable_lr  # noqa: E402
from .losses import Scalar as _ScalarLoss  # noqa: E402
from .penalty import balanced_factors as _balanced_factors  # noqa: E402


@figure("dynamics_hyperbolas")
def dynamics_hyperbolas(quick: bool = False):
    """D = 2 factor-plane flows for ½(ω₁ω₂ − 1)²: on the conserved hyperbolas at λ = 0, collapsing under λ > 0 (§4)."""
    z = 1.0
    angles = np.linspace(0.05, 2 * np.pi - 0.05, 10 if quick else 16)
    starts = np.stack([1.6 * np.cos(angles), 1.6 * np.sin(angles)])  # (2, n) factors
    t = np.linspace(0, 6, 60 if quick else 400)
    g = np.linspace(-2.2, 2.2, 201)
    A, B = np.meshgrid(g, g)
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 4.3), sharey=True)
    for ax, lam in zip(axes, (0.0, 0.4), strict=True):
        tr = _dyn.factor_flow(_ScalarLoss(np.full(angles.size, z)), starts, lam, t)
        ax.contour(A, B, A**2 - B**2, levels=np.linspace(-4, 4, 17), colors="0.8", linewidths=0.6)
        ax.contour(A, B, A * B, levels=[z], colors="k", linewidths=1.2, linestyles="--")
        ax.plot(g, g, color="0.5", lw=0.8, ls=":")
        ax.plot(g, -g, color="0.5", lw=0.8, ls=":")
        for j in range(angles.size):
            ax.plot(tr.factors[:, 0, j], tr.factors[:, 1, j], lw=1.3)
            ax.plot(*tr.factors[0, :, j], "o", ms=3, color="0.3")
            ax.plot(*tr.factors[-1, :, j], "s", ms=3.5, color="k")
        title = "λ = 0: ω₁² − ω₂² conserved" if lam == 0 else f"λ = {lam}: imbalance decays as e^(−2λt)"
        ax.set(xlabel="ω₁", title=title, xlim=(-2.2, 2.2), ylim=(-2.2, 2.2), aspect="equal")
    axes[0].set_ylabel("ω₂")
    fig.suptitle("Gradient flow of ½(ω₁ω₂ − 1)² + (λ/2)(ω₁² + ω₂²); dashed: ω₁ω₂ = 1, dotted: balanced", fontsize=9)
    return fig


@figure("dynamics_depth")
def dynamics_depth(quick: bool = False):
    """w(t) of the balanced scalar flow for D = 1..6 from w0 = 0.001 to z = 1 (λ = 0): depth delays escape (§4)."""
    t = np.concatenate([[0.0], np.geomspace(1e-2, 1e3, 80 if quick else 600)])
    fig, ax = plt.subplots(figsize=(5.6, 4.0))
    for D in range(1, 7):
        tr = _dyn.collapsed_flow(_ScalarLoss(np.ones(1)), np.array([1e-3]), 0.0, D, t)
        ax.plot(tr.t[1:], tr.w[1:, 0], label=f"D={D}", lw=1.5)
    title = r"Balanced flow $dw/dt = D|w|^{2-2/D}(1 - w)$, $w(0) = 0.001$"
    ax.set(xscale="log", xlabel="t", ylabel="w(t)", ylim=(0, 1.05), title=title)
    ax.legend(frameon=False)
    return fig


@figure("escape_time")
def escape_time(quick: bool = False):
    """Time to reach z/2 from a balanced start w0 (λ = 0), log–log, with the fitted exponents (§4; claim C25)."""
    w0 = 10.0 ** -np.arange(2.0, 9.0 if quick else 13.0, 1.0 if quick else 0.5)
    fig, ax = plt.subplots(figsize=(5.6, 4.2))
    for D in range(2, 7):
        T = _dyn.escape_times(w0, 1.0, D)
        slope = _dyn.escape_exponent(w0, T, D)
        label = f"D=2: T ≈ {slope:.3f}·log(1/w0)" if D == 2 else f"D={D}: slope {slope:.4f} (theory {-(1 - 2 / D):.4f})"
        ax.plot(w0, T, "o-", ms=3, lw=1.2, label=label)
    ax.set(xscale="log", yscale="log", xlabel="initial weight w0", ylabel="time to reach 1/2")
    ax.set_title(r"Escape from a small balanced start: $\log(1/w_0)$ for D=2, $w_0^{-(1-2/D)}$ for D≥3")
    ax.legend(frameon=False, fontsize=7)
    return fig


@figure("gd_stability_edge")
def gd_stability_edge(quick: bool = False):
    """Gradient descent near a balanced minimum just below and above η = 2/λ_max (D = 3; §4, claim C27)."""
    z, lam, D = 2.0, 0.3, 3
    w = float(prox(z, lam, D))
    edge = _max_stable_lr(w, lam, D)
    fr = np.array([0.9, 0.99, 1.01, 1.1])
    f0 = _balanced_factors(np.full(fr.size, w), D) * (1 + 1e-3 * np.array([[1.0], [-0.5], [0.3]]))
    steps = 300 if quick else 1500
    tr = _dyn.gradient_descent(_ScalarLoss(np.full(fr.size, z)), f0, lam, edge * fr, steps)
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.8))
    for j, f in enumerate(fr):
        axes[0].semilogy(tr.t, np.abs(tr.w[:, j] - w) + 1e-300, lw=1.0, label=f"η = {f:g}·2/λ_max")
        axes[1].plot(tr.t[-60:], tr.w[-60:, j], ".-", ms=3, lw=0.6, label=f"η = {f:g}·2/λ_max")
    axes[0].set(xlabel="step", ylabel="|w − w*|", ylim=(1e-17, 1e1), title=f"D={D}, λ={lam}, z={z}: distance to w*")
    axes[1].axhline(w, color="k", lw=0.8, ls="--")
    axes[1].set(xlabel="step", ylabel="w", title="last 60 steps: convergence vs period-2 oscillation")
    axes[0].legend(frameon=False, fontsize=7)
    return fig


# --------------------------------------------------------------------------- #
# Initialization and phase diagrams (figures of that issue go here)
# --------------------------------------------------------------------------- #

from matplotlib.colors import BoundaryNorm as _BoundaryNorm  # noqa: E402
from matplotlib.colors import ListedColormap as _ListedColormap  # noqa: E402
from matplotlib.patches import Patch as _Patch  # noqa: E402

from . import initialization as _init  # noqa: E402
from . import phase as _phase  # noqa: E402

_PHASE_COLORS = {
    "diverged": "#d62728",
    "zero": "#7f7f7f",
    "nonzero": "#2ca02c",
    "not converged": "#f2d16b",
    "zero only": "#bdbdbd",
    "zero global, nonzero local": "#9ecae1",
    "nonzero global": "#31a354",
}


def _draw_labels(ax, pd, legend: bool = True):
    """Categorical image of a PhaseDiagram's labels on its (x, y) grid (log axes when positive)."""
    colors = [_PHASE_COLORS[n] for n in pd.names]
    cmap = _ListedColormap(colors)
    norm = _BoundaryNorm(np.arange(len(colors) + 1) - 0.5, len(colors))
    ax.pcolormesh(pd.x, pd.y, pd.labels, cmap=cmap, norm=norm, shading="nearest", rasterized=True)
    if legend:
        handles = [_Patch(color=c, label=n) for n, c in zip(pd.names, colors, strict=True)]
        ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.85)


@figure("init_lr_phase")
def init_lr_phase_figure(quick: bool = False):
    """Where GD from the balanced start ω_d = α ends, over (α, η), for D = 2, 3, 4 (scalar z = 1, λ = 0.1).

    Overlays: 2/λ_max at the nonzero minimum (dashed), the balanced map's edge 2/h (dotted),
    the origin's basin edge (black) and, for D ≥ 3, the saddle α_s (gradient-flow limit).
    """
    n, steps = (48, 600) if quick else (256, 2000)
    alphas, lrs = np.logspace(-2, 0.5, n), np.logspace(-2, 1, n)
    fig, axes = plt.subplots(1, 3, figsize=(13.5, 4.3), sharey=True)
    for ax, D in zip(axes, (2, 3, 4), strict=True):
        pd = _phase.init_lr_phase(_ScalarLoss(1.0), 0.1, D, alphas, lrs, steps)
        _draw_labels(ax, pd, legend=D == 2)
        ov = pd.overlays
        if np.isfinite(ov["max_stable_lr"]):
            ax.axhline(ov["max_stable_lr"], color="k", ls="--", lw=1.0, label="2/λ_max at w*")
        if np.isfinite(ov["balanced_stable_lr"]) and ov["balanced_stable_lr"] > ov["max_stable_lr"] * (1 + 1e-9):
            ax.axhline(ov["balanced_stable_lr"], color="k", ls=":", lw=1.0, label="2/h (balanced)")
        if np.any(np.isfinite(ov["basin_edge"])):
            ax.plot(ov["basin_edge"], lrs, color="k", lw=1.4, label="origin's basin edge")
        if np.isfinite(ov["saddle_alpha"]):
            ax.axvline(ov["saddle_alpha"], color="w", ls="-.", lw=0.9, label="saddle α_s")
        ax.set(xscale="log", yscale="log", xlabel="α (balanced start ω_d = α)", title=f"D = {D}")
        ax.grid(False)
        if D == 3:  # the label colours are in the legend of the first panel
            ax.legend(loc="upper right", fontsize=7, framealpha=0.85)
    axes[0].set_ylabel("learning rate η")
    fig.suptitle(f"Gradient descent on ½(ω_1⋯ω_D − 1)² + (0.1/D)Σω_d², {steps} steps", y=1.02)
    return fig


@figure("product_densities")
def product_densities_figure(quick: bool = False):
    """Exact density of the VarMatch product for D = 1..5 (σ_w = 1), log scale, with Monte Carlo histograms."""
    rng = np.random.default_rng(5)
    n_mc = 20_000 if quick else 400_000
    x = np.linspace(0.01, 8.0, 120 if quick else 600)
    bins = np.linspace(-8, 8, 81 if quick else 161)
    centers = 0.5 * (bins[1:] + bins[:-1])
    fig, ax = plt.subplots(figsize=(6.2, 4.4))
    for D in range(1, 6):
        p = _init.product_density(x, D, 1.0)
        (line,) = ax.plot(np.concatenate([-x[::-1], x]), np.concatenate([p[::-1], p]), lw=1.5,
                          label=f"D={D} (kurtosis {3**D})")
        w = np.prod(_init.init_factors(n_mc, D, "varmatch", 1.0, rng=rng), axis=0)
        hist, _ = np.histogram(w, bins=bins, density=True)
        ok = hist > 0
        ax.plot(centers[ok], hist[ok], ".", ms=2.5, color=line.get_color(), alpha=0.7)
    ax.set(yscale="log", ylim=(1e-6, 20), xlim=(-8, 8), xlabel="w = ω_1⋯ω_D",
           ylabel="density", title="VarMatch products (Var w = 1): exact Meijer-G density, dots: Monte Carlo")
    ax.legend(frameon=False, fontsize=8)
    return fig


@figure("threshold_phase")
def threshold_phase_figure(quick: bool = False):
    """Regions of ½(w−z)² + λ|w|^{2/D} in (z, λ) for D = 2, 3, 5, with τ(λ) and z_exist(λ)."""
    lams = np.linspace(0.0, 1.0, 80 if quick else 400)
    zs = np.linspace(-3.0, 3.0, 120 if quick else 600)
    fig, axes = plt.subplots(1, 3, figsize=(13.5, 4.2), sharey=True)
    for ax, D in zip(axes, (2, 3, 5), strict=True):
        pd = _phase.threshold_phase(D, lams, zs)
        _draw_labels(ax, pd, legend=D == 5)
        for sign in (-1, 1):
            ax.plot(sign * pd.overlays["tau"], lams, color="k", lw=1.2, label="τ (threshold)" if sign > 0 else None)
            if D >= 3:
                ax.plot(sign * pd.overlays["z_exist"], lams, color="k", lw=1.0, ls="--",
                        label="z_exist" if sign > 0 else None)
        ax.set(xlabel="z", title=f"D = {D}")
        ax.grid(False)
        if D == 3:
            ax.legend(loc="upper center", fontsize=7, framealpha=0.85)
    axes[0].set_ylabel("λ")
    fig.suptitle(r"Minima of $\frac{1}{2}(w-z)^2 + \lambda|w|^{2/D}$", y=1.02)
    return fig


@figure("sparsity_phase")
def sparsity_phase_figure(quick: bool = False):
    """Fraction of exact zeros of the L_{2/D} fit on a sparse regression, over (D, λ)."""
    n, p, k = (40, 20, 4) if quick else (100, 60, 8)
    loss, _ = _phase.sparse_regression(n, p, k, rng=11)
    Ds = [1, 2, 3, 4, 6] if quick else [1, 2, 3, 4, 5, 6, 8, 10]
    lams = np.logspace(-3, 0, 6 if quick else 16)
    sp = _phase.sparsity_phase(loss, Ds, lams)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11.0, 4.2))
    mesh = ax.pcolormesh(lams, np.arange(len(Ds)), sp.zero_fraction, shading="nearest", cmap="viridis",
                         vmin=0, vmax=1, rasterized=True)
    ax.set(xscale="log", yticks=np.arange(len(Ds)), yticklabels=[str(d) for d in Ds], xlabel="λ", ylabel="D",
           title=f"exact zeros of ŵ (n={n}, p={p}, {k} true nonzeros)")
    ax.grid(False)
    fig.colorbar(mesh, ax=ax, label="fraction of exact zeros")
    for i, D in enumerate(Ds):
        ax2.plot(lams, sp.zero_fraction[i], marker="o", ms=3, label=f"D={D}")
    ax2.axhline(1 - k / p, color="k", ls=":", lw=1, label="true sparsity")
    ax2.set(xscale="log", xlabel="λ", ylabel="fraction of exact zeros", ylim=(-0.03, 1.03),
            title="deeper factorizations zero out more at small λ")
    ax2.legend(frameon=False, fontsize=7, ncol=2)
    return fig


@figure("mass_near_zero")
def mass_near_zero_figure(quick: bool = False):
    """P(|w| < ε) for VarMatch products against D (exact, with Monte Carlo), for several ε/σ_w."""
    Ds = np.arange(1, 11 if quick else 13)
    rng = np.random.default_rng(9)
    n_mc = 20_000 if quick else 200_000
    fig, ax = plt.subplots(figsize=(5.6, 4.2))
    mc = {D: np.abs(np.prod(_init.init_factors(n_mc, int(D), "varmatch", 1.0, rng=rng), axis=0)) for D in Ds}
    for eps in (1e-3, 1e-2, 0.1, 0.5):
        exact = [float(_init.small_mass(eps, int(D), 1.0)) for D in Ds]
        (line,) = ax.plot(Ds, exact, marker="o", ms=3, label=f"ε = {eps:g} σ_w")
        ax.plot(Ds, [np.mean(mc[D] < eps) for D in Ds], "x", color=line.get_color(), ms=5)
    ax.set(yscale="log", xlabel="depth D", ylabel="P(|w| < ε)",
           title="VarMatch: more weights start near 0 as D grows\n(lines: exact, ×: Monte Carlo)")
    ax.legend(frameon=False, fontsize=8)
    return fig

# --------------------------------------------------------------------------- #
# Reference trainer (figures of the trainer issue go here)
# --------------------------------------------------------------------------- #



def _trainer_executor(quick: bool):
    """Quick figures run in this process; full ones on the default process pool (None)."""
    from .trainer import InlineExecutor

    return InlineExecutor() if quick else None


@figure("trainer_accuracy_compression")
def trainer_accuracy_compression(quick: bool = False):
    """(a) Test accuracy against compression ratio on digits: DWF D = 2, 3, 4 over λ vs D = 1 pruned + fine-tuned."""
    from .trainer import accuracy_vs_compression

    rows = accuracy_vs_compression(quick=quick, executor=_trainer_executor(quick), progress=False)
    fig, ax = plt.subplots(figsize=(5.4, 4.0))
    for method in sorted({r["method"] for r in rows}):
        pts = sorted((r["compression_ratio"], r["test_accuracy"]) for r in rows
                     if r["method"] == method and r["compression_ratio"] is not None)
        if pts:
            cr, acc = zip(*pts)
            ax.plot(cr, acc, marker="o" if method.startswith("DWF") else "s", lw=1.4, label=method,
                    ls="-" if method.startswith("DWF") else "--")
    tol = rows[0]["tol"] if rows else 1e-3
    ax.set(xscale="log", xlabel="compression ratio (all / nonzero weights)", ylabel="test accuracy",
           title=f"Digits, MLP {'-'.join(map(str, rows[0]['sizes'])) if rows else ''}: accuracy vs compression")
    ax.legend(frameon=False, fontsize=8, loc="lower left",
              title=f"weights with |w| ≤ {tol:g} zeroed before testing", title_fontsize=7)
    return fig


@figure("trainer_learning_phases")
def trainer_learning_phases(quick: bool = False):
    """(b) Loss, accuracy and sparsity against epoch of one D = 3 run: fitting, sparsification, stable sparse phase."""
    from .trainer import learning_phases

    h = learning_phases(quick=quick)
    ep = h.column("epoch")
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.3))
    axes[0].plot(ep, h.column("train_loss"), label="train loss")
    axes[0].plot(ep, h.column("test_loss"), label="test loss")
    axes[0].plot(ep, h.column("train_objective"), label="train objective (with penalty)", ls=":")
    axes[0].set(yscale="log", xlabel="epoch", title="loss")
    axes[1].plot(ep, h.column("train_accuracy"), label="train")
    axes[1].plot(ep, h.column("test_accuracy"), label="test")
    axes[1].plot(ep, h.column("pruned_test_accuracy"), label=f"test, |w| ≤ {h.tol:g} zeroed", ls="--")
    axes[1].set(xlabel="epoch", ylim=(0, 1.02), title="accuracy")
    axes[2].plot(ep, h.column("sparsity"), color="C3", label="sparsity")
    axes[2].set(xlabel="epoch", ylim=(0, 1.02), title=f"sparsity at tol {h.tol:g}")
    ax2 = axes[2].twinx()
    ax2.plot(ep, h.column("compression_ratio"), color="C4", ls="--", label="compression ratio")
    ax2.set(yscale="log", ylabel="compression ratio")
    ax2.grid(False)
    for ax in axes[:2]:
        ax.legend(frameon=False, fontsize=7)
    axes[2].legend(handles=axes[2].lines + ax2.lines, frameon=False, fontsize=7, loc="center right")
    sizes = "-".join(map(str, h.config["sizes"]))
    fig.suptitle(f"Learning phases, D={h.config['D']}, λ={h.config['lam']:g}, MLP {sizes}", fontsize=9)
    fig.tight_layout()
    return fig


@figure("trainer_layer_density")
def trainer_layer_density(quick: bool = False):
    """(c) Per-layer density of DWF networks at high compression: every layer keeps some weights."""
    from .trainer import layer_density

    rows = layer_density(quick=quick, executor=_trainer_executor(quick), progress=False)
    fig, ax = plt.subplots(figsize=(5.4, 3.8))
    n_layers = len(rows[0]["layer_density"])
    width = 0.8 / max(len(rows), 1)
    for i, r in enumerate(rows):
        x = np.arange(n_layers) + (i - (len(rows) - 1) / 2) * width
        cr = r["compression_ratio"]
        ax.bar(x, r["layer_density"], width, label=f"D={r['D']} (compression {'∞' if cr is None else f'{cr:.0f}'}×, "
                                                   f"acc {r['test_accuracy']:.2f})")
    sizes = rows[0]["sizes"]
    ax.set_xticks(np.arange(n_layers), [f"layer {k + 1}\n{a}×{b}" for k, (a, b) in enumerate(zip(sizes, sizes[1:]))])
    lams = ", ".join(f"D={r['D']}: {r['lam']:g}" for r in rows)
    ax.set(yscale="log", ylabel=f"density (fraction |w| > {rows[0]['tol']:g})",
           title=f"Per-layer density at high compression (λ: {lams})")
    ax.legend(frameon=False, fontsize=7)
    return fig


@figure("trainer_init_lr_regimes")
def trainer_init_lr_regimes(quick: bool = False):
    """(d) Init scale × learning rate regimes (no learning / dense fit / sparse success / divergence) per scheme."""
    from matplotlib.colors import ListedColormap

    from .trainer import init_lr_grid
    from .trainer.experiments import REGIMES

    rows = init_lr_grid(quick=quick, executor=_trainer_executor(quick), progress=False)
    schemes = list(dict.fromkeys(r["init"] for r in rows))
    scales = sorted({r["init_scale"] for r in rows})
    lrs = sorted({r["lr"] for r in rows})
    cmap = ListedColormap(["#bbbbbb", "#9ecae1", "#31a354", "#de2d26"])
    fig, axes = plt.subplots(1, len(schemes), figsize=(3.4 * len(schemes), 3.3), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, s in zip(axes, schemes):
        grid = np.full((len(scales), len(lrs)), np.nan)
        for r in rows:
            if r["init"] == s:
                grid[scales.index(r["init_scale"]), lrs.index(r["lr"])] = REGIMES.index(r["regime"])
        ax.imshow(grid, cmap=cmap, vmin=-0.5, vmax=3.5, origin="lower", aspect="auto")
        ax.set_xticks(range(len(lrs)), [f"{x:g}" for x in lrs])
        ax.set_yticks(range(len(scales)), [f"{x:g}" for x in scales])
        ax.set(xlabel="learning rate", title=s)
        ax.grid(False)
    axes[0].set_ylabel("init scale (× He σ_w)")
    from matplotlib.patches import Patch

    fig.legend(handles=[Patch(color=cmap(i), label=name) for i, name in enumerate(REGIMES)], loc="lower center",
               ncol=4, frameon=False, fontsize=8)
    fig.suptitle(f"D={rows[0]['D']}, λ={rows[0]['lam']:g}, MLP {'-'.join(map(str, rows[0]['sizes']))}, "
                 f"{rows[0]['epochs']} epochs", fontsize=9)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig
