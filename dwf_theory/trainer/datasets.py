"""Classification data sets of the trainer by name; nothing is ever downloaded.

``'digits'`` ships with scikit-learn, ``'mnist1d'`` is generated offline by the ``mnist1d``
package, and ``'mnist'``, ``'fashion-mnist'`` and ``'kmnist'`` are read from a local folder
(``path=``, ``dwf-theory train --data-dir``) holding the files their publishers distribute.

>>> from dwf_theory.trainer import load_dataset
>>> data = load_dataset("digits", rng=0, validation=0.2)
>>> data.input_shape, data.n_classes, len(data.y_val)
((1, 8, 8), 10, 252)
"""

from __future__ import annotations

import functools
import gzip
import math
import os
import random
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import _validate as v
from .data import Split, as_seed, load_digits_split

__all__ = ["Dataset", "DATASETS", "load_dataset"]

#: The registry: name → one-line description (the choices of ``dwf-theory train --dataset`` come from its keys).
DATASETS = {
    "digits": "scikit-learn's bundled 8×8 handwritten digits (1,797 images, 10 classes), 70/30 stratified split",
    "mnist1d": "MNIST-1D (Greydanus 2020): 4,000 train / 1,000 test sequences of length 40, 10 classes, generated",
    "mnist": "MNIST (LeCun et al. 1998): 60,000 train / 10,000 test 28×28 handwritten digits, read from path",
    "fashion-mnist": "Fashion-MNIST (Xiao et al. 2017): 60,000 / 10,000 28×28 images of clothing, read from path",
    "kmnist": "Kuzushiji-MNIST (Clanuwat et al. 2018): 60,000 / 10,000 28×28 cursive Japanese characters, from path",
}

_BUNDLED = ("digits", "mnist1d")
_N_CLASSES = 10  # every registered set has ten classes
_SIDE = 28  # MNIST-like images are 28×28

# The IDX files of MNIST, Fashion-MNIST and KMNIST (each optionally gzipped) and their number of dimensions.
_IDX_FILES = (
    ("train-images-idx3-ubyte", 3),
    ("train-labels-idx1-ubyte", 1),
    ("t10k-images-idx3-ubyte", 3),
    ("t10k-labels-idx1-ubyte", 1),
)
_KERAS_NPZ = {"mnist": "mnist.npz"}  # Keras' single file: x_train, y_train, x_test, y_test
_KMNIST_NPZ = ("kmnist-train-imgs.npz", "kmnist-train-labels.npz", "kmnist-test-imgs.npz", "kmnist-test-labels.npz")


