"""A learned example for ``shell_company``: decision trees trained on public scenarios.

``features.py`` computes one row of numbers per company; ``model.json`` (written by
``train.py``) holds one exported scikit-learn decision tree per reason code. Inference needs
only pandas, numpy and json — no pickle, no scikit-learn. A reason is flagged when the
company's leaf in that reason's tree has more than half positive training rows; ``score`` is that
fraction.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def _features_module():
    name = "shell_company_sklearn_features"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / "features.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


features = _features_module()
MODEL = json.loads((HERE / "model.json").read_text(encoding="utf-8"))


def predict_tree(node: dict, X: dict[str, np.ndarray], rows: np.ndarray, out: np.ndarray):
    """Fill ``out[rows]`` with the leaf fractions of ``node``'s subtree (vectorised)."""
    if "p" in node:
        out[rows] = node["p"]
        return
    # scikit-learn compares float32 features with float64 thresholds: do the same.
    left = X[node["feature"]][rows].astype(np.float64) <= node["threshold"]
    if left.any():
        predict_tree(node["left"], X, rows[left], out)
    if not left.all():
        predict_tree(node["right"], X, rows[~left], out)


def predict(frame: pd.DataFrame, model: dict = MODEL) -> dict[str, np.ndarray]:
    """reason -> probability per row of ``frame`` (columns ``model["features"]``)."""
    X = {name: frame[name].to_numpy(np.float32) for name in model["features"]}
    out = {}
    for reason, tree in model["heads"].items():
        p = np.zeros(len(frame))
        predict_tree(tree, X, np.arange(len(frame)), p)
        out[reason] = p
    return out


def detect(point: str, tables: dict, context) -> pd.DataFrame:
    if point != features.POINT:
        return pd.DataFrame({"record_id": [], "reason": [], "score": []})
    ids, frame = features.company_features(tables, context.as_of)
    found = []
    for reason, p in predict(frame).items():
        hit = p > 0.5
        found.append(pd.DataFrame({"record_id": ids[hit], "reason": reason, "score": p[hit]}))
    out = pd.concat(found, ignore_index=True)
    return out.sort_values(["record_id", "reason"]).reset_index(drop=True)
