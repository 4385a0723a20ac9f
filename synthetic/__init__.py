"""Deterministic generators of labelled supervision scenarios."""

from synthetic.difficulty import Difficulty
from synthetic.registry import available_points, get_point
from synthetic.scenario import DEFAULT_AS_OF, Scenario, generate_scenario, load_scenario

__all__ = ["DEFAULT_AS_OF", "Difficulty", "Scenario", "available_points", "generate_scenario",
           "get_point", "load_scenario"]
