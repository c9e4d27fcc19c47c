"""Tests of the trainer's data sets by name (``load_dataset``).

The 28×28 sets are checked on small files the tests write themselves with an independent writer
(``struct`` big-endian headers, ``gzip.compress``, ``numpy.savez``): the loader must return exactly
the bytes written, scaled by 1/255, and fail with a message naming the file on corrupted input.
Digits are compared with :func:`load_digits_split` and scikit-learn's raw images, MNIST-1D with a
direct call of the ``mnist1d`` package's generator.
"""

from __future__ import annotations

import gzip
import math
import random
import re
import struct
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dwf_theory.cli import build_parser
from dwf_theory.trainer import DATASETS, Dataset, load_dataset, load_digits_split
from dwf_theory.trainer.data import Split, as_seed

IDX = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
KMNIST_NPZ = ("kmnist-train-imgs.npz", "kmnist-train-labels.npz", "kmnist-test-imgs.npz", "kmnist-test-labels.npz")


# An independent writer of the files the publishers distribute -------------------------------------------


def write_idx(file: Path, array: np.ndarray) -> None:
    """IDX: bytes 0, 0, 0x08 (unsigned bytes), ndim; the sizes as big-endian uint32; the data; gzipped for .gz."""
    payload = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    payload += np.ascontiguousarray(array, dtype=np.uint8).tobytes()
    file.write_bytes(gzip.compress(payload) if file.name.endswith(".gz") else payload)


def make_split(n_train: int, n_test: int, seed: int = 0, labels=None):
    """Random 28×28 uint8 images, each unique (its index in pixels 0 and 1), labels cycling through 0…9."""
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    images[:, 0, 0], images[:, 0, 1] = np.arange(n) % 256, np.arange(n) // 256
    y = rng.permutation(np.arange(n) % 10).astype(np.uint8) if labels is None else np.asarray(labels, np.uint8)
    return images[:n_train], y[:n_train], images[n_train:], y[n_train:]


def write_layout(folder: Path, arrays, layout: str, gz=(False, False, False, False)) -> None:
    """Write ``arrays`` (train images, train labels, test images, test labels) in ``layout``."""
    if layout == "idx":
        for base, array, zipped in zip(IDX, arrays, gz):
            write_idx(folder / (base + (".gz" if zipped else "")), array)
    elif layout == "keras":
        np.savez(folder / "mnist.npz", **dict(zip(("x_train", "y_train", "x_test", "y_test"), arrays)))
    elif layout == "kmnist":
        for name, array in zip(KMNIST_NPZ, arrays):
            np.savez_compressed(folder / name, array)  # a positional array is stored as arr_0
    else:  # pragma: no cover
        raise AssertionError(layout)


def assert_loaded(data: Dataset, arrays, name: str) -> None:
    """``data`` holds exactly ``arrays`` (no validation rows): pixels / 255, shape (n, 1, 28, 28)."""
    Xtr, ytr, Xte, yte = arrays
    assert data.name == name and data.input_shape == (1, 28, 28) and data.n_classes == 10
    assert data.X_train.dtype == np.float64 and data.y_train.dtype == np.int64
    assert data.X_train.shape == (len(Xtr), 1, 28, 28) and data.X_test.shape == (len(Xte), 1, 28, 28)
    assert data.X_val.shape == (0, 1, 28, 28) and data.y_val.shape == (0,)
    # exact: every pixel byte p comes back as p / 255 (float64 division is correctly rounded), and *255 undoes it
    assert np.array_equal(data.X_train[:, 0], Xtr / 255.0) and np.array_equal(data.X_test[:, 0], Xte / 255.0)
    assert np.array_equal(np.rint(data.X_train[:, 0] * 255).astype(np.uint8), Xtr)
    assert np.array_equal(data.y_train, ytr) and np.array_equal(data.y_test, yte)