@dataclass(frozen=True, eq=False)
class Dataset:
    """A classification data set: train, validation and test rows, labels ``0 … n_classes − 1``.

    ``X_*`` are float64 arrays of shape ``(n, *input_shape)`` with ``input_shape`` ``(channels, length)``
    or ``(channels, height, width)``; ``y_*`` are int64 labels of shape ``(n,)``. Without a validation
    split ``X_val``, ``y_val`` have no rows. :meth:`split` hands the rows to the trainer as a
    :class:`~dwf_theory.trainer.data.Split`.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    input_shape: tuple
    n_classes: int

    def split(self, which: str = "test") -> Split:
        """The training rows and the held-out rows ``which`` (``'test'`` or ``'validation'``) as a ``Split``."""
        which = v.choice(which, "which", ("test", "validation"))
        if which == "test":
            return Split(self.X_train, self.y_train, self.X_test, self.y_test)
        if len(self.y_val) == 0:
            raise ValueError(
                f"which='validation' needs validation rows, but {self.name!r} was loaded with validation=0: "
                "pass load_dataset(..., validation=FRACTION)"
            )
        return Split(self.X_train, self.y_train, self.X_val, self.y_val)

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}: {len(self.y_train)} train, {len(self.y_val)} validation, "
            f"{len(self.y_test)} test rows; input_shape={self.input_shape}, n_classes={self.n_classes})"
        )


def load_dataset(name, rng=0, *, validation=0.0, path=None) -> Dataset:
    """The classification data set ``name`` (a key of :data:`DATASETS`), optionally with a validation split.

    - ``'digits'``: scikit-learn's 8×8 digits (UCI optical recognition of handwritten digits, Alpaydin &
      Kaynak 1998), the stratified 70/30 split of :func:`~dwf_theory.trainer.data.load_digits_split`
      (pixels ``0 … 16`` scaled to ``[0, 1]``), shape ``(n, 1, 8, 8)``.
    - ``'mnist1d'``: MNIST-1D (Greydanus, "Scaling down deep learning", 2020), 4,000 train and 1,000 test
      sequences of length 40, shape ``(n, 1, 40)``, generated offline by the ``mnist1d`` package's
      ``make_dataset`` with its default arguments ``get_dataset_args()``. The data are the package's
      default data set (its own fixed seed, 42); ``rng`` only draws the validation split. Generation
      takes a few seconds and is done once per process; it seeds the legacy global NumPy and ``random``
      generators, whose states are restored afterwards.
    - ``'mnist'`` (LeCun et al. 1998), ``'fashion-mnist'`` (Xiao, Rasul & Vollgraf 2017), ``'kmnist'``
      (Clanuwat et al. 2018): read from the folder ``path``, pixels ``0 … 255`` scaled to ``[0, 1]``,
      shape ``(n, 1, 28, 28)``. The folder holds the four IDX files ``train-images-idx3-ubyte``,
      ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each
      optionally gzipped (``.gz``), as the publishers distribute them; or, for ``'mnist'``, Keras'
      ``mnist.npz`` (arrays ``x_train``, ``y_train``, ``x_test``, ``y_test``); or, for ``'kmnist'``,
      ``kmnist-train-imgs.npz``, ``kmnist-train-labels.npz``, ``kmnist-test-imgs.npz``,
      ``kmnist-test-labels.npz`` (array ``arr_0`` each). The IDX format (magic number ``0x00000803``
      for images, ``0x00000801`` for labels, big-endian 32-bit dimensions, unsigned bytes) is that
      of the MNIST database (LeCun, Cortes & Burges); magic number, dimensions and file length are
      checked.

    The test rows are the data set's own test split. ``validation`` is the fraction of the training
    rows held out as validation rows, stratified by class (scikit-learn's ``train_test_split`` with
    ``stratify``; ``ceil(validation · n_train)`` rows); it never takes test rows. Nothing is written.

    Parameters
    ----------
    name : str
        One of ``'digits'``, ``'mnist1d'``, ``'mnist'``, ``'fashion-mnist'``, ``'kmnist'``.
    rng : numpy.random.Generator, int seed in [0, 2³² − 1] or None
        The seed (:func:`~dwf_theory.trainer.data.as_seed`) of the digits train/test split and of the
        validation split.
    validation : float in [0, 1)
        Fraction of the training rows held out; ``0``: no validation rows.
    path : str or os.PathLike, optional
        The folder of the files of ``'mnist'``, ``'fashion-mnist'``, ``'kmnist'`` (required for these,
        not accepted for the bundled ``'digits'`` and ``'mnist1d'``).

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        Unknown ``name``; ``validation`` outside ``[0, 1)``, too small to hold one row per class or
        leaving a class without a training row; ``path`` missing, given for a bundled set, not a folder,
        or lacking the expected files; a corrupted or truncated file (the message names it).
    """
    name = v.choice(name, "name", tuple(DATASETS))
    seed = as_seed(rng)
    validation = v.real_scalar(validation, "validation", minimum=0.0)
    if validation >= 1:
        raise ValueError(f"validation must be a fraction in [0, 1), got {validation!r}")
    if name in _BUNDLED:
        if path is not None:
            raise ValueError(f"path must be None for {name!r}: it ships with the package (no files are read)")
        if name == "digits":
            Xtr, ytr, Xte, yte = load_digits_split(seed)
            input_shape = (1, 8, 8)
        else:
            Xtr, ytr, Xte, yte = _mnist1d_arrays()
            input_shape = (1, Xtr.shape[1])
    else:
        Xtr, ytr, Xte, yte = _read_folder(name, _folder(path, name))
        Xtr, Xte = Xtr / 255.0, Xte / 255.0  # pixels 0 … 255 → [0, 1]
        input_shape = (1, _SIDE, _SIDE)
    Xtr = np.array(Xtr, dtype=np.float64).reshape(-1, *input_shape)  # a copy: the caches stay untouched
    Xte = np.array(Xte, dtype=np.float64).reshape(-1, *input_shape)
    ytr, yte = np.array(ytr, dtype=np.int64), np.array(yte, dtype=np.int64)
    Xtr, ytr, Xva, yva = _carve(Xtr, ytr, validation, seed)
    return Dataset(name, Xtr, ytr, Xva, yva, Xte, yte, input_shape, _N_CLASSES)


def _carve(X, y, validation: float, seed: int):
    """Hold out ``ceil(validation · n)`` training rows, stratified by class (scikit-learn's rule)."""
    if validation == 0:
        return X, y, X[:0], y[:0]
    from sklearn.model_selection import train_test_split

    n = len(y)
    n_val = math.ceil(validation * n)
    counts = np.bincount(y, minlength=_N_CLASSES)
    classes = np.flatnonzero(counts)
    if n_val < len(classes):
        raise ValueError(
            f"validation={validation!r} holds out {n_val} of {n} training rows, fewer than the {len(classes)} "
            "classes: a stratified split needs at least one row per class"
        )
    if n - n_val < len(classes):
        raise ValueError(
            f"validation={validation!r} leaves {n - n_val} of {n} training rows, fewer than the {len(classes)} "
            "classes: some class would have no training row"
        )
    single = classes[counts[classes] < 2]
    if single.size:
        raise ValueError(
            f"validation={validation!r} cannot be stratified: class(es) {single.tolist()} have a single training row"
        )
    Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=validation, random_state=seed, stratify=y)
    lost = np.setdiff1d(classes, ytr)
    if lost.size:
        raise ValueError(f"validation={validation!r} leaves class(es) {lost.tolist()} with no training row")
    return Xtr, ytr, Xva, yva


