"""Committees: several fits of one classifier, voting with their probabilities."""

from skdigits._estimators.committee import (
    RECORD_COMMITTEE,
    make_committee,
    make_record_committee,
)

__all__ = [
    "RECORD_COMMITTEE",
    "make_committee",
    "make_record_committee",
]