# Round trips ----------------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    n_train=st.integers(0, 40),
    n_test=st.integers(0, 12),
    gz=st.tuples(st.booleans(), st.booleans(), st.booleans(), st.booleans()),
    name=st.sampled_from(["mnist", "fashion-mnist", "kmnist"]),
    seed=st.integers(0, 2**16),
)
def test_idx_files_round_trip_exactly(n_train, n_test, gz, name, seed):
    """Plain and gzipped IDX files, in any mix, come back byte for byte; nothing is written."""
    arrays = make_split(n_train, n_test, seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_layout(folder, arrays, "idx", gz)
        before = sorted(p.name for p in folder.iterdir())
        data = load_dataset(name, path=folder)
        assert sorted(p.name for p in folder.iterdir()) == before
    assert_loaded(data, arrays, name)


@pytest.mark.parametrize("name, layout", [("mnist", "keras"), ("kmnist", "kmnist")])
def test_npz_layouts_round_trip_exactly(tmp_path, name, layout):
    arrays = make_split(30, 10, seed=1)
    write_layout(tmp_path, arrays, layout)
    assert_loaded(load_dataset(name, path=str(tmp_path)), arrays, name)


def test_plain_file_wins_over_its_gz_twin_and_idx_over_npz(tmp_path):
    """With both ``f`` and ``f.gz`` present the plain file is read; the IDX layout comes before ``mnist.npz``."""
    arrays, other = make_split(30, 10, seed=2), make_split(30, 10, seed=3)
    write_layout(tmp_path, arrays, "idx")
    write_layout(tmp_path, other, "idx", gz=(True, True, True, True))
    write_layout(tmp_path, other, "keras")
    assert_loaded(load_dataset("mnist", path=tmp_path), arrays, "mnist")


# Corrupted files fail clearly ------------------------------------------------------------------------


def _corrupt(tmp_path, file: str, payload: bytes) -> None:
    write_layout(tmp_path, make_split(30, 10), "idx")
    (tmp_path / file).write_bytes(payload)


def _idx_bytes(array: np.ndarray, magic_ndim=None) -> bytes:
    ndim = array.ndim if magic_ndim is None else magic_ndim
    return struct.pack(">BBBB", 0, 0, 8, ndim) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


_GOOD_IMAGES = np.zeros((30, 28, 28), np.uint8)
_GOOD_LABELS = (np.arange(30) % 10).astype(np.uint8)
_CORRUPTIONS = {
    "labels-magic-in-image-file": (IDX[0], _idx_bytes(_GOOD_LABELS), "magic number 0x00000803"),
    "image-magic-in-label-file": (IDX[1], _idx_bytes(_GOOD_IMAGES), "magic number 0x00000801"),
    "float-type-code": (IDX[0], b"\x00\x00\x0d\x03" + _idx_bytes(_GOOD_IMAGES)[4:], "got 0x00000D03"),
    "shorter-than-magic": (IDX[0], b"\x00\x00", "shorter than 4 bytes"),
    "truncated-header": (IDX[0], _idx_bytes(_GOOD_IMAGES)[:10], "truncated IDX header"),
    "truncated-data": (IDX[0], _idx_bytes(_GOOD_IMAGES)[:-1], "truncated or corrupted"),
    "trailing-byte": (IDX[1], _idx_bytes(_GOOD_LABELS) + b"\x00", "truncated or corrupted"),
    "27x28-images": (IDX[0], _idx_bytes(np.zeros((30, 27, 28), np.uint8)), "28×28 images"),
    "label-count": (IDX[1], _idx_bytes(_GOOD_LABELS[:-1]), "expected 30 integer labels"),
    "label-10": (IDX[3], _idx_bytes(np.full(10, 10, np.uint8)), "labels must lie in 0 … 9"),
}


@pytest.mark.parametrize("case", list(_CORRUPTIONS))
def test_corrupted_idx_file_names_the_file(tmp_path, case):
    file, payload, message = _CORRUPTIONS[case]
    _corrupt(tmp_path, file, payload)
    with pytest.raises(ValueError, match=re.escape(file)) as info:
        load_dataset("fashion-mnist", path=tmp_path)
    assert message in str(info.value)


@pytest.mark.parametrize("kind", ["not-gzip", "truncated-gzip"])
def test_corrupted_gzip_names_the_file(tmp_path, kind):
    write_layout(tmp_path, make_split(30, 10), "idx", gz=(True, False, False, False))
    file = tmp_path / (IDX[0] + ".gz")
    file.write_bytes(b"not gzip at all" if kind == "not-gzip" else file.read_bytes()[:-20])
    with pytest.raises(ValueError, match=re.escape(file.name) + ".*not a readable gzip file"):
        load_dataset("mnist", path=tmp_path)


def test_corrupted_npz_names_the_file_and_the_missing_array(tmp_path):
    Xtr, ytr, Xte, yte = make_split(30, 10)
    np.savez(tmp_path / "mnist.npz", x_train=Xtr, y_train=ytr, x_test=Xte)
    with pytest.raises(ValueError, match=r"mnist\.npz: lacks the array\(s\) \['y_test'\]"):
        load_dataset("mnist", path=tmp_path)
    (tmp_path / "mnist.npz").write_bytes(b"PK\x03\x04 not really a zip archive")
    with pytest.raises(ValueError, match=r"mnist\.npz: not a readable \.npz archive"):
        load_dataset("mnist", path=tmp_path)
    with open(tmp_path / "mnist.npz", "wb") as f:
        np.save(f, Xtr)  # a single .npy array under the .npz name
    with pytest.raises(ValueError, match=r"mnist\.npz: holds a single array"):
        load_dataset("mnist", path=tmp_path)
    np.savez(tmp_path / "mnist.npz", x_train=Xtr.astype(np.float32), y_train=ytr, x_test=Xte, y_test=yte)
    with pytest.raises(ValueError, match=r"mnist\.npz: expected 28×28 images of unsigned bytes"):
        load_dataset("mnist", path=tmp_path)


# Missing files and bad arguments ----------------------------------------------------------------------


def test_missing_files_are_listed(tmp_path):
    with pytest.raises(ValueError) as info:
        load_dataset("kmnist", path=tmp_path)
    message = str(info.value)
    assert all(f in message for f in (*IDX, *KMNIST_NPZ)) and "nothing is downloaded" in message
    write_layout(tmp_path, make_split(30, 10), "idx")
    (tmp_path / IDX[2]).unlink()
    with pytest.raises(ValueError, match=f"missing IDX files: {IDX[2]}\\)"):
        load_dataset("mnist", path=tmp_path)


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist", "kmnist"])
def test_file_sets_need_a_path_and_say_which_files(name):
    with pytest.raises(ValueError, match="path=.*--data-dir") as info:
        load_dataset(name)
    assert all(f in str(info.value) for f in IDX)


def test_bad_arguments_name_the_argument(tmp_path):
    with pytest.raises(ValueError, match="name must be one of .*'digits', 'mnist1d', 'mnist', 'fashion-mnist'"):
        load_dataset("cifar10")
    with pytest.raises(TypeError, match="name"):
        load_dataset(3)
    for bundled in ("digits", "mnist1d"):
        with pytest.raises(ValueError, match=f"path must be None for '{bundled}'"):
            load_dataset(bundled, path=tmp_path)
    (tmp_path / "file").write_bytes(b"")
    for not_a_folder in (tmp_path / "file", tmp_path / "absent"):
        with pytest.raises(ValueError, match="path must be an existing folder"):
            load_dataset("mnist", path=not_a_folder)
    with pytest.raises(TypeError, match="path must be a str or os.PathLike"):
        load_dataset("mnist", path=3)
    for bad in (1.0, -0.1, math.nan, math.inf):
        with pytest.raises(ValueError, match="validation"):
            load_dataset("digits", validation=bad)
    with pytest.raises(TypeError, match="validation"):
        load_dataset("digits", validation="0.1")
    with pytest.raises(ValueError, match="rng"):
        load_dataset("digits", rng=-1)


def test_validation_that_cannot_be_stratified_is_refused(tmp_path):
    # digits: 1,257 training rows; 1e-6 holds out 1 row (< 10 classes), 0.995 leaves 6 (< 10 classes)
    with pytest.raises(ValueError, match=r"validation=1e-06 holds out 1 of 1257 training rows"):
        load_dataset("digits", validation=1e-6)
    with pytest.raises(ValueError, match=r"validation=0.995 leaves 6 of 1257 training rows"):
        load_dataset("digits", validation=0.995)
    # a class with a single training row cannot be split by class
    write_layout(tmp_path, make_split(30, 10, labels=[*(np.arange(29) % 9), 9, *range(10)]), "idx")
    with pytest.raises(ValueError, match=r"class\(es\) \[9\] have a single training row"):
        load_dataset("mnist", path=tmp_path, validation=0.5)


def test_validation_leaving_a_class_without_training_rows_is_refused(tmp_path):
    """Classes 0…8 with 2 rows each and class 9 with 100: 10 training rows of 118 go mostly to class 9."""
    labels = [*np.repeat(np.arange(9), 2), *[9] * 100]
    write_layout(tmp_path, make_split(118, 10, labels=[*labels, *range(10)]), "idx")
    with pytest.raises(ValueError, match=r"leaves class\(es\) \[.*\] with no training row"):
        load_dataset("mnist", path=tmp_path, validation=108 / 118)


# The validation split -----------------------------------------------------------------------------------


def _rows(X, y) -> list:
    """The (image bytes, label) pairs, sorted: a multiset of rows."""
    return sorted(zip((x.tobytes() for x in X), y.tolist()))


@settings(max_examples=15, deadline=None)
@given(validation=st.floats(0.02, 0.9), seed=st.integers(0, 2**32 - 1))
def test_validation_is_stratified_and_carved_from_training_rows(validation, seed):
    full = load_dataset("digits", rng=seed)
    data = load_dataset("digits", rng=seed, validation=validation)
    n = len(full.y_train)
    assert len(data.y_val) == math.ceil(validation * n) and len(data.y_train) == n - len(data.y_val)
    # stratified: each class's validation count is within one row of its share of the training rows
    share = np.bincount(full.y_train, minlength=10) / n * len(data.y_val)
    assert np.all(np.abs(np.bincount(data.y_val, minlength=10) - share) <= 1)
    # validation ∪ train is the original training set (as multisets of (row, label)); the test split is untouched
    X_union = np.concatenate([data.X_train, data.X_val])
    y_union = np.concatenate([data.y_train, data.y_val])
    assert _rows(X_union, y_union) == _rows(full.X_train, full.y_train)
    assert np.array_equal(data.X_test, full.X_test) and np.array_equal(data.y_test, full.y_test)


def test_no_test_row_in_train_or_validation(tmp_path):
    """On images that are all distinct: train, validation and test rows are disjoint."""
    write_layout(tmp_path, make_split(60, 20, seed=4), "idx")
    data = load_dataset("mnist", rng=7, path=tmp_path, validation=0.25)
    train, val, test = ({x.tobytes() for x in X} for X in (data.X_train, data.X_val, data.X_test))
    assert len(train) == 45 and len(val) == 15 and len(test) == 20
    assert not (train & val) and not (train & test) and not (val & test)


def test_rng_determines_the_split():
    a, b = load_dataset("digits", rng=5, validation=0.2), load_dataset("digits", rng=5, validation=0.2)
    c = load_dataset("digits", rng=6, validation=0.2)
    for field in ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.X_val, c.X_val)
    g = load_dataset("digits", rng=np.random.default_rng(11), validation=0.2)
    h = load_dataset("digits", rng=as_seed(np.random.default_rng(11)), validation=0.2)
    assert np.array_equal(g.X_val, h.X_val) and np.array_equal(g.X_test, h.X_test)


