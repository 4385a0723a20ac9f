"""A competition workspace: the store, the generated scenarios and nothing else.

Scenarios are generated into a temporary directory and renamed into place, so a harness killed
mid-generation never leaves a half-written scenario that a later run would trust.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from harness.competition import ScenarioRequest
from synthetic.registry import get_point
from synthetic.scenario import Scenario, generate_scenario, load_scenario, scenario_id

SCENARIOS_DIR = "scenarios"
OUTPUTS_DIR = "outputs"


def scenario_dir(workspace: Path, request: ScenarioRequest) -> Path:
    spec = get_point(request.point)
    sid = scenario_id(request.point, spec.generator_version, request.seed, request.size,
                      request.difficulty, request.as_of)
    return Path(workspace) / SCENARIOS_DIR / sid


def ensure_scenario(workspace: Path, request: ScenarioRequest) -> Scenario:
    """Return the workspace's scenario for ``request``, generating it once if absent."""
    target = scenario_dir(workspace, request)
    if (target / "scenario.json").is_file():
        return load_scenario(target)
    partial = target.with_name(f".partial-{target.name}-{os.getpid()}")
    if partial.exists():
        shutil.rmtree(partial)
    generate_scenario(request.point, seed=request.seed, size=request.size,
                      difficulty=request.difficulty, as_of=request.as_of, out=partial)
    if target.exists():  # a half-renamed leftover cannot exist (rename is atomic); stale dir can
        shutil.rmtree(target)
    os.rename(partial, target)
    return load_scenario(target)


def predictions_path(workspace: Path, submission_id: str, scenario_id: str) -> Path:
    """Where the harness keeps one run's parsed clues (Parquet: record_id, reason, score)."""
    return Path(workspace) / OUTPUTS_DIR / scenario_id / f"{submission_id}.parquet"


def save_predictions(workspace: Path, submission_id: str, scenario_id: str, predictions) -> None:
    """Write a run's clues atomically (temporary file, then rename)."""
    target = predictions_path(workspace, submission_id, scenario_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".partial-{target.name}-{os.getpid()}")
    predictions.to_parquet(partial, index=False)
    os.replace(partial, target)
