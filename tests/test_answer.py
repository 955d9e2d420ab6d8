"""The one answer format (skdigits._prediction.answer): code, schema and docs agree."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np

from skdigits._commands.serve.openapi import openapi_schema
from skdigits._prediction.answer import ANSWER_SCHEMA, DigitAnswer, digit_answer

DOCS = Path(__file__).parents[1] / "docs" / "serve.rst"


def test_the_record_the_schema_and_the_dataclass_list_the_same_fields():
    record = digit_answer(np.array(["a", "b", "c"]), np.array([0.2, 0.5, 0.3]))
    fields = [field.name for field in dataclasses.fields(DigitAnswer)]
    assert list(record) == fields == list(ANSWER_SCHEMA["properties"])
    assert ANSWER_SCHEMA["required"] == fields
    assert record == {
        "label": "b",
        "probability": 0.5,
        "unsure": False,
        "runner_up": "c",
        "runner_up_probability": 0.3,
        "classes": ["a", "b", "c"],
        "probabilities": [0.2, 0.5, 0.3],
    }


def test_unsure_is_the_top_probability_below_the_threshold():
    classes = np.arange(10)
    proba = np.full(10, 0.05)
    proba[[4, 9]] = [0.35, 0.25]
    for below, unsure in ((0.35, False), (0.3500001, True), (0.5, True), (0.2, False)):
        answer = digit_answer(classes, proba, unsure_below=below)
        assert answer["unsure"] is unsure, below
        assert (answer["label"], answer["runner_up"]) == (4, 9)
    # A tie: the first class is the label (as argmax), the other the runner-up.
    tie = digit_answer(np.array([3, 7]), np.array([0.5, 0.5]))
    assert (tie["label"], tie["runner_up"], tie["unsure"]) == (3, 7, False)


def test_the_servers_openapi_answer_is_the_shared_format_plus_the_image():
    post = openapi_schema("0")["paths"]["/api/predict"]["post"]
    schema = post["responses"]["200"]["content"]["application/json"]["schema"]
    assert list(schema["properties"]) == [*ANSWER_SCHEMA["properties"], "image"]
    for name, field in ANSWER_SCHEMA["properties"].items():
        assert schema["properties"][name] == field


def test_the_docs_list_exactly_the_fields():
    text = DOCS.read_text(encoding="utf-8")
    section = text.split(".. answer-fields", 1)[1].split("\n\n", 2)[1]
    documented = re.findall(r"^- ``(\w+)``:", section, flags=re.M)
    assert documented == list(ANSWER_SCHEMA["properties"])