# The bundled sets -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 3])
def test_digits_is_load_digits_split_as_images(seed):
    from sklearn.datasets import load_digits

    data, split = load_dataset("digits", rng=seed), load_digits_split(seed)
    assert data.input_shape == (1, 8, 8) and data.X_train.shape == (1257, 1, 8, 8) and data.X_test.shape[0] == 540
    assert np.array_equal(data.X_train.reshape(-1, 64), split.X_train)
    assert np.array_equal(data.X_test.reshape(-1, 64), split.X_test)
    assert np.array_equal(data.y_train, split.y_train) and np.array_equal(data.y_test, split.y_test)
    # the 8×8 layout is scikit-learn's image layout (not transposed): each image is one of digits.images / 16
    images = {np.ascontiguousarray(im).tobytes() for im in load_digits().images / 16.0}
    assert all(np.ascontiguousarray(x[0]).tobytes() in images for x in data.X_test)
    assert not all(np.ascontiguousarray(x[0].T).tobytes() in images for x in data.X_test)


def test_mnist1d_is_the_packages_default_data_generated_offline(tmp_path, monkeypatch):
    """4,000/1,000 sequences of length 40 equal to ``make_dataset(get_dataset_args())``; no file written,
    the global random streams untouched (the package seeds them)."""
    from mnist1d.data import get_dataset_args, make_dataset

    from dwf_theory.trainer.datasets import _mnist1d_arrays

    monkeypatch.chdir(tmp_path)  # the package's download path would write ./mnist1d_data.pkl here
    _mnist1d_arrays.cache_clear()
    np.random.seed(123)  # noqa: NPY002 - the legacy global stream the package reseeds
    random.seed(123)
    np_state, py_state = np.random.get_state(), random.getstate()  # noqa: NPY002
    data = load_dataset("mnist1d", rng=0)
    after = np.random.get_state()  # noqa: NPY002
    assert after[0] == np_state[0] and np.array_equal(after[1], np_state[1]) and after[2:] == np_state[2:]
    assert random.getstate() == py_state
    assert list(tmp_path.iterdir()) == []

    reference = make_dataset(get_dataset_args())
    assert data.input_shape == (1, 40) and data.n_classes == 10
    assert data.X_train.shape == (4000, 1, 40) and data.X_test.shape == (1000, 1, 40)
    assert data.X_train.dtype == np.float64 and data.y_train.dtype == np.int64
    assert np.array_equal(data.X_train[:, 0], reference["x"]) and np.array_equal(data.y_train, reference["y"])
    assert np.array_equal(data.X_test[:, 0], reference["x_test"]) and np.array_equal(data.y_test, reference["y_test"])
    assert set(np.unique(data.y_train)) == set(range(10))

    # rng draws only the validation split: the test rows are the same for every rng
    other = load_dataset("mnist1d", rng=1, validation=0.1)
    assert len(other.y_val) == 400 and len(other.y_train) == 3600
    assert np.array_equal(other.X_test, data.X_test)
    data.X_train[...] = 0.0  # the caller owns writable arrays: the cached data stay as generated
    assert np.array_equal(load_dataset("mnist1d").X_train[:, 0], reference["x"])


# The Dataset container and the command line --------------------------------------------------------------


def test_split_hands_out_the_rows():
    data = load_dataset("digits", validation=0.2)
    test, val = data.split(), data.split("validation")
    assert isinstance(test, Split) and test.X_test is data.X_test and test.y_train is data.y_train
    assert val.X_test is data.X_val and val.y_test is data.y_val and val.X_train is data.X_train
    assert repr(data) == (
        "Dataset('digits': 1005 train, 252 validation, 540 test rows; input_shape=(1, 8, 8), n_classes=10)"
    )
    with pytest.raises(ValueError, match="which must be one of"):
        data.split("train")
    with pytest.raises(ValueError, match="which='validation' needs validation rows"):
        load_dataset("digits").split("validation")


def test_cli_accepts_every_registered_name():
    assert set(DATASETS) == {"digits", "mnist1d", "mnist", "fashion-mnist", "kmnist"}
    for name in DATASETS:
        args = build_parser().parse_args(["train", "--dataset", name, "--data-dir", "some/folder"])
        assert args.dataset == name and args.data_dir == "some/folder"
    assert build_parser().parse_args(["train"]).data_dir is None
