"""Read digit pictures from files, folders, ``.npy`` arrays and bytes.

:func:`load_image` reads an image file and :func:`decode_image` an image held
in memory (an upload) as grey pixels, 0-255; :func:`read_digits` reads files,
folders of them and ``.npy`` stacks and prepares every digit with
:func:`~skdigits._prediction.preparation.prepare_digit`. Pillow decodes; it is
imported only when an image is read. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np

from skdigits._prediction.paper import ImageReadError, to_grayscale
from skdigits._prediction.preparation import MNIST_SHAPE, prepare_digit

__all__ = [
    "ARRAY_SUFFIXES",
    "IMAGE_SUFFIXES",
    "DigitSource",
    "decode_image",
    "iter_pictures",
    "load_image",
    "read_digits",
]

#: File name suffixes read as images (by Pillow), in folders and as files.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
#: File name suffixes read as NumPy arrays of digits.
ARRAY_SUFFIXES = (".npy",)


class DigitSource(NamedTuple):
    """Where a digit came from: a file and, for arrays, its position in it.

    ``str()`` gives ``"file"`` for an image file and ``"file[index]"`` for
    the ``index``-th digit of a ``.npy`` stack. :func:`read_digits` returns
    one per digit, in the order of the digits.

    Parameters
    ----------
    file : str
        The file's path, as given.
    index : int or None, default=None
        Position of the digit in a ``.npy`` stack; None for an image file.

    Examples
    --------
    >>> from skdigits.image_io import DigitSource
    >>> str(DigitSource("seven.png")), str(DigitSource("digits.npy", 3))
    ('seven.png', 'digits.npy[3]')
    >>> DigitSource("digits.npy", 3).index
    3
    """

    file: str
    index: int | None = None

    def __str__(self) -> str:
        return self.file if self.index is None else f"{self.file}[{self.index}]"


def load_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an image file (PNG, JPEG, or anything Pillow opens) as grey pixels.

    The EXIF orientation of photos is applied, 16-bit and float images are
    scaled to 0-255, and transparency is handled as in ``to_grayscale``.

    Parameters
    ----------
    path : str or path-like
        The image file.

    Returns
    -------
    gray : ndarray of shape (height, width), dtype float32
        Intensities 0-255, not yet prepared (see :func:`prepare_digit`).

    Raises
    ------
    FileNotFoundError
        There is no such file.
    ImageReadError
        The file is not an image Pillow can read.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from PIL import Image
    >>> from skdigits._prediction.reading import load_image
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "dot.png"
    ...     Image.fromarray(np.eye(3, dtype=np.uint8) * 255).save(path)
    ...     load_image(path)
    array([[255.,   0.,   0.],
           [  0., 255.,   0.],
           [  0.,   0., 255.]], dtype=float32)
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file.")
    if path.is_dir():
        raise ImageReadError(f"{path}: is a folder, not an image file.")
    return _pixels(_open_image(path, str(path)))


def decode_image(data: bytes, *, max_size: int | None = None) -> np.ndarray:
    """Decode an image held in memory (an upload, say) as grey pixels.

    The in-memory twin of :func:`load_image`: the same formats, EXIF
    orientation, bit depths and transparency handling.

    Parameters
    ----------
    data : bytes
        The encoded image: PNG, JPEG, or anything Pillow opens.
    max_size : int or None, default=None
        If given, an image whose longer side exceeds it is first reduced
        (antialiased, keeping its shape) so that the longer side is
        ``max_size`` pixels. A phone photo then costs milliseconds instead of
        seconds; the digit ends up 20 pixels tall anyway.

    Returns
    -------
    gray : ndarray of shape (height, width), dtype float32
        Intensities 0-255, not yet prepared (see :func:`prepare_digit`).

    Raises
    ------
    ImageReadError
        The bytes are not an image Pillow can read.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> from PIL import Image
    >>> from skdigits._prediction.reading import decode_image
    >>> buffer = io.BytesIO()
    >>> Image.fromarray(np.full((300, 100), 200, dtype=np.uint8)).save(buffer, "PNG")
    >>> decode_image(buffer.getvalue(), max_size=60).shape
    (60, 20)
    >>> decode_image(b"not an image")
    Traceback (most recent call last):
    ...
    skdigits._prediction.paper.ImageReadError: image: not an image ...
    """
    import io

    return _pixels(_open_image(io.BytesIO(data), "image", max_size=max_size))


def _open_image(source, name: str, max_size: int | None = None):
    """Open and decode ``source`` (a path or a binary file) with Pillow."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(source) as opened:
            if max_size is not None:
                # JPEG decodes straight to a smaller scale (DCT scaling).
                opened.draft(opened.mode, (max_size, max_size))
            opened.load()
            image = ImageOps.exif_transpose(opened)
    except UnidentifiedImageError:
        raise ImageReadError(
            f"{name}: not an image that can be read (expected PNG or JPEG)."
        ) from None
    except (OSError, ValueError, SyntaxError) as exc:
        # Truncated or corrupt files; Pillow raises SyntaxError for some.
        raise ImageReadError(f"{name}: damaged image file ({exc}).") from None
    if max_size is not None and max(image.size) > max_size:
        if image.mode in ("P", "1"):  # palettes only resample to nearest
            has_alpha = "transparency" in image.info
            image = image.convert("RGBA" if has_alpha else "RGB")
        if image.mode in ("L", "LA", "RGB", "RGBA", "I;16", "I", "F"):
            image.thumbnail((max_size, max_size), Image.Resampling.LANCZOS)
    return image


