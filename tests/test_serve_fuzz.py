"""Schema-driven fuzzing of the prediction API (schemathesis).

A live ``skdigits serve MODEL`` process is started on 127.0.0.1, and
schemathesis reads the OpenAPI document it serves and sends requests made
from it: valid ones, and (negative mode) bodies, content types and methods
that break it. Every answer must be documented (status, content type, JSON
schema), no answer may be a 5xx, and every malformed request must get a 4xx
JSON error. The examples are bounded so the file runs in well under a minute.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

pytest.importorskip("starlette", reason="the [serve] extra is not installed")
schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402

_MAX_EXAMPLES = 40  # per operation and mode; well under a minute in all


@pytest.fixture(scope="module")
def model_file(sample, tmp_path_factory):
    """A tiny network: fuzzing checks the HTTP contract, not the answers."""
    from sklearn.pipeline import Pipeline

    from skdigits import DenseDigitClassifier, PixelScaler, save_model

    model = Pipeline(
        [
            ("scale", PixelScaler()),
            ("clf", DenseDigitClassifier((16,), epochs=1, random_state=0)),
        ]
    ).fit(sample.X_train[:500], sample.y_train[:500])
    return save_model(model, tmp_path_factory.mktemp("model") / "fuzz.skdigits")


@pytest.fixture(scope="module")
def served_url(model_file, child_env):
    """``skdigits serve MODEL --port 0`` in a child process; its address."""
    process = subprocess.Popen(
        [sys.executable, "-m", "skdigits", "serve", str(model_file), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env,
    )
    try:
        url = None
        for line in process.stdout:  # "Serving ... at http://127.0.0.1:PORT/ ..."
            found = re.search(r"http://127\.0\.0\.1:\d+/", line)
            if found:
                url = found.group(0)
                break
        assert url, process.stderr.read()
        yield url
    finally:
        process.terminate()
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


@pytest.fixture(scope="module")
def api_schema(served_url):
    """The OpenAPI document as the live server serves it."""
    return schemathesis.openapi.from_url(served_url + "api/openapi.json")


# Every operation with valid requests ("positive"), and the ones that take a
# body with requests that break the schema too ("negative": wrong types,
# missing or malformed bodies, wrong content types); a GET without
# parameters has nothing to break.
_CASES = [
    ("/api/predict", "POST", "positive"),
    ("/api/predict", "POST", "negative"),
    ("/api/number", "POST", "positive"),
    ("/api/number", "POST", "negative"),
    ("/api/model", "GET", "positive"),
    ("/api/openapi.json", "GET", "positive"),
]


def test_the_operations_fuzzed_are_the_documented_ones(api_schema):
    documented = {
        (path, method.upper())
        for path, methods in api_schema.raw_schema["paths"].items()
        for method in methods
    }
    assert documented == {(path, method) for path, method, _ in _CASES}


@pytest.mark.parametrize(("path", "method", "mode"), _CASES)
def test_every_answer_is_documented_and_no_request_breaks_the_server(
    api_schema, path, method, mode
):
    from schemathesis import GenerationMode

    operation = api_schema[path][method]
    answered = []

    @given(case=operation.as_strategy(generation_mode=GenerationMode(mode)))
    @settings(
        max_examples=_MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        # Status, content type, headers and JSON body against the document,
        # and no 5xx; in negative mode a request that breaks the schema must
        # be refused.
        response = case.call_and_validate(
            timeout=60,
            # A schema cannot say which bytes are a picture of a digit: random
            # bytes sent as image/png fit it, and rightly get a documented 400
            # (or 422 for pixels holding no digit, or no line of digits), not
            # a 2xx.
            excluded_checks=[schemathesis.checks.positive_data_acceptance],
        )
        if response.status_code >= 400:
            assert response.headers["content-type"] == ["application/json"]
            assert set(response.json()) == {"error"}, response.text
        answered.append(response.status_code)

    check()
    assert answered, "schemathesis sent no request"
    assert max(answered) < 500
