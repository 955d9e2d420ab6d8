"""Hand-made stroke templates of digits, and placing them on a drawing pad.

:data:`TEMPLATES` holds a few styles per digit (among them a European "1"
with a long flag and no foot, which :data:`AMBIGUOUS` says may be read as
a 1 or a 7, a flag-1 with a base, a "7" with a bar and closed 4s), each a
list of strokes
in a unit box; :func:`place` puts one on the pad at a chosen size, position
and slant with a little tremor (:class:`Placement`, seeded by
:func:`random_placement`). The coordinates are shares of the pad (0-1 both
ways), whatever its size in pixels. Nothing here needs a browser.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "AMBIGUOUS",
    "TEMPLATES",
    "Placement",
    "Stroke",
    "place",
    "random_placement",
]

Stroke = list[tuple[float, float]]


def _ellipse(cx, cy, rx, ry, start=-np.pi / 2, turns=1.0, n=28) -> Stroke:
    """Points of an ellipse drawn anticlockwise on screen from angle ``start``."""
    t = start - np.linspace(0, 2 * np.pi * turns, n)
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in t]


def _smooth(points: Stroke, rounds: int = 3) -> Stroke:
    """Chaikin corner cutting: a hand's round curve through the control points."""
    p = np.asarray(points, dtype=float)
    for _ in range(rounds):
        q = 0.75 * p[:-1] + 0.25 * p[1:]
        r = 0.25 * p[:-1] + 0.75 * p[1:]
        p = np.vstack([p[:1], np.column_stack([q, r]).reshape(-1, 2), p[-1:]])
    return [tuple(x) for x in p]


# The round lower part of a 5, drawn the same whichever way the bar goes.
_FIVE_BELLY = _smooth(
    [(0.06, 0.45), (0.4, 0.36), (0.6, 0.62), (0.48, 0.95), (0.2, 1.0), (0.0, 0.88)]
)

#: The styles whose shape does not decide the digit, and the two digits a
#: reader may take them for: a 1 with a long flag and neither foot nor bar is
#: a 7 without a bar to many writers. The right answer to these is "not
#: sure, 1 or 7" (the docs' "A 1 or a 7?"); every other style is its digit.
AMBIGUOUS: dict[tuple[int, str], tuple[int, int]] = {
    (1, "European, long flag, no foot"): (1, 7),
    (1, "European, curved flag, no foot"): (1, 7),
}

