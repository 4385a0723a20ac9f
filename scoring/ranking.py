"""Ranks from scores: standard competition ranking ("1224")."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Real

from scoring.metrics import invalid_parameter

__all__ = ["competition_ranks"]


def competition_ranks(scores: Sequence[float], *, ndigits: int = 6) -> list[int]:
    """The rank of each score, higher is better; equal scores share a rank ("1224").

    Scores are compared after rounding to ``ndigits`` decimals, so float noise does not split a
    tie: ``0.1 + 0.2`` and ``0.3`` share a rank. The rank of a score is one plus the number of
    strictly better scores, so a submission whose runs all failed (score 0) can never rank above
    one with a positive score.

    >>> competition_ranks([0.5, 0.9, 0.5, 0.1])
    [2, 1, 2, 4]
    """
    func = "competition_ranks"
    if isinstance(ndigits, bool) or not isinstance(ndigits, int) or ndigits < 0:
        raise invalid_parameter(func, "ndigits", "a non-negative int", ndigits)
    if isinstance(scores, (str, bytes)) or not isinstance(scores, Iterable):
        raise invalid_parameter(func, "scores", "a sequence of finite floats", scores)
    rounded = []
    for score in list(scores):
        if isinstance(score, bool) or not isinstance(score, Real) or not math.isfinite(score):
            raise invalid_parameter(func, "scores", "a sequence of finite floats", scores,
                                    got_text=f"an element {score!r}")
        rounded.append(round(float(score), ndigits) + 0.0)  # + 0.0 turns -0.0 into 0.0
    order = sorted(range(len(rounded)), key=lambda i: -rounded[i])
    ranks = [0] * len(rounded)
    for position, index in enumerate(order):
        if position and rounded[index] == rounded[order[position - 1]]:
            ranks[index] = ranks[order[position - 1]]
        else:
            ranks[index] = position + 1
    return ranks