@functools.lru_cache(maxsize=1)
def _mnist1d_arrays() -> tuple:
    """MNIST-1D's default data set from ``mnist1d.data.make_dataset(get_dataset_args())``, read-only arrays.

    ``make_dataset`` seeds the legacy global generators (``np.random.seed``, ``random.seed``); their states
    are restored so that loading the data changes no other random stream of the process.
    """
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError as exc:  # pragma: no cover - mnist1d is in the dev extra
        raise ImportError("dataset 'mnist1d' needs the mnist1d package: pip install 'dwf-theory[mnist1d]'") from exc
    np_state, py_state = np.random.get_state(), random.getstate()  # noqa: NPY002 - restored, not used
    try:
        data = make_dataset(get_dataset_args())
    finally:
        np.random.set_state(np_state)  # noqa: NPY002
        random.setstate(py_state)
    arrays = (
        np.asarray(data["x"], dtype=np.float64),
        np.asarray(data["y"], dtype=np.int64),
        np.asarray(data["x_test"], dtype=np.float64),
        np.asarray(data["y_test"], dtype=np.int64),
    )
    for a in arrays:
        a.flags.writeable = False
    return arrays


def _expected_files(name: str) -> str:
    """The file layouts accepted for ``name``, in words (for error messages)."""
    idx = ", ".join(base for base, _ in _IDX_FILES)
    out = f"the IDX files {idx} (each optionally gzipped, .gz)"
    if name in _KERAS_NPZ:
        out += f"; or {_KERAS_NPZ[name]} (Keras: arrays x_train, y_train, x_test, y_test)"
    if name == "kmnist":
        out += f"; or {', '.join(_KMNIST_NPZ)} (array arr_0 each)"
    return out


def _folder(path, name: str) -> Path:
    """The existing folder ``path`` of the files of ``name``."""
    if path is None:
        raise ValueError(
            f"{name!r} is read from local files: pass path= (dwf-theory train --data-dir) naming a folder with "
            f"{_expected_files(name)}; nothing is downloaded"
        )
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike naming a folder, got {type(path).__name__}")
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise ValueError(f"path must be an existing folder, got {str(path)!r}")
    return folder