def _pixels(image) -> np.ndarray:
    """Grey intensities 0-255 from a decoded Pillow image of any mode."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        pixels = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") or pixels.max() > 255 else 255
        return (np.clip(pixels, 0, top) * (255 / top)).astype(np.float32)
    if image.mode == "F":
        # Floats in [0, 1] are scaled up by to_grayscale; others are 0-255.
        return to_grayscale(np.clip(np.asarray(image, dtype=np.float32), 0, 255))
    if image.mode in ("1", "L"):
        return to_grayscale(np.asarray(image.convert("L")))
    if image.mode == "LA":
        return to_grayscale(np.asarray(image))
    has_alpha = image.mode in ("RGBA", "PA", "La") or "transparency" in image.info
    return to_grayscale(np.asarray(image.convert("RGBA" if has_alpha else "RGB")))


def _load_array(path: Path) -> tuple[np.ndarray, bool]:
    """Images from a ``.npy`` file; whether it was a stack (index per image)."""
    try:
        array = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise ImageReadError(
            f"{path}: not a plain numeric .npy array ({exc})."
        ) from None
    except (OSError, EOFError) as exc:
        raise ImageReadError(f"{path}: not a readable .npy file ({exc}).") from None
    if not isinstance(array, np.ndarray):  # pragma: no cover - np.load of .npz
        raise ImageReadError(f"{path}: expected one array (.npy), not an archive.")
    n_pixels = MNIST_SHAPE[0] * MNIST_SHAPE[1]
    if array.ndim == 3 or (array.ndim == 4 and array.shape[-1] in (1, 3, 4)):
        stack = array[..., 0] if array.ndim == 4 and array.shape[-1] == 1 else array
        is_stack = True
    elif array.ndim == 2 and array.shape[1] == n_pixels and array.shape != (28, 28):
        stack, is_stack = array.reshape(-1, *MNIST_SHAPE), True
    elif array.ndim == 2:
        stack, is_stack = array[np.newaxis], False
    elif array.ndim == 1 and array.size == n_pixels:  # one flat digit
        stack, is_stack = array.reshape(1, *MNIST_SHAPE), False
    else:
        raise ImageReadError(
            f"{path}: expected digits of shape (n, 28, 28), (28, 28) or "
            f"(n, 784), got an array of shape {array.shape}."
        )
    if stack.shape[0] == 0:
        raise ImageReadError(
            f"{path}: the array holds no images (shape {array.shape})."
        )
    return stack, is_stack


def _files(given: Path) -> list[Path]:
    """The digit files a path stands for: itself, or a folder's (sorted)."""
    if not given.exists():
        raise FileNotFoundError(f"{given}: no such file or folder.")
    if not given.is_dir():
        return [given]
    suffixes = IMAGE_SUFFIXES + ARRAY_SUFFIXES
    found = sorted(
        p for p in given.iterdir() if p.is_file() and p.suffix.lower() in suffixes
    )
    if not found:
        raise ImageReadError(f"{given}: the folder holds no PNG, JPEG or .npy files.")
    return found


