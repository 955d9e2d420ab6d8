"""Tests for skdigits._prediction.formatting, the one copy of each text helper."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from skdigits._prediction.formatting import (
    can_print,
    jsonable,
    markdown_table,
    percent,
    plain,
    probability_text,
    text_table,
)


@pytest.mark.parametrize(
    ("probability", "digits", "text"),
    [
        (0.5, 0, "50%"),
        (0.996, 0, "99.6%"),
        (0.99996, 0, ">99.9%"),
        (1.0, 0, "100%"),
        (0.973, 1, "97.3%"),
        (0.9996, 1, ">99.9%"),
        (1.0, 1, "100.0%"),
    ],
)
def test_probability_text_never_rounds_a_mistake_to_certainty(
    probability, digits, text
):
    assert probability_text(probability, digits) == text


def test_jsonable_output_is_valid_json_and_keeps_values():
    value = {
        "sizes": (784, np.int64(196)),
        "rate": np.float32(0.5),
        "bad": math.inf,
        "flag": np.bool_(True),
        "state": np.random.RandomState(0),
    }
    out = jsonable(value)
    assert json.loads(json.dumps(out, allow_nan=False)) == out
    assert out["sizes"] == [784, 196] and out["rate"] == 0.5
    assert out["bad"] is None and out["flag"] is True
    assert out["state"].startswith("RandomState")


def test_plain_turns_numpy_into_python():
    assert type(plain(np.int64(3))) is int
    assert plain(np.array([[1, 2]])) == [[1, 2]]
    assert plain("x") == "x"


def test_percent_of_nan():
    assert percent(float("nan")) == "n/a"
    assert percent(0.12345, 1) == "12.3%"


def test_markdown_table_alignment_and_errors():
    table = markdown_table(["a", "b"], [(1, 2)], "lr")
    assert table.splitlines() == ["| a | b |", "| --- | ---: |", "| 1 | 2 |"]
    with pytest.raises(ValueError, match="align"):
        markdown_table(["a", "b"], [(1, 2)], "l")


def test_text_table_aligns_numbers_right_and_text_left():
    lines = text_table([("name", "n"), ("train", "10000"), ("x", "5")]).splitlines()
    assert lines == ["name       n", "train  10000", "x          5"]


def test_can_print_follows_the_stream_encoding():
    import io

    def stream(encoding):
        return io.TextIOWrapper(io.BytesIO(), encoding=encoding)

    assert can_print("1↔7 → 2", stream("utf-8"))
    assert not can_print("1↔7", stream("ascii"))
    assert can_print("1<->7", stream("ascii"))
    assert can_print("1↔7", io.StringIO())  # no encoding: any character
