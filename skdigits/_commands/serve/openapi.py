"""The OpenAPI 3.1 description of the prediction API, served at /api/openapi.json.

Written out by hand (Starlette does not generate one, and the API is four
routes), except the answers: a digit's is the shared format of
``skdigits._prediction.answer``, a number's ``predict_number``'s
(``skdigits._prediction.numbers``). ``tests/test_serve.py`` checks that it
lists exactly the app's routes.
"""

from __future__ import annotations

from typing import Any

from skdigits._prediction.answer import ANSWER_SCHEMA
from skdigits._prediction.numbers import NUMBER_SCHEMA

_ERROR = {
    "description": "What was wrong with the request.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"error": {"type": "string"}},
                "required": ["error"],
            }
        }
    },
}

# The server refuses values outside 0-255 (and NaN) with a 422.
_VALUE = {"type": "number", "minimum": 0, "maximum": 255}

_PIXELS = {
    "description": (
        "Grey values 0-255 (or 0-1), one array per row. A 28x28 MNIST-style "
        "digit (light ink on black) is used as it is; anything else is "
        "prepared like an uploaded image. (height, width, 3 or 4) arrays are "
        "RGB(A); 784 values are one flat 28x28 digit."
    ),
    "type": "array",
    "minItems": 1,
    "items": {
        "oneOf": [
            _VALUE,  # 784 values: one flat digit
            {  # a row of grey values, or of RGB(A) pixels
                "type": "array",
                "minItems": 1,
                "items": {
                    "oneOf": [
                        _VALUE,
                        {
                            "type": "array",
                            "items": _VALUE,
                            "minItems": 3,
                            "maxItems": 4,
                        },
                    ]
                },
            },
        ]
    },
}

_IMAGE = {
    "type": "array",
    "items": {"type": "array", "items": {"type": "integer"}},
    "description": "The 28x28 image (0-255, light ink on black) the "
    "model was given, after MNIST-style preparation.",
}

# The answer format shared with `skdigits predict --json`, plus the image.
_ANSWER = {
    **ANSWER_SCHEMA,
    "properties": {**ANSWER_SCHEMA["properties"], "image": _IMAGE},
    "required": [*ANSWER_SCHEMA["required"], "image"],
}

# predict_number's answer; each digit with the image the model read, where the
# server knows it.
_DIGIT_IN_NUMBER = NUMBER_SCHEMA["properties"]["digits"]["items"]
_NUMBER = {
    **NUMBER_SCHEMA,
    "properties": {
        **NUMBER_SCHEMA["properties"],
        "digits": {
            **NUMBER_SCHEMA["properties"]["digits"],
            "items": {
                **_DIGIT_IN_NUMBER,
                "properties": {
                    **_DIGIT_IN_NUMBER["properties"],
                    "image": {
                        "oneOf": [_IMAGE, {"type": "null"}],
                        "description": "The 28x28 image the model read, when "
                        "the picture was read as one digit (the image "
                        "/api/predict gives); null for the digits of a "
                        "number.",
                    },
                },
                "required": [*_DIGIT_IN_NUMBER["required"], "image"],
            },
        },
    },
}


def openapi_schema(version: str) -> dict[str, Any]:
    """The API's OpenAPI document.

    Parameters
    ----------
    version : str
        The skdigits version, given as the API's version.

    Returns
    -------
    schema : dict
        A JSON-able OpenAPI 3.1 document.

    Examples
    --------
    >>> from skdigits._commands.serve.openapi import openapi_schema
    >>> sorted(openapi_schema("0.1.0")["paths"])
    ['/api/model', '/api/number', '/api/openapi.json', '/api/predict']
    """

    def image(media_type: str) -> dict[str, Any]:
        # An empty body is refused (400): there must be a file.
        return {
            "schema": {
                "type": "string",
                "contentMediaType": media_type,
                "minLength": 1,
            }
        }

    def reading(summary: str, answer: dict, no_digit: str) -> dict[str, Any]:
        """A route that reads a picture: the same bodies and errors."""
        return {
            "post": {
                "summary": summary,
                "requestBody": {
                    "required": True,
                    "content": {
                        "image/png": image("image/png"),
                        "image/jpeg": image("image/jpeg"),
                        "application/json": {
                            "schema": {
                                "oneOf": [
                                    {
                                        "type": "object",
                                        "properties": {"pixels": _PIXELS},
                                        "required": ["pixels"],
                                    },
                                    _PIXELS,
                                ]
                            }
                        },
                    },
                },
                "responses": {
                    "200": {
                        "description": "The prediction.",
                        "content": {"application/json": {"schema": answer}},
                    },
                    "400": _ERROR | {"description": "Not an image, or not JSON."},
                    "408": _ERROR
                    | {"description": "The body took too long to arrive."},
                    "413": _ERROR | {"description": "Body or image too large."},
                    "415": _ERROR | {"description": "Unsupported Content-Type."},
                    "422": _ERROR | {"description": no_digit},
                },
            }
        }

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "skdigits digit reader",
            "version": version,
            "description": (
                "Classify a picture of one handwritten digit, or read a "
                "number (digits in one line). Pictures are prepared the way "
                "MNIST was made (grey, inverted if the background is light, "
                "cropped, fitted into 20x20, centred by mass in 28x28) "
                "before the model sees them; a number's digits are found "
                "first, and each is prepared so."
            ),
        },
        "paths": {
            "/api/predict": reading(
                "Classify one digit",
                _ANSWER,
                "No digit in the picture, or bad pixels.",
            ),
            "/api/number": reading(
                "Read a number: the digits in one line, left to right",
                _NUMBER,
                "No digit in the picture (blank, only specks or a ruled "
                "line), several lines of digits, too many marks to be a "
                "number, a picture too long and thin, or bad pixels.",
            ),
            "/api/model": {
                "get": {
                    "summary": "The model served and the request limits",
                    "responses": {
                        "200": {
                            "description": (
                                "classes, source, unsure_below (the 'not sure' "
                                "threshold), about (the model's provenance, or "
                                "null), input_shape, routes (the routes that "
                                "read a digit and a number), max_digits, "
                                "max_body_bytes, max_image_pixels and "
                                "skdigits_version."
                            ),
                            "content": {
                                "application/json": {"schema": {"type": "object"}}
                            },
                        }
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {"200": {"description": "The OpenAPI document."}},
                }
            },
        },
    }
