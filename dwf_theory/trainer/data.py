"""Data sets of the trainer: scikit-learn's bundled digits, and a sparse teacher–student regression."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import _validate as v
from ..datasets import sparse_regression

__all__ = ["Split", "as_seed", "load_digits_split", "teacher_student", "MAX_SEED"]

#: Largest int seed of the trainer (scikit-learn's ``random_state`` is below 2³²).
MAX_SEED = 2**32 - 1


class Split(NamedTuple):
    """A train/test split; unpacks as ``X_train, y_train, X_test, y_test``."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def as_seed(rng) -> int:
    """An int seed from ``rng``: an int seed in ``[0, 2³² − 1]`` as it is, else one draw from the Generator
    (``None``: fresh entropy).

    The trainer hands such a seed to each random step of a run (data split, initialization,
    minibatch order), so that a run is reproduced from the seed in its summary.
    """
    gen = v.generator(rng)
    if isinstance(rng, (int, np.integer)):
        if rng > MAX_SEED:
            raise ValueError(f"rng as an int seed must lie in [0, 2**32 - 1] (scikit-learn's random_state), got {rng}")
        return int(rng)
    return int(gen.integers(MAX_SEED))


def load_digits_split(rng=0, *, test_size: float = 0.3) -> Split:
    """scikit-learn's 8×8 digits (1,797 images, 64 features, 10 classes), bundled, no download.

    Stratified split (``test_size`` of each class held out, default 70/30) by scikit-learn's
    ``train_test_split``; pixel values ``0…16`` scaled to ``[0, 1]``.

    Parameters
    ----------
    rng : numpy.random.Generator, int seed or None
        An int is scikit-learn's ``random_state`` (the split of seed 0 is scikit-learn's);
        a Generator (or ``None``, fresh entropy) supplies one draw as the ``random_state``.
    test_size : float in (0, 1)
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    random_state = as_seed(rng)
    test_size = v.real_scalar(test_size, "test_size", minimum=0.0, strict=True)
    if test_size >= 1:
        raise ValueError(f"test_size must lie in (0, 1), got {test_size}")
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=test_size, random_state=random_state, stratify=y)
    return Split(Xtr, ytr.astype(np.int64), Xte, yte.astype(np.int64))


def teacher_student(
    n_train=200, n_test=200, n_features=50, n_nonzero=5, *, noise=0.0, rng=0
) -> tuple[Split, np.ndarray]:
    """Sparse linear teacher ``y = X w* + noise · ε`` split into train and test rows (for the MSE loss).

    The rows are one :func:`dwf_theory.datasets.sparse_regression` draw with
    ``n_train + n_test`` observations: ``w*`` has ``n_nonzero`` entries ``±U(1, 2)`` at
    random positions and zeros elsewhere, ``X`` and ``ε`` are standard normal. A student
    ``MLP([n_features, 1], D, loss='mse')`` minimizes ``‖Xw − y‖²/(2n) + (λ/D)Σ_d‖ω_d‖²``,
    the depth-``D`` factorized least-squares problem.

    Parameters
    ----------
    n_train, n_test : int >= 1
    n_features : int >= 1
    n_nonzero : int, 0 <= n_nonzero <= n_features
    noise : float >= 0
        Standard deviation of the noise.
    rng : numpy.random.Generator, int seed or None

    Returns
    -------
    split : Split
    w_teacher : ndarray, shape (n_features,)
    """
    n_train = v.whole_number(n_train, "n_train", 1)
    n_test = v.whole_number(n_test, "n_test", 1)
    n_features = v.whole_number(n_features, "n_features", 1)
    n_nonzero = v.whole_number(n_nonzero, "n_nonzero", 0)
    if n_nonzero > n_features:
        raise ValueError(f"n_nonzero must be <= n_features = {n_features}, got {n_nonzero}")
    v.allocation((n_train + n_test) * n_features, "n_train, n_test and n_features")
    problem, w = sparse_regression(n_train + n_test, n_features, n_nonzero, noise=noise, rng=rng)
    X, y = problem.X, problem.y
    return Split(X[:n_train], y[:n_train], X[n_train:], y[n_train:]), w