def _read_folder(name: str, folder: Path) -> tuple:
    """Images (uint8, (n, 28, 28)) and labels of the train and test split from the first complete layout."""
    found = [_find(folder, base) for base, _ in _IDX_FILES]
    if all(found):
        files = found
        arrays = [_read_idx(file, ndim) for file, (_, ndim) in zip(found, _IDX_FILES)]
    elif name in _KERAS_NPZ and (folder / _KERAS_NPZ[name]).is_file():
        files = [folder / _KERAS_NPZ[name]] * 4
        arrays = _read_npz(files[0], ("x_train", "y_train", "x_test", "y_test"))
    elif name == "kmnist" and all((folder / f).is_file() for f in _KMNIST_NPZ):
        files = [folder / f for f in _KMNIST_NPZ]
        arrays = [_read_npz(file, ("arr_0",))[0] for file in files]
    else:
        missing = [base for (base, _), file in zip(_IDX_FILES, found) if file is None]
        raise ValueError(
            f"path={str(folder)!r} lacks the files of {name!r} (missing IDX files: {', '.join(missing)}); expected "
            f"{_expected_files(name)}; nothing is downloaded"
        )
    out = []
    for images, labels, image_file, label_file in ((*arrays[0:2], *files[0:2]), (*arrays[2:4], *files[2:4])):
        out += [_checked_images(images, image_file), _checked_labels(labels, len(images), label_file)]
    return tuple(out)


def _find(folder: Path, base: str) -> Path | None:
    """``folder/base`` or else ``folder/base.gz``, whichever exists first."""
    for file in (folder / base, folder / f"{base}.gz"):
        if file.is_file():
            return file
    return None


def _read_bytes(file: Path) -> bytes:
    """The bytes of ``file``, decompressed when its name ends in ``.gz``."""
    if file.suffix != ".gz":
        return file.read_bytes()
    try:
        with gzip.open(file, "rb") as f:
            return f.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"{file}: not a readable gzip file ({exc})") from exc


def _read_idx(file: Path, ndim: int) -> np.ndarray:
    """An IDX array of unsigned bytes with ``ndim`` dimensions: images ``(n, 28, 28)`` or labels ``(n,)``.

    Layout (MNIST database, LeCun, Cortes & Burges): the magic number ``0x0000 08 ndim`` (``0x08``:
    unsigned bytes), ``ndim`` big-endian 32-bit sizes, then the data in C order.
    """
    data = _read_bytes(file)
    expected = 0x0800 | ndim
    header = 4 + 4 * ndim
    magic = int.from_bytes(data[:4], "big") if len(data) >= 4 else None
    if magic != expected:
        got = "a file shorter than 4 bytes" if magic is None else f"0x{magic:08X}"
        raise ValueError(
            f"{file}: not an IDX file of {ndim}-dimensional unsigned bytes (magic number 0x{expected:08X}, got {got})"
        )
    if len(data) < header:
        raise ValueError(f"{file}: truncated IDX header ({len(data)} bytes, {header} needed)")
    dims = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    size = math.prod(dims)
    if len(data) - header != size:
        raise ValueError(
            f"{file}: the header gives sizes {dims}, i.e. {size} data bytes, but the file holds {len(data) - header} "
            "(truncated or corrupted)"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def _read_npz(file: Path, keys: tuple) -> tuple:
    """The arrays ``keys`` of the NumPy archive ``file`` (no pickles)."""
    try:
        archive = np.load(file, allow_pickle=False)
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error) as exc:
        raise ValueError(f"{file}: not a readable .npz archive ({exc})") from exc
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{file}: holds a single array, not an .npz archive of the arrays {list(keys)}")
    with archive:
        absent = [k for k in keys if k not in archive.files]
        if absent:
            raise ValueError(f"{file}: lacks the array(s) {absent} (it holds {archive.files})")
        try:
            return tuple(archive[k] for k in keys)
        except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error) as exc:
            raise ValueError(f"{file}: a corrupted .npz archive ({exc})") from exc


def _checked_images(images: np.ndarray, file: Path) -> np.ndarray:
    """``images`` as read: unsigned bytes of shape ``(n, 28, 28)``."""
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (_SIDE, _SIDE):
        raise ValueError(
            f"{file}: expected {_SIDE}×{_SIDE} images of unsigned bytes, shape (n, {_SIDE}, {_SIDE}); "
            f"got dtype {images.dtype}, shape {images.shape}"
        )
    return images


def _checked_labels(labels: np.ndarray, n: int, file: Path) -> np.ndarray:
    """``labels`` as read: ``n`` whole numbers in ``0 … 9``."""
    if labels.dtype.kind not in "iu" or labels.shape != (n,):
        raise ValueError(
            f"{file}: expected {n} integer labels (one per image), got dtype {labels.dtype}, shape {labels.shape}"
        )
    if n and (labels.min() < 0 or labels.max() >= _N_CLASSES):
        raise ValueError(f"{file}: labels must lie in 0 … {_N_CLASSES - 1}, got {labels.min()} … {labels.max()}")
    return labels
