"""Build the MNIST sample bundled with skdigits from full MNIST.

Draws a stratified sample (by digit) of the training split from the training
split and of the test split from the test split, with a fixed seed, and writes
it with ``np.savez_compressed`` in the keras layout (``x_train``, ``y_train``,
``x_test``, ``y_test``, uint8), plus ``train_index`` and ``test_index``: the
positions of the chosen images in the full splits, in increasing order.

Usage::

    python scripts/make_mnist_sample.py /path/to/mnist  # npz or IDX folder

Then update ``SAMPLE_SHA256`` in ``skdigits/datasets/_mnist.py`` with the
printed sha256 (zip timestamps make the hash change on every rebuild, even
though the arrays do not) and the counts in
``skdigits/datasets/descr/mnist_sample.rst`` if the sizes or seed changed.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from skdigits.datasets import fetch_mnist

N_TRAIN = 10_000
N_TEST = 1_000
SEED = 0
OUTPUT = (
    Path(__file__).resolve().parents[1]
    / "skdigits"
    / "datasets"
    / "data"
    / "mnist_sample.npz"
)


def stratified_indices(y: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Sorted positions of a sample of ``size`` with ``y``'s class shares."""
    if size >= len(y):
        return np.arange(len(y))
    chosen, _ = train_test_split(
        np.arange(len(y)), train_size=size, stratify=y, random_state=seed
    )
    return np.sort(chosen).astype(np.int32)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "mnist", type=Path, help="full MNIST: mnist.npz or a folder of IDX files"
    )
    parser.add_argument("--n-train", type=int, default=N_TRAIN)
    parser.add_argument("--n-test", type=int, default=N_TEST)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    # Checksums are verified for the known file names; no download.
    mnist = fetch_mnist(args.mnist, download_if_missing=False)
    if (len(mnist.y_train), len(mnist.y_test)) != (60_000, 10_000):
        parser.error(
            f"{mnist.source} has {len(mnist.y_train)} training and "
            f"{len(mnist.y_test)} test images; full MNIST has 60000 and 10000."
        )
    # Train from train and test from test: the canonical split stays intact.
    train_index = stratified_indices(mnist.y_train, args.n_train, args.seed)
    test_index = stratified_indices(mnist.y_test, args.n_test, args.seed)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.output,
        x_train=mnist.X_train[train_index],
        y_train=mnist.y_train[train_index],
        x_test=mnist.X_test[test_index],
        y_test=mnist.y_test[test_index],
        train_index=train_index,
        test_index=test_index,
    )

    print(f"read    {mnist.source}")
    print(f"seed    {args.seed}")
    print(f"wrote   {args.output}")
    print("digit  train  test")
    train_counts = np.bincount(mnist.y_train[train_index], minlength=10)
    test_counts = np.bincount(mnist.y_test[test_index], minlength=10)
    for digit in range(10):
        print(f"{digit:<5}  {train_counts[digit]:5d}  {test_counts[digit]:4d}")
    print(f"total  {train_counts.sum():5d}  {test_counts.sum():4d}")
    size = args.output.stat().st_size
    print(f"size    {size} bytes ({size / 1e6:.2f} MB, {size / 2**20:.2f} MiB)")
    sha256 = hashlib.sha256(args.output.read_bytes()).hexdigest()
    print(f"sha256  {sha256}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
