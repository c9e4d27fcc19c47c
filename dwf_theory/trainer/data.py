"""Data sets of the trainer: scikit-learn's bundled digits, and a sparse teacher–student regression."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import _validate as v


class Split(NamedTuple):
    """A train/test split; unpacks as ``X_train, y_train, X_test, y_test``."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def load_digits_split(seed=0, test_size: float = 0.3) -> Split:
    """scikit-learn's 8×8 digits (1,797 images, 64 features, 10 classes), bundled, no download.

    Stratified split (``test_size`` of each class held out, default 70/30) with
    ``random_state=seed``; pixel values ``0…16`` scaled to ``[0, 1]``.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    seed = v.whole_number(seed, "seed", 0)
    test_size = v.real_scalar(test_size, "test_size", minimum=0.0, strict=True)
    if test_size >= 1:
        raise ValueError(f"test_size must lie in (0, 1), got {test_size}")
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=test_size, random_state=seed, stratify=y)
    return Split(Xtr, ytr.astype(np.int64), Xte, yte.astype(np.int64))


def teacher_student(n_train=200, n_test=200, n_features=50, n_nonzero=5, noise=0.0, seed=0,
                    return_teacher: bool = False):
    """Sparse linear teacher ``y = X w* + noise`` with Gaussian ``X`` (for the MSE loss).

    ``w*`` has ``n_nonzero`` entries ``±U(1, 2)`` at random positions, zeros
    elsewhere. A student ``MLP([n_features, 1], D, loss='mse')`` is the
    depth-``D`` factorized least-squares problem of THEORY.md §1.

    Returns
    -------
    Split, and ``w*`` of shape ``(n_features,)`` when ``return_teacher``.
    """
    n_train = v.whole_number(n_train, "n_train", 1)
    n_test = v.whole_number(n_test, "n_test", 1)
    n_features = v.whole_number(n_features, "n_features", 1)
    n_nonzero = v.whole_number(n_nonzero, "n_nonzero", 0)
    if n_nonzero > n_features:
        raise ValueError(f"n_nonzero must be <= n_features = {n_features}, got {n_nonzero}")
    noise = v.real_scalar(noise, "noise", minimum=0.0)
    rng = v.generator(seed, "seed")
    w = np.zeros(n_features)
    idx = rng.choice(n_features, n_nonzero, replace=False)
    w[idx] = rng.choice([-1.0, 1.0], n_nonzero) * rng.uniform(1.0, 2.0, n_nonzero)
    X = rng.standard_normal((n_train + n_test, n_features))
    y = X @ w + noise * rng.standard_normal(n_train + n_test)
    split = Split(X[:n_train], y[:n_train], X[n_train:], y[n_train:])
    return (split, w) if return_teacher else split
