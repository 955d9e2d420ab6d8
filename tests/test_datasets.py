"""Tests for skdigits.datasets.

Most tests write small synthetic MNIST files (20 train / 10 test images) into
tmp_path. Tests marked ``mnist`` read full MNIST from the ``mnist_path``
fixture and are skipped without it. Nothing is ever downloaded: an autouse
fixture makes any download attempt fail the test.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import socket
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skdigits._estimators.datasets import (
    DatasetSummary,
    _base,
    _mnist,
    get_data_home,
    read_idx,
)
from skdigits.datasets import (
    ChecksumError,
    DatasetFormatError,
    DatasetNotFoundError,
    describe_dataset,
    fetch_mnist,
    fetch_mnist_or_sample,
    load_mnist_sample,
)

KEYS = ("X_train", "y_train", "X_test", "y_test")
NPZ_KEYS = dict(zip(KEYS, ("x_train", "y_train", "x_test", "y_test"), strict=True))
IDX_NAMES = {
    "X_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "X_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}

# From /work/shared/data/mnist/README.md
FULL_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
FULL_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
IMAGE0_ROW5 = [3, 18, 18, 18, 126, 136, 175, 26, 166, 255, 247, 127]

# The autouse fixture below replaces it in every test; keep the real one.
REAL_DOWNLOAD = _mnist._download_mnist


# -- synthetic files -----------------------------------------------------------------


def make_arrays(n_train: int = 20, n_test: int = 10, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "X_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(n_train) % 10).astype(np.uint8),
        "X_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(n_test)[::-1] % 10).astype(np.uint8),
    }


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file for a uint8 array, written independently of the reader."""
    assert array.dtype == np.uint8
    header = bytes([0, 0, 0x08, array.ndim])
    header += b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.tobytes()


def write_npz(path: Path, arrays: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **{NPZ_KEYS[k]: v for k, v in arrays.items()})
    return path


