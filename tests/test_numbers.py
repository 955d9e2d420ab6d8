"""Reading a number: skdigits._prediction.numbers.predict_number.

The pictures are made here, seeded: digits of the bundled MNIST sample's test
split set side by side (drawn 3x larger, dark on light paper, with chosen
gaps between their inks), and digits drawn with strokes (a 5 whose flag is
lifted, a 4 and a 7 written in two strokes, a 1 with a gap). The model is the
shipped one. The digits composed into numbers are ones the model reads
alone with a probability of at least 0.99, so that what is tested is the
cutting and joining, not the reading of one digit.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PIL import Image, ImageDraw

from skdigits._prediction.answer import ANSWER_SCHEMA
from skdigits._prediction.marks import MAX_ASPECT, MAX_PIXELS, WORKING_SIZE
from skdigits._prediction.numbers import NUMBER_SCHEMA, predict_number
from skdigits.image_io import ImageReadError

PAPER, INK = 245, 25
SCALE = 3  # picture pixels per MNIST pixel


@pytest.fixture(scope="module")
def model():
    from skdigits.pretrained import load_pretrained

    return load_pretrained()


@pytest.fixture(scope="module")
def clear(model):
    """Per class, sample test digits the model reads alone, right, with a
    probability of at least 0.99."""
    from skdigits.datasets import load_mnist_sample

    _, _, X, y = load_mnist_sample(return_X_y=True)
    proba = model.predict_proba(X)
    ok = (proba.argmax(axis=1) == y) & (proba.max(axis=1) >= 0.99)
    return {d: X[ok & (y == d)] for d in range(10)}


def ink_of(digit: np.ndarray, scale: float = SCALE) -> np.ndarray:
    """A 28x28 MNIST digit as ink in [0, 1], enlarged, cropped to its ink."""
    side = round(28 * scale)
    image = Image.fromarray(digit).resize((side, side), Image.Resampling.BICUBIC)
    ink = np.asarray(image, dtype=np.float32) / 255
    rows = np.flatnonzero(ink.max(axis=1) > 0.1)
    cols = np.flatnonzero(ink.max(axis=0) > 0.1)
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def compose(digits, gaps, *, scales=None, drops=None, margin=20) -> np.ndarray:
    """Digits side by side, ``gaps[k]`` MNIST pixels between the inks of
    digit k and k + 1 (negative: overlapping), their bottoms on one line
    moved down by ``drops[k]`` MNIST pixels; dark ink on light paper."""
    scales = scales or [SCALE] * len(digits)
    drops = drops or [0] * len(digits)
    pieces = [ink_of(d, s) for d, s in zip(digits, scales, strict=True)]
    lefts = [0]
    for piece, gap in zip(pieces[:-1], gaps, strict=True):
        lefts.append(lefts[-1] + piece.shape[1] + round(gap * SCALE))
    tallest = max(p.shape[0] for p in pieces)
    tops = [
        tallest - p.shape[0] + round(drop * SCALE)
        for p, drop in zip(pieces, drops, strict=True)
    ]
    tops = [t - min(tops) for t in tops]
    height = max(t + p.shape[0] for t, p in zip(tops, pieces, strict=True))
    width = lefts[-1] + pieces[-1].shape[1]
    canvas = np.zeros((height + 2 * margin, width + 2 * margin), np.float32)
    for piece, top, left in zip(pieces, tops, lefts, strict=True):
        window = canvas[
            margin + top : margin + top + piece.shape[0],
            margin + left : margin + left + piece.shape[1],
        ]
        np.maximum(window, piece, out=window)
    return np.rint(PAPER - canvas * (PAPER - INK)).astype(np.uint8)


def strokes(width: int, height: int, lines, pen: int = 9) -> np.ndarray:
    """Polylines drawn with a pen ``pen`` pixels wide, dark on light."""
    image = Image.new("L", (width, height), PAPER)
    draw = ImageDraw.Draw(image)
    for line in lines:
        if line[0] == "arc":
            draw.arc(line[1], line[2], line[3], fill=INK, width=pen)
        else:
            draw.line(line, fill=INK, width=pen, joint="curve")
    return np.asarray(image)


def five_with_lifted_flag(x, y):
    """A 5 whose flag (the top bar) does not touch its body."""
    return [
        [(x + 10, y + 5), (x + 8, y + 40)],
        ("arc", (x + 2, y + 30, x + 42, y + 80), 240, 500),
        [(x + 20, y + 2), (x + 45, y + 2)],
    ]


def four_in_two_strokes(x, y):
    return [
        [(x + 20, y), (x + 2, y + 50), (x + 26, y + 50)],
        [(x + 36, y + 14), (x + 36, y + 85)],
    ]


def seven_in_two_strokes(x, y):
    return [[(x + 2, y + 2), (x + 40, y + 2)], [(x + 44, y + 12), (x + 18, y + 85)]]


def one_with_a_gap(x, y):
    return [[(x + 20, y), (x + 16, y + 38)], [(x + 15, y + 46), (x + 11, y + 85)]]


def labels(rng, clear, n):
    """``n`` seeded digits and their text."""
    classes = rng.integers(0, 10, size=n)
    digits = [clear[c][rng.integers(len(clear[c]))] for c in classes]
    return digits, "".join(str(c) for c in classes)


# -- the answer ---------------------------------------------------------------


def test_reads_separate_digits_left_to_right_with_boxes_in_the_picture(model, clear):
    rng = np.random.default_rng(0)
    for n in (2, 5, 8):
        digits, text = labels(rng, clear, n)
        picture = compose(digits, rng.integers(2, 8, size=n - 1).tolist())
        answer = predict_number(picture, model)
        assert answer["text"] == text
        boxes = [d["box"] for d in answer["digits"]]
        height, width = picture.shape
        for box in boxes:
            assert 0 <= box["x"] and box["x"] + box["width"] <= width
            assert 0 <= box["y"] and box["y"] + box["height"] <= height
            # Each box holds ink, and no box is wider than two digits' fields.
            window = picture[
                box["y"] : box["y"] + box["height"], box["x"] : box["x"] + box["width"]
            ]
            assert window.min() < PAPER - 100
            assert box["width"] <= 2 * 28 * SCALE
        lefts = [b["x"] for b in boxes]
        assert lefts == sorted(lefts)
        # Gaps of at least 2 MNIST pixels: the boxes do not overlap.
        assert all(a["x"] + a["width"] <= b["x"] for a, b in itertools.pairwise(boxes))


def test_the_answer_follows_its_schema(model, clear):
    picture = compose([clear[3][0], clear[8][0]], [4])
    answer = predict_number(picture, model)
    assert list(answer) == list(NUMBER_SCHEMA["properties"])
    assert set(NUMBER_SCHEMA["required"]) == set(answer)
    types = {"string": str, "number": float, "boolean": bool, "array": list}
    for name, field in NUMBER_SCHEMA["properties"].items():
        kinds = field["type"] if isinstance(field["type"], list) else [field["type"]]
        python = tuple(type(None) if k == "null" else types[k] for k in kinds)
        assert isinstance(answer[name], python), name
    digit_schema = NUMBER_SCHEMA["properties"]["digits"]["items"]
    assert digit_schema["required"] == [*ANSWER_SCHEMA["required"], "box"]
    for digit in answer["digits"]:
        assert list(digit) == [*ANSWER_SCHEMA["properties"], "box"]
        assert all(type(v) is int for v in digit["box"].values())
    assert answer["probability"] == pytest.approx(
        np.prod([d["probability"] for d in answer["digits"]])
    )
    assert answer["unsure"] is False and answer["reason"] is None


def test_a_picture_of_one_digit_answers_exactly_as_predict_digit(clear, model):
    from skdigits.inference import predict_digit

    rng = np.random.default_rng(1)
    pictures = [clear[d][0] for d in range(10)]  # MNIST as is
    pictures += [compose([clear[d][1]], []) for d in range(10)]  # on paper
    pictures += [  # larger, noisy, light ink on dark paper
        np.clip(
            compose([clear[d][2]], [], margin=60).astype(float)
            + rng.normal(0, 20, compose([clear[d][2]], [], margin=60).shape),
            0,
            255,
        ).astype(np.uint8)
        for d in (1, 4, 7)
    ]
    pictures += [255 - compose([clear[d][3]], []) for d in (0, 5, 9)]
    for picture in pictures:
        number = predict_number(picture, model)
        digit = predict_digit(picture, model)
        assert len(number["digits"]) == 1
        (read,) = number["digits"]
        assert read["label"] == digit["label"]
        assert read["probability"] == digit["probability"]  # the same arithmetic
        assert read["probabilities"] == digit["probabilities"]
        assert number["text"] == str(digit["label"])


def test_a_model_without_digit_classes_and_the_unsure_threshold(clear):
    from sklearn.dummy import DummyClassifier

    model = DummyClassifier().fit(np.zeros((2, 784)), ["a", "b"])
    flat = type(
        "Flat",
        (),
        {
            "classes_": model.classes_,
            "predict_proba": lambda self, X: model.predict_proba(X.reshape(len(X), -1)),
        },
    )()
    picture = compose([clear[1][0], clear[1][1]], [6])
    answer = predict_number(picture, flat)
    assert answer["text"] == "aa"  # every digit read as the first class
    assert [d["probability"] for d in answer["digits"]] == [0.5, 0.5]
    # No digit is below the fallback threshold 0.5, but a model that finds
    # every picture equally likely cannot tell one reading from another
    # (one digit, two, the marks joined): the number is not sure.
    assert not any(d["unsure"] for d in answer["digits"])
    assert answer["unsure"] and answer["reason"] == "reading"
    stricter = predict_number(picture, flat, unsure_below=0.6)
    assert stricter["reason"] == "digit, reading"


# -- joining pieces -----------------------------------------------------------


@pytest.mark.parametrize(
    ("draw", "label"),
    [
        (five_with_lifted_flag, "5"),
        (four_in_two_strokes, "4"),
        (seven_in_two_strokes, "7"),
        (one_with_a_gap, "1"),
    ],
)
def test_the_pieces_of_one_digit_are_joined(model, draw, label):
    # Alone, and in a number beside the others.
    alone = strokes(120, 130, draw(30, 20))
    assert predict_number(alone, model)["text"] == label
    number = strokes(
        340,
        130,
        five_with_lifted_flag(20, 20)
        + draw(100, 20)
        + seven_in_two_strokes(180, 20)
        + one_with_a_gap(260, 20),
    )
    answer = predict_number(number, model)
    assert answer["text"] == f"5{label}71"
    assert len(answer["digits"]) == 4


def test_a_dot_of_noise_next_to_a_digit_is_not_a_digit(model, clear):
    picture = compose([clear[2][0], clear[6][0], clear[9][0]], [5, 5])
    clean = predict_number(picture, model)["text"]
    assert clean == "269"
    dotted = picture.copy()
    top = 20 + 10
    for left in (20 + 20, dotted.shape[1] // 2, dotted.shape[1] - 30):
        dotted[top : top + 4, left : left + 4] = INK  # dots of a pen's width
    answer = predict_number(dotted, model)
    assert answer["text"] == clean


# -- splitting touching digits ------------------------------------------------


def test_touching_digits_are_split(model, clear):
    # 24 seeded numbers of 3 digits, the first two touching (their inks
    # overlap by 1 or 2 MNIST pixels), the third apart. On the validation
    # numbers (training images 50,000-59,999, composed the same way) 94.5 %
    # were read exactly at -1 and 91 % at -2: 92.75 % here, 22.3 of 24
    # expected, standard deviation sqrt(24 x 0.9275 x 0.0725) = 1.3; at least
    # 18 (3 deviations below) must be. (Two touching digits alone are one
    # stack of ink, where one slanted digit is likelier: fewer are split.)
    rng = np.random.default_rng(2)
    right = 0
    for k in range(24):
        digits, text = labels(rng, clear, 3)
        picture = compose(digits, [-1 - k % 2, 6])
        answer = predict_number(picture, model)
        right += answer["text"] == text
    assert right >= 18


def test_digits_overlapping_too_much_to_cut_are_mostly_not_guessed(model, clear):
    # Inks overlapping by 8 MNIST pixels (two fifths of a digit) mostly
    # cannot be cut apart: each reading should be right or say it is not
    # sure. Measured on 30 such pairs of this sample: 6 right, 14 of the 24
    # misread flagged, so 67 % right or flagged; here 24 pairs, 16 expected,
    # standard deviation sqrt(24 x 0.67 x 0.33) = 2.3: at least 10 must be.
    # (The others are read, sure, as one digit or a wrong pair: a known
    # weakness, see the numbers benchmark.)
    rng = np.random.default_rng(3)
    honest = 0
    for _ in range(24):
        digits, text = labels(rng, clear, 2)
        answer = predict_number(compose(digits, [-8]), model)
        honest += answer["text"] == text or answer["unsure"]
    assert honest >= 10


# -- what is not a digit ------------------------------------------------------


def test_specks_and_a_ruled_line_under_the_number_are_not_digits(model, clear):
    digits = [clear[4][0], clear[0][0], clear[7][0], clear[3][0]]
    picture = compose(digits, [5, 5, 5], margin=40)
    assert predict_number(picture, model)["text"] == "4073"
    rng = np.random.default_rng(4)
    speckled = picture.copy()
    for _ in range(15):  # specks of 1-3 pixels on the paper
        r, c = (
            rng.integers(0, picture.shape[0] - 3),
            rng.integers(0, picture.shape[1] - 3),
        )
        speckled[r : r + rng.integers(1, 4), c : c + rng.integers(1, 4)] = INK
    assert predict_number(speckled, model)["text"] == "4073"
    underlined = picture.copy()
    bottom = np.flatnonzero((picture < 128).any(axis=1))[-1]
    underlined[bottom + 8 : bottom + 12, 15:-15] = INK  # an underline
    answer = predict_number(underlined, model)
    assert answer["text"] == "4073"
    assert all(
        d["box"]["y"] + d["box"]["height"] <= bottom + 8 for d in answer["digits"]
    )
    ruled = picture.copy()
    ruled[bottom + 3 : bottom + 5, :] = 120  # a ruled line across the page
    assert predict_number(ruled, model)["text"] == "4073"


def test_a_blank_picture_is_refused_with_a_clear_message(model):
    for blank in (
        np.full((100, 300), 245, np.uint8),
        np.zeros((60, 200), np.uint8),
        np.full((50, 50, 3), 0.5),
    ):
        with pytest.raises(ImageReadError, match="no digit found"):
            predict_number(blank, model)
    # A ruled line and nothing else.
    ruled = np.full((100, 300), 245, np.uint8)
    ruled[60:62, :] = 100
    with pytest.raises(ImageReadError, match="no digit found"):
        predict_number(ruled, model)


def test_small_noisy_pictures_are_read_or_refused_never_a_crash(model):
    # Pictures of noise only, small enough that no mark stands out of it:
    # an ImageReadError that says no digit was found, not an IndexError.
    rng = np.random.default_rng(0)
    for _ in range(60):
        height, width = rng.integers(5, 60, 2)
        noise = rng.integers(0, 256, (height, width)).astype(np.uint8)
        try:
            answer = predict_number(noise, model)
        except ImageReadError as exc:
            assert "no digit found" in str(exc) or "marks" in str(exc), exc
        else:
            assert set(answer["text"]) <= set("0123456789?")


# -- order, sizes, lines ------------------------------------------------------


def test_digits_of_different_sizes_on_a_slanted_line_are_read_in_order(model, clear):
    rng = np.random.default_rng(5)
    digits, text = labels(rng, clear, 6)
    scales = [SCALE * s for s in (1.0, 0.7, 1.2, 0.8, 1.0, 0.6)]
    rising = [0, -4, -8, -12, -16, -20]  # each digit 4 MNIST pixels higher
    picture = compose(digits, [4] * 5, scales=scales, drops=rising)
    answer = predict_number(picture, model)
    assert answer["text"] == text
    tops = [d["box"]["y"] + d["box"]["height"] for d in answer["digits"]]
    assert tops == sorted(tops, reverse=True)  # their bottoms rise


def test_two_lines_of_digits_are_refused_one_line_is_read(model, clear):
    rng = np.random.default_rng(6)
    first, text_1 = labels(rng, clear, 3)
    second, text_2 = labels(rng, clear, 3)
    line_1, line_2 = compose(first, [5, 5]), compose(second, [5, 5])
    width = max(line_1.shape[1], line_2.shape[1])
    page = np.full((line_1.shape[0] + line_2.shape[0], width), PAPER, np.uint8)
    page[: line_1.shape[0], : line_1.shape[1]] = line_1
    page[line_1.shape[0] :, : line_2.shape[1]] = line_2
    with pytest.raises(ImageReadError, match="2 lines of digits"):
        predict_number(page, model)
    assert predict_number(page[: line_1.shape[0]], model)["text"] == text_1
    assert predict_number(page[line_1.shape[0] :], model)["text"] == text_2


# -- sizes and bad input ------------------------------------------------------


def test_a_large_picture_is_reduced_and_its_boxes_are_in_its_pixels(model, clear):
    picture = compose([clear[6][0], clear[1][0], clear[8][0]], [6, 6])
    factor = 8  # 8 x 3 = 24 picture pixels per MNIST pixel
    large = np.asarray(
        Image.fromarray(picture).resize(
            (picture.shape[1] * factor, picture.shape[0] * factor),
            Image.Resampling.BILINEAR,
        )
    )
    assert max(large.shape) > WORKING_SIZE
    small_answer = predict_number(picture, model)
    answer = predict_number(large, model)
    assert answer["text"] == small_answer["text"] == "618"
    for big, small in zip(answer["digits"], small_answer["digits"], strict=True):
        # The same box, in the large picture's pixels: within the rounding of
        # the reduction to the working size (one working pixel, plus one).
        step = max(large.shape) / WORKING_SIZE
        for key in ("x", "y"):
            assert abs(big["box"][key] - factor * small["box"][key]) <= step + factor


def test_huge_and_degenerate_pictures_are_refused_with_clear_messages(model):
    side = int(np.sqrt(MAX_PIXELS)) + 1
    huge = np.broadcast_to(np.uint8(245), (side, side))  # no memory of its own
    with pytest.raises(ImageReadError, match="too large"):
        predict_number(huge, model)
    with pytest.raises(ImageReadError, match="too long and thin"):
        predict_number(np.full((10, 10 * MAX_ASPECT + 10), 245, np.uint8), model)
    with pytest.raises(ImageReadError, match="shape"):
        predict_number(np.zeros((4, 4, 5)), model)
    with pytest.raises(ImageReadError, match="empty"):
        predict_number(np.zeros((0, 10)), model)
    # A page of many marks is not a number: refused before any reading.
    grid = np.full((400, 400), 245, np.uint8)
    for r in range(5, 400, 20):
        for c in range(5, 400, 20):
            grid[r : r + 8, c : c + 8] = INK  # 400 squares
    with pytest.raises(ImageReadError, match="400 separate marks"):
        predict_number(grid, model)


# -- real MNIST ---------------------------------------------------------------


@pytest.mark.mnist
def test_numbers_of_validation_digits_are_read(mnist_path, model):
    # 60 numbers of 2-8 digits from the training images 50,000-59,999 (the
    # split the reader was tuned on), gaps 0-8 MNIST pixels, with the
    # numbers benchmark's size and baseline jitter. The validation run read
    # 93-95 % of such numbers exactly (single digits' errors included):
    # 56.7 of 60 expected, standard deviation sqrt(60 x 0.945 x 0.055) =
    # 1.8; at least 51 must be.
    from benchmarks import _number_pictures as number_pictures
    from skdigits.datasets import fetch_mnist

    X, y, _, _ = fetch_mnist(mnist_path, download_if_missing=False, return_X_y=True)
    X, y = np.asarray(X).reshape(-1, 28, 28)[50_000:], np.asarray(y)[50_000:]
    items = number_pictures.mnist_numbers(
        X, y, 60, [7, 7], gaps=number_pictures.GAPS_APART
    )
    right = sum(predict_number(i.picture, model)["text"] == i.text for i in items)
    assert right >= 51