#: digit -> style -> strokes, in a box 1 tall (y down) and about 0.6 wide.
TEMPLATES: dict[int, dict[str, list[Stroke]]] = {
    0: {
        "oval": [_ellipse(0.3, 0.5, 0.28, 0.5)],
        "tilted oval": [_ellipse(0.32, 0.5, 0.24, 0.5, start=-2.0, turns=1.05)],
    },
    1: {
        "stick": [[(0.3, 0.0), (0.3, 1.0)]],
        "tick, no foot": [[(0.18, 0.12), (0.32, 0.0), (0.32, 1.0)]],
        "European, long flag, no foot": [[(-0.04, 0.5), (0.32, 0.0), (0.32, 1.0)]],
        "European, curved flag, no foot": [
            [*_smooth([(-0.06, 0.42), (0.12, 0.2), (0.33, 0.0)]), (0.31, 1.0)]
        ],
        "flag and base": [
            [(0.1, 0.2), (0.32, 0.0), (0.32, 1.0)],
            [(0.08, 1.0), (0.56, 1.0)],
        ],
        "long flag and base": [
            [(-0.02, 0.44), (0.3, 0.0), (0.3, 1.0)],
            [(0.02, 0.98), (0.6, 1.0)],
        ],
    },
    2: {
        "curved": [
            [
                *_smooth(
                    [
                        (0.03, 0.22),
                        (0.25, -0.02),
                        (0.58, 0.12),
                        (0.5, 0.45),
                        (0.02, 1.0),
                    ]
                ),
                (0.62, 1.0),
            ]
        ],
        "looped base": [
            _smooth(
                [
                    (0.03, 0.22),
                    (0.28, -0.02),
                    (0.58, 0.15),
                    (0.45, 0.5),
                    (0.1, 0.92),
                    (0.05, 1.0),
                    (0.2, 0.85),
                    (0.4, 0.95),
                    (0.62, 1.0),
                ]
            )
        ],
    },
    3: {
        "round": [
            _smooth(
                [
                    (0.03, 0.12),
                    (0.3, -0.02),
                    (0.56, 0.15),
                    (0.5, 0.38),
                    (0.22, 0.48),
                    (0.5, 0.56),
                    (0.6, 0.82),
                    (0.3, 1.02),
                    (0.0, 0.88),
                ]
            )
        ],
        "flat top": [
            [
                (0.03, 0.0),
                (0.56, 0.0),
                (0.22, 0.4),
                *_smooth(
                    [(0.22, 0.4), (0.55, 0.55), (0.58, 0.85), (0.3, 1.02), (0.0, 0.88)]
                ),
            ]
        ],
    },
    4: {
        "open": [[(0.38, 0.0), (0.0, 0.66), (0.62, 0.66)], [(0.46, 0.3), (0.46, 1.0)]],
        "closed": [[(0.46, 1.0), (0.46, 0.0), (0.0, 0.66), (0.62, 0.66)]],
        "closed, rounded top": [
            [
                (0.44, 1.0),
                *_smooth([(0.44, 0.04), (0.2, 0.12), (0.04, 0.46), (0.0, 0.64)]),
                (0.64, 0.62),
            ]
        ],
        "closed, narrow": [[(0.38, 1.0), (0.38, 0.0), (0.06, 0.58), (0.52, 0.58)]],
    },
    5: {
        "one stroke": [
            [
                (0.56, 0.0),
                (0.1, 0.0),
                (0.06, 0.45),
                *_FIVE_BELLY,
            ]
        ],
        "bar last": [
            [
                (0.1, 0.0),
                (0.06, 0.45),
                *_FIVE_BELLY,
            ],
            [(0.1, 0.0), (0.58, 0.0)],
        ],
    },
    6: {
        "round": [
            _smooth(
                [
                    (0.52, 0.02),
                    (0.2, 0.25),
                    (0.04, 0.62),
                    (0.12, 0.95),
                    (0.36, 1.02),
                    (0.56, 0.82),
                    (0.48, 0.58),
                    (0.26, 0.52),
                    (0.06, 0.66),
                ]
            )
        ],
        "straight back": [
            [
                (0.45, 0.0),
                (0.08, 0.62),
                *_ellipse(0.3, 0.77, 0.24, 0.23, start=np.pi * 0.85, turns=1.0),
            ]
        ],
    },
    7: {
        "plain": [[(0.0, 0.0), (0.6, 0.0), (0.2, 1.0)]],
        "with a bar": [
            [(0.0, 0.0), (0.6, 0.0), (0.2, 1.0)],
            [(0.16, 0.52), (0.54, 0.52)],
        ],
        "bar, curved stem": [
            [
                (0.02, 0.06),
                (0.62, 0.0),
                *_smooth([(0.62, 0.0), (0.36, 0.45), (0.26, 1.0)]),
            ],
            [(0.2, 0.46), (0.58, 0.44)],
        ],
        "short bar": [
            [(0.0, 0.02), (0.58, 0.0), (0.24, 1.0)],
            [(0.28, 0.5), (0.5, 0.49)],
        ],
    },
    8: {
        "one stroke": [
            _smooth(
                [
                    (0.52, 0.1),
                    (0.3, -0.01),
                    (0.06, 0.12),
                    (0.1, 0.33),
                    (0.3, 0.46),
                    (0.54, 0.64),
                    (0.56, 0.88),
                    (0.3, 1.01),
                    (0.04, 0.88),
                    (0.07, 0.64),
                    (0.3, 0.46),
                    (0.52, 0.3),
                    (0.52, 0.1),
                ]
            )
        ],
        "two circles": [
            _ellipse(0.3, 0.23, 0.2, 0.23, start=np.pi / 2),
            _ellipse(0.3, 0.73, 0.26, 0.27, start=-np.pi / 2),
        ],
    },
    9: {
        "loop and stick": [
            [*_ellipse(0.3, 0.24, 0.26, 0.24, start=0.0), (0.56, 0.24), (0.54, 1.0)]
        ],
        "curved tail": [
            _ellipse(0.3, 0.24, 0.26, 0.24, start=0.0)
            + _smooth([(0.56, 0.24), (0.52, 0.75), (0.32, 1.0), (0.08, 0.94)])
        ],
    },
}


@dataclass(frozen=True)
class Placement:
    """Where and how a template is drawn on the pad: the digit's height and
    its centre as shares of the pad, the slant (the top moves right by
    ``slant`` x height), the tremor (in shares of the height) and how many
    times each stroke is gone over, a little apart (a thicker pen)."""

    height: float = 0.7
    centre: tuple[float, float] = (0.5, 0.5)
    slant: float = 0.0
    tremor: float = 0.0
    passes: int = 1


def random_placement(rng: np.random.Generator) -> Placement:
    """A seeded placement as people draw: 35-85 % of the pad tall, off centre,
    slanted up to 0.35 either way, sometimes gone over twice."""
    height = rng.uniform(0.35, 0.85)
    room = (1 - height) / 2
    return Placement(
        height=height,
        centre=tuple(0.5 + rng.uniform(-room, room, 2) * 0.8),
        slant=rng.uniform(-0.15, 0.35),
        tremor=0.008,
        passes=int(rng.choice([1, 1, 2])),
    )


def place(
    strokes: list[Stroke], placement: Placement, rng: np.random.Generator | None = None
) -> list[Stroke]:
    """The template's strokes in shares of the pad (0-1 both ways)."""
    rng = rng or np.random.default_rng(0)
    h = placement.height
    out = []
    for stroke in strokes:
        p = np.asarray(stroke, dtype=float)
        p = p + rng.normal(0, placement.tremor, p.shape)
        x = (p[:, 0] - 0.3 + placement.slant * (0.5 - p[:, 1])) * h
        y = (p[:, 1] - 0.5) * h
        points = np.column_stack([x + placement.centre[0], y + placement.centre[1]])
        for k in range(placement.passes):
            out.append([tuple(q) for q in np.clip(points + 0.018 * k, 0.02, 0.98)])
    return out