def write_idx_folder(
    folder: Path, arrays: dict, *, gz: bool = True, dotted: bool = False
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for key, base in IDX_NAMES.items():
        name = base.replace("-idx", ".idx") if dotted else base
        data = idx_bytes(arrays[key])
        if gz:
            (folder / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)
    return folder


def trust(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Record the synthetic files' hashes as the known ones, so that files
    with MNIST names are verified (and pass) instead of being rejected."""
    for path in folder.iterdir():
        raw = path.read_bytes()
        if path.name in _base.KNOWN_SHA256:
            digest = hashlib.sha256(raw).hexdigest()
            monkeypatch.setitem(_base.KNOWN_SHA256, path.name, frozenset({digest}))
        canonical = _base.canonical_idx_name(path.name)
        if canonical in _base.KNOWN_MD5:
            content = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
            md5 = hashlib.md5(content).hexdigest()
            monkeypatch.setitem(_base.KNOWN_MD5, canonical, md5)


def assert_same_arrays(result, arrays: dict) -> None:
    got = result if isinstance(result, tuple) else tuple(result[k] for k in KEYS)
    for key, array in zip(KEYS, got, strict=True):
        assert array.dtype == np.uint8, key
        assert_array_equal(array, arrays[key], err_msg=key)


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """No real MNIST from the environment, an empty home, and no download."""
    monkeypatch.delenv("SKDIGITS_MNIST", raising=False)
    monkeypatch.delenv("SKDIGITS_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))

    def no_download(folder):
        pytest.fail(f"fetch_mnist tried to download into {folder}")

    monkeypatch.setattr(_mnist, "_download_mnist", no_download)


@pytest.fixture
def arrays():
    return make_arrays()


# -- get_data_home -----------------------------------------------------------------


def test_get_data_home_order(monkeypatch, tmp_path):
    assert get_data_home() == tmp_path / "home" / "skdigits_data"
    monkeypatch.setenv("SKDIGITS_DATA", str(tmp_path / "env"))
    assert get_data_home() == tmp_path / "env"
    assert get_data_home(tmp_path / "arg") == tmp_path / "arg"
    assert get_data_home("~/x") == tmp_path / "home" / "x"
    monkeypatch.setenv("SKDIGITS_DATA", "")  # empty means unset
    assert get_data_home() == tmp_path / "home" / "skdigits_data"
    # Looking it up creates nothing.
    assert not (tmp_path / "home").exists()
    assert not (tmp_path / "env").exists()


# -- every reading path --------------------------------------------------------------


def test_npz_file(tmp_path, arrays):
    path = write_npz(tmp_path / "digits.npz", arrays)
    mnist = fetch_mnist(path)
    assert_same_arrays(mnist, arrays)
    assert mnist.source == str(path)
    assert mnist.image_shape == (28, 28)
    assert_array_equal(mnist.target_names, np.arange(10))
    assert len(mnist.feature_names) == 784
    assert mnist.feature_names[3 * 28 + 17] == "pixel_r03_c17"
    assert mnist.DESCR.startswith(".. _mnist_dataset:")
    assert "CC BY-SA 3.0" in mnist.DESCR


def test_return_X_y(tmp_path, arrays):
    result = fetch_mnist(write_npz(tmp_path / "d.npz", arrays), return_X_y=True)
    assert isinstance(result, tuple)
    assert len(result) == 4
    assert_same_arrays(result, arrays)


@pytest.mark.parametrize(
    ("gz", "dotted"), [(True, False), (False, False), (True, True), (False, True)]
)
def test_idx_folder(monkeypatch, tmp_path, arrays, gz, dotted):
    folder = write_idx_folder(tmp_path / "idx", arrays, gz=gz, dotted=dotted)
    trust(monkeypatch, folder)
    mnist = fetch_mnist(folder)
    assert_same_arrays(mnist, arrays)
    assert mnist.source == str(folder)


def test_idx_files_are_verified_in_folder(tmp_path, arrays):
    # Without trust(), the synthetic files carry MNIST names but not MNIST's
    # checksums.
    folder = write_idx_folder(tmp_path / "idx", arrays)
    with pytest.raises(ChecksumError, match=r"t.*-ubyte"):
        fetch_mnist(folder)
    assert_same_arrays(fetch_mnist(folder, verify_checksums=False), arrays)


def test_folder_with_mnist_npz(monkeypatch, tmp_path, arrays):
    path = write_npz(tmp_path / "data" / "mnist.npz", arrays)
    trust(monkeypatch, path.parent)
    mnist = fetch_mnist(tmp_path / "data")
    assert_same_arrays(mnist, arrays)
    assert mnist.source == str(path)


def test_folder_prefers_mnist_npz_over_idx(monkeypatch, tmp_path, arrays):
    folder = write_idx_folder(tmp_path / "data", make_arrays(seed=1))
    write_npz(folder / "mnist.npz", arrays)
    trust(monkeypatch, folder)
    mnist = fetch_mnist(folder)
    assert mnist.source == str(folder / "mnist.npz")
    assert_same_arrays(mnist, arrays)


def test_env_var(monkeypatch, tmp_path, arrays):
    path = write_npz(tmp_path / "env.npz", arrays)
    monkeypatch.setenv("SKDIGITS_MNIST", str(path))
    assert_same_arrays(fetch_mnist(), arrays)
    # An explicit path wins over the environment.
    other = make_arrays(seed=2)
    assert_same_arrays(fetch_mnist(write_npz(tmp_path / "other.npz", other)), other)


def test_env_var_folder(monkeypatch, tmp_path, arrays):
    folder = write_idx_folder(tmp_path / "idx", arrays, gz=False)
    trust(monkeypatch, folder)
    monkeypatch.setenv("SKDIGITS_MNIST", str(folder))
    assert fetch_mnist().source == str(folder)


def test_env_var_wins_over_data_home(monkeypatch, tmp_path, arrays):
    write_idx_folder(tmp_path / "home" / "skdigits_data" / "mnist", make_arrays(seed=3))
    env = write_npz(tmp_path / "env.npz", arrays)
    monkeypatch.setenv("SKDIGITS_MNIST", str(env))
    assert fetch_mnist().source == str(env)


@pytest.mark.parametrize("how", ["argument", "SKDIGITS_DATA", "HOME"])
def test_data_home(monkeypatch, tmp_path, arrays, how):
    home = {
        "argument": tmp_path / "arg",
        "SKDIGITS_DATA": tmp_path / "env",
        "HOME": tmp_path / "home" / "skdigits_data",
    }[how]
    folder = write_idx_folder(home / "mnist", arrays)
    trust(monkeypatch, folder)
    if how == "SKDIGITS_DATA":
        monkeypatch.setenv("SKDIGITS_DATA", str(home))
    mnist = fetch_mnist(data_home=home if how == "argument" else None)
    assert_same_arrays(mnist, arrays)
    assert mnist.source == str(folder)


def test_gzip_is_detected_by_content_not_name(tmp_path):
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    gz_without_suffix = tmp_path / "labels"
    gz_without_suffix.write_bytes(gzip.compress(idx_bytes(labels)))
    raw_with_suffix = tmp_path / "labels.gz"
    raw_with_suffix.write_bytes(idx_bytes(labels))
    assert_array_equal(read_idx(gz_without_suffix), labels)
    assert_array_equal(read_idx(raw_with_suffix), labels)


@pytest.mark.parametrize(
    ("type_code", "dtype"),
    [(8, ">u1"), (9, ">i1"), (11, ">i2"), (12, ">i4"), (13, ">f4"), (14, ">f8")],
)
def test_read_idx_element_types(tmp_path, type_code, dtype):
    array = np.array([[1, 2, 3], [4, 5, 127]], dtype=dtype)
    header = bytes([0, 0, type_code, 2]) + (2).to_bytes(4, "big")
    path = tmp_path / "x.idx"
    path.write_bytes(header + (3).to_bytes(4, "big") + array.tobytes())
    result = read_idx(path)
    assert result.dtype.isnative
    assert result.dtype == np.dtype(dtype).newbyteorder("=")
    assert_array_equal(result, array)
    result[0, 0] = 9  # writable, not a view of the file's bytes


# -- the bundled sample --------------------------------------------------------------


def test_load_mnist_sample():
    sample = load_mnist_sample()
    assert sample.X_train.shape == (10_000, 28, 28)
    assert sample.X_test.shape == (1_000, 28, 28)
    assert sample.y_train.shape == (10_000,)
    assert sample.y_test.shape == (1_000,)
    for key in KEYS:
        assert sample[key].dtype == np.uint8
    assert sample.X_train.max() == 255
    assert set(np.unique(sample.y_train)) == set(range(10))
    assert sample.source.startswith("bundled sample")
    assert sample.feature_names[3 * 28 + 17] == "pixel_r03_c17"
    # Positions in the full splits: increasing, so distinct, and in range.
    assert np.all(np.diff(sample.train_index) > 0)
    assert np.all(np.diff(sample.test_index) > 0)
    assert 0 <= sample.train_index[0] and sample.train_index[-1] < 60_000
    assert 0 <= sample.test_index[0] and sample.test_index[-1] < 10_000
    assert_same_arrays(load_mnist_sample(return_X_y=True), sample)


def test_sample_descr_states_its_real_counts():
    sample = load_mnist_sample()
    text = sample.DESCR
    for phrase in ("stratified", "random_state=0", "CC BY-SA 3.0", "LeCun"):
        assert phrase in text
    for split, y in (("train", sample.y_train), ("test", sample.y_test)):
        row = re.search(rf"^{split}\s+([\d ]+)$", text, flags=re.MULTILINE)
        assert row, f"no {split} row in DESCR"
        numbers = [int(n) for n in row.group(1).split()]
        assert numbers == [*np.bincount(y, minlength=10), len(y)]


def test_sample_is_stratified():
    sample = load_mnist_sample()
    share = np.bincount(sample.y_train) / len(sample.y_train)
    full_share = np.array(FULL_TRAIN_COUNTS) / 60_000
    np.testing.assert_allclose(share, full_share, atol=1e-3)
    share = np.bincount(sample.y_test) / len(sample.y_test)
    np.testing.assert_allclose(share, np.array(FULL_TEST_COUNTS) / 10_000, atol=1e-3)


def test_sample_checksum_is_verified(monkeypatch):
    monkeypatch.setattr(_mnist, "SAMPLE_SHA256", "0" * 64)
    with pytest.raises(ChecksumError, match="bundled sample is damaged"):
        load_mnist_sample()


def test_sample_file_is_small():
    path = Path(_mnist.__file__).parent / "data" / _mnist.SAMPLE_FILE
    assert path.stat().st_size < 2_000_000


# -- describe_dataset ---------------------------------------------------------------


def test_describe_dataset_figures(arrays):
    summary = describe_dataset(arrays)
    assert isinstance(summary, DatasetSummary)
    train = summary["train"]
    assert train.n_samples == 20
    assert train.image_shape == (28, 28)
    assert train.dtype == "uint8"
    assert train.pixel_min == int(arrays["X_train"].min())
    assert train.pixel_max == int(arrays["X_train"].max())
    assert train.class_counts == dict.fromkeys(range(10), 2)
    assert summary["test"].class_counts == dict.fromkeys(range(10), 1)
    assert summary.classes == list(range(10))
    with pytest.raises(KeyError):
        summary["validation"]


def test_describe_dataset_text(arrays):
    arrays["y_test"][:] = 3  # a class that only the test split has... and
    arrays["y_train"][arrays["y_train"] == 3] = 4  # ...one it lacks
    summary = describe_dataset({**arrays, "source": "here"}, title="Digits")
    text = str(summary)
    assert text == summary.to_text()
    lines = text.splitlines()
    assert lines[:2] == ["Digits", "source: here"]
    assert re.search(r"^train\s+20\s+28x28\s+uint8\s+\d+\s+\d+$", text, re.M)
    assert re.search(r"^3\s+0\s+10$", text, re.M)
    assert re.search(r"^4\s+4\s+0$", text, re.M)
    assert re.search(r"^total\s+20\s+10$", text, re.M)


def test_describe_dataset_inputs(arrays):
    as_tuple = describe_dataset(tuple(arrays[k] for k in KEYS))
    assert as_tuple == describe_dataset(arrays)
    one = describe_dataset((arrays["X_train"].reshape(20, -1), arrays["y_train"]))
    assert [s.name for s in one.splits] == ["data"]
    assert one["data"].image_shape == (784,)
    with pytest.raises(ValueError, match="no 'y_test'"):
        describe_dataset({"X_train": 1, "y_train": 1, "X_test": 1})
    with pytest.raises(TypeError, match="must be a Bunch"):
        describe_dataset(arrays["X_train"])
    with pytest.raises(ValueError, match="one label per image"):
        describe_dataset((arrays["X_train"], arrays["y_test"]))


# -- errors --------------------------------------------------------------------------


def _idx_case(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


LABELS = idx_bytes(np.arange(10, dtype=np.uint8))
IMAGES = idx_bytes(np.zeros((2, 28, 28), dtype=np.uint8))
# (case, file name, bytes, message regex)
BAD_IDX = [
    ("empty", "labels", b"", "too short for an IDX header"),
    ("truncated data", "images", IMAGES[:-1], r"truncated"),
    ("trailing data", "images", IMAGES + b"\0", "has trailing data"),
    ("truncated header", "images", IMAGES[:10], "truncated IDX header"),
    ("wrong magic", "labels", b"\x00\x01" + LABELS[2:], "magic number 0x00010801"),
    ("unknown type", "labels", b"\0\0\x07\x01" + LABELS[4:], "magic number"),
    ("zero dims", "labels", b"\0\0\x08\0", "magic number"),
    ("png", "labels", b"\x89PNG\r\n\x1a\n", "not an IDX file"),
    ("corrupt gzip", "x.gz", gzip.compress(LABELS)[:12] + b"junk" * 4, "corrupt gzip"),
    ("truncated gzip", "x.gz", gzip.compress(IMAGES)[:-9], "corrupt gzip"),
]


@pytest.mark.parametrize(
    ("name", "data", "match"),
    [case[1:] for case in BAD_IDX],
    ids=[case[0] for case in BAD_IDX],
)
def test_read_idx_errors_name_the_file(tmp_path, name, data, match):
    path = _idx_case(tmp_path, name, data)
    with pytest.raises(DatasetFormatError, match=match) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_read_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        read_idx(tmp_path / "nope")


def _replace(arrays: dict, **changes) -> dict:
    return {**arrays, **changes}


# (case, change to the four arrays, message regex); each is written both as
# an npz and as an IDX folder, where possible.
BAD_CONTENT = [
    (
        "wrong label count",
        lambda a: _replace(a, y_train=a["y_train"][:-1]),
        "19 labels for 20 images",
    ),
    (
        "label out of range",
        lambda a: _replace(a, y_test=np.full(10, 10, np.uint8)),
        "labels must be digits 0-9, found 10",
    ),
    (
        "wrong image size",
        lambda a: _replace(a, X_test=np.zeros((10, 28, 27), np.uint8)),
        r"expected images of shape \(n, 28, 28\), got \(10, 28, 27\)",
    ),
    (
        "labels in place of images",
        lambda a: _replace(a, X_train=a["y_train"]),
        r"expected images of shape \(n, 28, 28\), got \(20,\)",
    ),
    (
        "images in place of labels",
        lambda a: _replace(a, y_test=a["X_test"]),
        r"expected labels of shape \(n,\)",
    ),
]


@pytest.mark.parametrize(
    ("change", "match"),
    [case[1:] for case in BAD_CONTENT],
    ids=[case[0] for case in BAD_CONTENT],
)
@pytest.mark.parametrize("layout", ["npz", "idx"])
def test_bad_content(tmp_path, arrays, change, match, layout):
    bad = change(arrays)
    if layout == "npz":
        location = write_npz(tmp_path / "bad.npz", bad)
    else:
        location = write_idx_folder(tmp_path / "bad", bad)
    with pytest.raises(DatasetFormatError, match=match) as info:
        fetch_mnist(location, verify_checksums=False)
    assert str(location) in str(info.value)


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("x_train", np.zeros((20, 28, 28), np.float32), "expected uint8 pixels"),
        ("y_train", np.zeros(20, np.float64), "expected integer labels"),
        ("y_test", -np.ones(10, np.int64), "found -1"),
    ],
)
def test_npz_dtypes(tmp_path, arrays, key, value, match):
    path = write_npz(tmp_path / "d.npz", arrays)
    contents = dict(np.load(path))
    contents[key] = value
    np.savez(path, **contents)
    with pytest.raises(DatasetFormatError, match=match):
        fetch_mnist(path)


def test_npz_missing_arrays_and_int64_labels(tmp_path, arrays):
    path = tmp_path / "d.npz"
    np.savez(path, x_train=arrays["X_train"], y_train=arrays["y_train"].astype(int))
    with pytest.raises(DatasetFormatError, match=r"missing arrays \['x_test', 'y_"):
        fetch_mnist(path)
    np.savez(
        path,
        **{
            NPZ_KEYS[k]: v.astype(np.int64) if k[0] == "y" else v
            for k, v in arrays.items()
        },
    )
    assert fetch_mnist(path).y_train.dtype == np.uint8


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda raw: b"hello world", "not an .npz file"),
        (lambda raw: raw[: len(raw) // 2], "corrupt .npz file"),
        (lambda raw: raw[:200] + bytes(200) + raw[400:], "corrupt .npz file"),
    ],
    ids=["not a zip", "truncated", "damaged"],
)
def test_corrupt_npz(tmp_path, arrays, make, match):
    path = write_npz(tmp_path / "d.npz", arrays)
    path.write_bytes(make(path.read_bytes()))
    with pytest.raises(DatasetFormatError, match=match) as info:
        fetch_mnist(path)
    assert str(path) in str(info.value)


# -- checksums -----------------------------------------------------------------------


def test_known_npz_name_with_other_content_is_rejected(tmp_path, arrays):
    path = write_npz(tmp_path / "mnist.npz", arrays)
    with pytest.raises(ChecksumError, match=r"mnist\.npz: sha256 [0-9a-f]{64}") as e:
        fetch_mnist(path)
    assert "verify_checksums=False" in str(e.value)
    assert_same_arrays(fetch_mnist(path, verify_checksums=False), arrays)


def test_unknown_names_cannot_be_checked(tmp_path, arrays):
    assert_same_arrays(fetch_mnist(write_npz(tmp_path / "mine.npz", arrays)), arrays)


@pytest.mark.parametrize("gz", [True, False])
def test_known_idx_name_with_other_content_is_rejected(tmp_path, gz):
    name = "train-labels-idx1-ubyte" + (".gz" if gz else "")
    data = idx_bytes(np.arange(10, dtype=np.uint8))
    path = _idx_case(tmp_path, name, gzip.compress(data) if gz else data)
    what = "decompressed content" if gz else "content"
    with pytest.raises(ChecksumError, match=f"md5 of its {what} is"):
        read_idx(path)
    assert_array_equal(read_idx(path, verify_checksum=False), np.arange(10))


def test_changed_known_checksum_is_rejected(monkeypatch, tmp_path, arrays):
    folder = write_idx_folder(tmp_path / "idx", arrays)
    trust(monkeypatch, folder)
    fetch_mnist(folder)  # passes with the right table...
    monkeypatch.setitem(_base.KNOWN_MD5, "t10k-labels-idx1-ubyte", "0" * 32)
    monkeypatch.setitem(
        _base.KNOWN_SHA256, "t10k-labels-idx1-ubyte.gz", frozenset({"0" * 64})
    )
    with pytest.raises(ChecksumError, match=r"t10k-labels-idx1-ubyte\.gz: md5"):
        fetch_mnist(folder)  # ...and fails once one entry differs


def test_gzip_wrapper_hash_settles_it_and_content_md5_is_the_fallback(
    monkeypatch, tmp_path
):
    data = idx_bytes(np.arange(10, dtype=np.uint8))
    path = _idx_case(tmp_path, "t10k-labels-idx1-ubyte.gz", gzip.compress(data))
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    md5 = hashlib.md5(data).hexdigest()
    raw = path.read_bytes()
    # Known wrapper: verified by its sha256 alone (the md5 entry is not used).
    monkeypatch.setitem(_base.KNOWN_SHA256, path.name, frozenset({sha256}))
    monkeypatch.setitem(_base.KNOWN_MD5, "t10k-labels-idx1-ubyte", "0" * 32)
    assert _base.verify_checksum(path, raw, data) == "sha256"
    # Re-compressed copy of the right content: verified by the content's md5.
    monkeypatch.setitem(_base.KNOWN_SHA256, path.name, frozenset({"0" * 64}))
    monkeypatch.setitem(_base.KNOWN_MD5, "t10k-labels-idx1-ubyte", md5)
    assert _base.verify_checksum(path, raw, data) == "md5"
    assert_array_equal(read_idx(path), np.arange(10))
    # Unknown name: nothing to check.
    assert _base.verify_checksum(tmp_path / "labels.gz", raw, data) is None


# -- not found, and downloading --------------------------------------------------------


def test_missing_path(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="does not exist") as info:
        fetch_mnist(tmp_path / "nowhere.npz")
    assert isinstance(info.value, FileNotFoundError)
    assert str(tmp_path / "nowhere.npz") in str(info.value)


def test_folder_without_mnist(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetNotFoundError, match="holds no MNIST"):
        fetch_mnist(tmp_path / "empty")


def test_folder_with_some_idx_files(tmp_path, arrays):
    folder = write_idx_folder(tmp_path / "idx", arrays)
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    (folder / "train-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DatasetNotFoundError) as info:
        fetch_mnist(folder)
    message = str(info.value)
    assert "train-images-idx3-ubyte[.gz]" in message
    assert "t10k-labels-idx1-ubyte[.gz]" in message
    assert "t10k-images" not in message


def test_env_var_pointing_nowhere(monkeypatch, tmp_path, arrays):
    # Set, but wrong: an error, not a silent fall-back to the data home.
    write_npz(tmp_path / "home" / "skdigits_data" / "mnist" / "mnist.npz", arrays)
    monkeypatch.setenv("SKDIGITS_MNIST", str(tmp_path / "typo"))
    with pytest.raises(DatasetNotFoundError, match=r"SKDIGITS_MNIST=.*typo"):
        fetch_mnist()


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        pytest.fail("a network connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_nothing_found_and_download_disabled(tmp_path, no_network):
    data_folder = tmp_path / "home" / "skdigits_data" / "mnist"
    with pytest.raises(DatasetNotFoundError) as info:
        fetch_mnist(download_if_missing=False)
    message = str(info.value)
    assert str(data_folder) in message
    assert "download_if_missing=False" in message
    assert "SKDIGITS_MNIST" in message
    assert "fetch_mnist(path=...)" in message
    assert "load_mnist_sample" in message
    assert not data_folder.exists()  # looking does not create the data home


def test_download_is_used_last(monkeypatch, tmp_path, arrays, no_network):
    calls = []

    def fake_download(folder: Path) -> Path:
        calls.append(folder)
        # A file named mnist.npz that is not MNIST: it must not be hashed
        # again after the (here imaginary) keras download checked it.
        return write_npz(folder / "mnist.npz", arrays)

    monkeypatch.setattr(_mnist, "_download_mnist", fake_download)
    mnist = fetch_mnist(data_home=tmp_path / "dh")
    assert calls == [tmp_path / "dh" / "mnist"]
    assert_same_arrays(mnist, arrays)
    assert mnist.source == str(tmp_path / "dh" / "mnist" / "mnist.npz")


def test_download_not_used_when_data_is_local(monkeypatch, tmp_path, arrays):
    # The autouse fixture fails the test on any download.
    path = write_npz(tmp_path / "dh" / "mnist" / "mnist.npz", arrays)
    trust(monkeypatch, path.parent)
    assert fetch_mnist(data_home=tmp_path / "dh").source == str(path)


def test_download_failure(monkeypatch, tmp_path):
    def offline(folder: Path) -> Path:
        raise OSError("Temporary failure in name resolution")

    monkeypatch.setattr(_mnist, "_download_mnist", offline)
    with pytest.raises(DatasetNotFoundError, match="name resolution") as info:
        fetch_mnist(data_home=tmp_path / "dh")
    assert isinstance(info.value.__cause__, OSError)
    assert str(tmp_path / "dh" / "mnist") in str(info.value)


def test_download_calls_keras_get_file(monkeypatch, tmp_path):
    """The real _download_mnist, with a fake Keras download (no TensorFlow,
    no network): skdigits._keras.download is where it calls Keras."""
    calls = []

    def get_file(**kwargs):
        # keras's own download has no timeout: ours is set around it.
        calls.append({**kwargs, "timeout": socket.getdefaulttimeout()})
        return str(Path(kwargs["cache_dir"]) / kwargs["cache_subdir"] / "mnist.npz")

    fake_download = types.ModuleType("skdigits._keras.download")
    fake_download.get_file = get_file
    monkeypatch.setitem(sys.modules, "skdigits._keras.download", fake_download)
    path = REAL_DOWNLOAD(tmp_path / "dh" / "mnist")
    assert path == tmp_path / "dh" / "mnist" / "mnist.npz"
    assert (tmp_path / "dh" / "mnist").is_dir()
    (kwargs,) = calls
    assert kwargs["fname"] == "mnist.npz"
    assert kwargs["origin"] == _mnist.KERAS_MNIST_URL
    assert kwargs["file_hash"] == _mnist.KERAS_MNIST_SHA256
    assert Path(kwargs["cache_dir"]) / kwargs["cache_subdir"] == path.parent
    assert kwargs["timeout"] == _mnist.DOWNLOAD_TIMEOUT
    assert socket.getdefaulttimeout() is None  # and put back after


def test_fetch_mnist_or_sample_falls_back_when_mnist_is_nowhere(monkeypatch, tmp_path):
    def offline(folder: Path) -> Path:
        raise OSError("Temporary failure in name resolution")

    monkeypatch.setattr(_mnist, "_download_mnist", offline)
    data = fetch_mnist_or_sample(data_home=tmp_path / "dh")
    assert data.is_sample
    assert data.not_found.startswith(str(tmp_path / "dh" / "mnist"))
    assert "downloading it failed" in data.not_found
    assert "name resolution" in data.not_found
    assert_array_equal(data.y_test, load_mnist_sample().y_test)
    data = fetch_mnist_or_sample(data_home=tmp_path / "dh", download_if_missing=False)
    assert data.is_sample
    assert data.not_found == (
        f"{tmp_path / 'dh' / 'mnist'} holds no MNIST and download is disabled"
    )


def test_fetch_mnist_or_sample_prefers_full_mnist(monkeypatch, tmp_path, arrays):
    path = write_npz(tmp_path / "dh" / "mnist" / "mnist.npz", arrays)
    trust(monkeypatch, path.parent)
    data = fetch_mnist_or_sample(data_home=tmp_path / "dh")
    assert not data.is_sample and data.not_found is None
    assert data.source == str(path)
    assert_same_arrays(data, arrays)


@pytest.mark.parametrize("setting", ["path", "SKDIGITS_MNIST"])
def test_fetch_mnist_or_sample_does_not_hide_a_wrong_location(
    monkeypatch, tmp_path, setting
):
    # A typo in a place the user named is an error, not a reason to train
    # on the sample.
    wrong = tmp_path / "no-such-mnist.npz"
    if setting == "SKDIGITS_MNIST":
        monkeypatch.setenv("SKDIGITS_MNIST", str(wrong))
    with pytest.raises(DatasetNotFoundError) as info:
        fetch_mnist_or_sample(wrong if setting == "path" else None)
    assert info.value.setting == setting
    assert info.value.location == wrong


def test_fetch_mnist_or_sample_does_not_hide_a_damaged_file(tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_bytes(b"not a zip file")
    with pytest.raises(DatasetFormatError):
        fetch_mnist_or_sample(path)


def test_modules_do_not_import_tensorflow():
    import subprocess

    code = (
        "import sys, skdigits.preprocessing, skdigits.datasets\n"
        "skdigits.datasets.load_mnist_sample()\n"
        "assert 'tensorflow' not in sys.modules, 'tensorflow imported'\n"
        "assert 'keras' not in sys.modules, 'keras imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- full MNIST ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def full(mnist_path):
    return fetch_mnist(mnist_path, download_if_missing=False)


@pytest.fixture(scope="module")
def idx_folder(mnist_path, tmp_path_factory):
    """A folder of links to the four original gzipped IDX files only."""
    source = mnist_path if mnist_path.is_dir() else mnist_path.parent
    files = [source / f"{base}.gz" for base in IDX_NAMES.values()]
    if not all(f.is_file() for f in files):
        pytest.skip(f"the four gzipped IDX files are not in {source}")
    folder = tmp_path_factory.mktemp("mnist_idx")
    for f in files:
        (folder / f.name).symlink_to(f)
    return folder


@pytest.mark.mnist
def test_full_mnist_shapes(full):
    assert full.X_train.shape == (60_000, 28, 28)
    assert full.y_train.shape == (60_000,)
    assert full.X_test.shape == (10_000, 28, 28)
    assert full.y_test.shape == (10_000,)
    for key in KEYS:
        assert full[key].dtype == np.uint8
    assert (full.X_train.min(), full.X_train.max()) == (0, 255)


@pytest.mark.mnist
def test_full_mnist_first_image(full):
    assert full.y_train[0] == 5
    row = full.X_train[0, 5]
    assert row[row != 0].tolist() == IMAGE0_ROW5


@pytest.mark.mnist
def test_full_mnist_summary(full):
    summary = describe_dataset(full)
    assert list(summary["train"].class_counts.values()) == FULL_TRAIN_COUNTS
    assert list(summary["test"].class_counts.values()) == FULL_TEST_COUNTS
    text = str(summary)
    for digit in range(10):
        row = rf"^{digit}\s+{FULL_TRAIN_COUNTS[digit]}\s+{FULL_TEST_COUNTS[digit]}$"
        assert re.search(row, text, re.M), f"digit {digit} row missing in\n{text}"
    assert re.search(r"^total\s+60000\s+10000$", text, re.M)


@pytest.mark.mnist
def test_full_mnist_idx_equals_npz(full, idx_folder):
    from_idx = fetch_mnist(idx_folder)  # checksums verified
    assert from_idx.source == str(idx_folder)
    for key in KEYS:
        assert_array_equal(from_idx[key], full[key], err_msg=key)


@pytest.mark.mnist
def test_full_mnist_checksums(mnist_path, idx_folder, monkeypatch):
    source = mnist_path if mnist_path.is_dir() else mnist_path.parent
    npz = source / "mnist.npz"
    if npz.is_file():
        raw = npz.read_bytes()
        assert _base.verify_checksum(npz, raw, raw) == "sha256"
    for path in sorted(idx_folder.iterdir()):
        raw = path.read_bytes()
        content = gzip.decompress(raw)
        assert _base.verify_checksum(path, raw, content) == "sha256"
        # The published md5 of the original IDX file matches too.
        monkeypatch.delitem(_base.KNOWN_SHA256, path.name)
        assert _base.verify_checksum(path, raw, content) == "md5"


@pytest.mark.mnist
def test_bundled_sample_is_taken_from_full_mnist(full):
    sample = load_mnist_sample()
    assert_array_equal(sample.X_train, full.X_train[sample.train_index])
    assert_array_equal(sample.y_train, full.y_train[sample.train_index])
    assert_array_equal(sample.X_test, full.X_test[sample.test_index])
    assert_array_equal(sample.y_test, full.y_test[sample.test_index])


DOWNLOAD_START_SCRIPT = """
import sys
from pathlib import Path

import skdigits._keras.download as download


def no_network(**kwargs):
    raise OSError("offline")


download.keras.utils.get_file = no_network  # the test never downloads anything
from skdigits._estimators.datasets._mnist import _download_mnist

try:
    _download_mnist(Path(sys.argv[1]))
except OSError as exc:
    print("download refused:", exc)
"""


def test_the_download_path_starts_tensorflow_quietly(tmp_path):
    # `skdigits train` with no data tries Keras's download before the sample;
    # starting TensorFlow there must not print its start-up notices.
    proc = subprocess.run(
        [sys.executable, "-c", DOWNLOAD_START_SCRIPT, str(tmp_path / "mnist")],
        capture_output=True,
        text=True,
        timeout=300,
        # As a user's shell: no log level set beforehand.
        env={k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "download refused: offline" in proc.stdout
    assert "oneDNN" not in proc.stderr and "I0000" not in proc.stderr, proc.stderr
