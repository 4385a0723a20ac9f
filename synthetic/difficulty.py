"""Difficulty levels and the noise and label mix each one implies (CONTRACT 1, Difficulty)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Difficulty(str, enum.Enum):
    EASY = "easy"
    STANDARD = "standard"
    HARD = "hard"

    @classmethod
    def parse(cls, value: "str | Difficulty", *, file: str | None = None,
              field: str | None = "difficulty") -> "Difficulty":
        from harness.errors import UnknownNameError

        if isinstance(value, Difficulty):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            raise UnknownNameError("difficulty", str(value), [d.value for d in cls],
                                   file=file, field=field) from None


@dataclass(frozen=True)
class DifficultyProfile:
    """How one difficulty shapes a scenario.

    ``clue_share`` is the target share of subjects that are clues; ``hard_negative_ratio`` the
    number of hard-negative subjects per clue; ``noise_rate`` the per-cell probability of each
    presentation-noise variant that the level allows; ``duplicate_rate`` the share of exact
    duplicate rows added to non-subject tables.
    """

    clue_share: float
    hard_negative_ratio: float
    noise_rate: float
    duplicate_rate: float
    legacy_ids: bool          # 15-digit legacy ID numbers may appear
    empty_codes: bool         # credit codes may be blank where a name column identifies the unit
    namesakes: bool           # different people sharing a name
    boundary_dates: bool      # deadlines equal to as_of, acts exactly N days after a trigger


PROFILES: dict[Difficulty, DifficultyProfile] = {
    Difficulty.EASY: DifficultyProfile(
        clue_share=0.20, hard_negative_ratio=0.25, noise_rate=0.0, duplicate_rate=0.0,
        legacy_ids=False, empty_codes=False, namesakes=False, boundary_dates=False),
    Difficulty.STANDARD: DifficultyProfile(
        clue_share=0.10, hard_negative_ratio=1.0, noise_rate=0.04, duplicate_rate=0.01,
        legacy_ids=False, empty_codes=False, namesakes=False, boundary_dates=False),
    Difficulty.HARD: DifficultyProfile(
        clue_share=0.05, hard_negative_ratio=2.0, noise_rate=0.12, duplicate_rate=0.01,
        legacy_ids=True, empty_codes=True, namesakes=True, boundary_dates=True),
}


def profile(difficulty: Difficulty | str) -> DifficultyProfile:
    return PROFILES[Difficulty.parse(difficulty)]


def role_counts(size: int, difficulty: Difficulty | str) -> tuple[int, int]:
    """(clues, hard negatives) of a scenario of ``size`` subjects: at least one clue, the rest
    from the difficulty's profile. Every point draws its roles from these two counts."""
    prof = profile(difficulty)
    n_clue = min(size, max(1, int(round(prof.clue_share * size))))
    n_hn = min(size - n_clue, int(round(prof.hard_negative_ratio * n_clue)))
    return n_clue, n_hn