def iter_pictures(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
) -> Iterator[tuple[DigitSource, np.ndarray | Exception]]:
    """Every picture in files, folders and ``.npy`` stacks, read to the end.

    Yields ``(source, picture)``: the grey pixels of an image file, or one
    image of a ``.npy`` stack, not yet prepared. A path or a file that
    cannot be read yields its error instead of a picture (an
    :class:`~skdigits.image_io.ImageReadError`, or ``FileNotFoundError``),
    and the others are read all the same: one bad file in a folder of scans
    costs its own answer only.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from skdigits._prediction.reading import iter_pictures
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     np.save(Path(folder) / "two.npy", np.zeros((2, 28, 28), np.uint8))
    ...     _ = (Path(folder) / "bad.png").write_bytes(b"not a PNG")
    ...     read = [(str(s).split("/")[-1], type(p).__name__)
    ...             for s, p in iter_pictures([folder, Path(folder) / "gone.png"])]
    >>> read  # doctest: +NORMALIZE_WHITESPACE
    [('bad.png', 'ImageReadError'), ('two.npy[0]', 'ndarray'),
     ('two.npy[1]', 'ndarray'), ('gone.png', 'FileNotFoundError')]
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    for given in paths:
        try:
            files = _files(Path(given))
        except (ImageReadError, FileNotFoundError) as exc:
            yield DigitSource(str(given)), exc
            continue
        for path in files:
            try:
                if path.suffix.lower() in ARRAY_SUFFIXES:
                    stack, is_stack = _load_array(path)
                    for i, image in enumerate(stack):
                        yield DigitSource(str(path), i if is_stack else None), image
                else:
                    yield DigitSource(str(path)), load_image(path)
            except (ImageReadError, FileNotFoundError) as exc:
                yield DigitSource(str(path)), exc
            except OSError as exc:  # unreadable: permissions, a vanished file
                reason = exc.strerror or exc
                yield DigitSource(str(path)), ImageReadError(f"{path}: {reason}.")


def read_digits(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
) -> tuple[np.ndarray, list[DigitSource]]:
    """Read digits from image files, folders and ``.npy`` arrays, MNIST-style.

    Every image goes through :func:`prepare_digit`, so photos and drawings
    come out as 28x28 white-on-black digits and MNIST digits pass unchanged.

    Parameters
    ----------
    paths : path or iterable of paths
        PNG or JPEG files (or any image Pillow reads), ``.npy`` files holding
        digits of shape (n, 28, 28), (28, 28), (n, 784) or (784,) (any other
        2-D array is one image, (n, height, width) are n images), and folders,
        which stand for the PNG, JPEG and ``.npy`` files in them (sorted by
        name, not recursive).

    Returns
    -------
    images : ndarray of shape (n_digits, 28, 28), dtype uint8
        The prepared digits, in the order of ``paths``.
    sources : list of DigitSource
        Where each digit came from: ``(file, index)``, with ``index`` the
        position in a ``.npy`` stack and None for image files. ``str()`` of
        one gives a readable name.

    Raises
    ------
    FileNotFoundError
        A path does not exist.
    ImageReadError
        A file cannot be read as an image or array, an array has the wrong
        shape or values, an image holds no digit, or a folder holds no
        digit files. The message names the file.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from PIL import Image
    >>> from skdigits.datasets import load_mnist_sample
    >>> from skdigits.image_io import read_digits
    >>> _, _, X_test, _ = load_mnist_sample(return_X_y=True)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     folder = Path(folder)
    ...     np.save(folder / "three.npy", X_test[:3])
    ...     paper = Image.fromarray(255 - X_test[3]).resize((80, 100))
    ...     paper.save(folder / "photo.png")
    ...     images, sources = read_digits([folder])
    >>> images.shape, images.dtype
    ((4, 28, 28), dtype('uint8'))
    >>> [str(s).split("/")[-1] for s in sources]
    ['photo.png', 'three.npy[0]', 'three.npy[1]', 'three.npy[2]']
    """
    images, sources = [], []
    for source, picture in iter_pictures(paths):
        if isinstance(picture, Exception):
            raise picture
        try:
            images.append(prepare_digit(picture))
        except ImageReadError as exc:
            # The message says what is wrong; add which digit it is.
            message = str(exc).removeprefix("image: ")
            raise ImageReadError(f"{source}: {message}") from None
        sources.append(source)
    if not images:
        raise ImageReadError("no files given to read digits from.")
    return np.stack(images), sources
