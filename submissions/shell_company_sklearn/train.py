"""Train the shell_company example model and export it to ``model.json`` (deterministic).

    .venv/bin/python submissions/shell_company_sklearn/train.py

Runs outside the sandbox, so it may import the project: it generates public scenarios with fixed
seeds through the point registry (in memory, nothing written), computes ``features.py``'s
features per company, and fits one scikit-learn ``DecisionTreeClassifier`` per reason code
(one-vs-rest, ``random_state`` fixed). Each tree is exported as nested JSON, so ``model.py``
needs neither pickle nor scikit-learn: pandas, numpy and json only. The same seeds, sizes and
scikit-learn version give a byte-identical ``model.json``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
MODEL_PATH = HERE / "model.json"

# Public training scenarios. Keep test seeds (see tests/submissions) away from these.
TRAIN_SEEDS = (1, 2, 3, 4, 5, 6)
TRAIN_SIZE = 4000
TRAIN_DIFFICULTIES = ("easy", "standard", "hard")
TRAIN_AS_OF = ("2023-12-31", "2022-06-15")
# The trees: deep enough for a conjunction of four conditions plus a few exceptions.
TREE_PARAMS = {"criterion": "gini", "max_depth": 8, "min_samples_leaf": 1, "random_state": 0}


def _features_module():
    name = "shell_company_sklearn_features"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / "features.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def training_data(seeds, size, difficulties, as_ofs):
    """Features and one 0/1 target column per reason, over every training scenario, plus the
    sha256 of the labels (``scenario<TAB>record_id<TAB>reason`` lines in scenario order)."""
    from synthetic.difficulty import Difficulty
    from synthetic.registry import GenerationRequest, get_point

    features = _features_module()
    spec = get_point(features.POINT)
    frames, targets = [], []
    digest = hashlib.sha256()
    for as_of in as_ofs:
        for difficulty in difficulties:
            for seed in seeds:
                request = GenerationRequest(seed=seed, size=size,
                                            difficulty=Difficulty.parse(difficulty),
                                            as_of=dt.date.fromisoformat(as_of))
                generated = spec.generate(request)
                tables = {name: generated.tables[name].to_pandas()
                          for name in (t.name for t in spec.tables)}
                labels = generated.labels.to_pandas()
                key = f"{seed}/{size}/{difficulty}/{as_of}"
                for record_id, reason in zip(labels["record_id"], labels["reason"]):
                    digest.update(f"{key}\t{record_id}\t{reason}\n".encode("utf-8"))
                ids, frame = features.company_features(tables, request.as_of)
                frames.append(frame)
                target = pd.DataFrame(0, index=pd.Index(ids), columns=list(features.REASONS))
                for reason in features.REASONS:
                    hit = labels.loc[labels["reason"] == reason, "record_id"]
                    target.loc[target.index.isin(hit), reason] = 1
                targets.append(target.reset_index(drop=True))
    return (pd.concat(frames, ignore_index=True), pd.concat(targets, ignore_index=True),
            digest.hexdigest())


def export_tree(tree, feature_names) -> dict:
    """A fitted tree as nested JSON: ``{"feature", "threshold", "left", "right"}`` for a split
    (``x <= threshold`` goes left, ``x`` compared as float32 like scikit-learn does), and
    ``{"p", "n"}`` for a leaf (the fraction of positive training rows, their count)."""
    t = tree.tree_

    def node(i: int) -> dict:
        if t.children_left[i] == -1:
            value = t.value[i][0]
            return {"p": round(float(value[1] / value.sum()), 6),
                    "n": int(t.n_node_samples[i])}
        return {"feature": feature_names[t.feature[i]], "threshold": float(t.threshold[i]),
                "left": node(t.children_left[i]), "right": node(t.children_right[i])}

    return node(0)


def train(seeds=TRAIN_SEEDS, size=TRAIN_SIZE, difficulties=TRAIN_DIFFICULTIES,
          as_ofs=TRAIN_AS_OF) -> dict:
    """Fit the four trees and return the model document that ``model.json`` holds."""
    import sklearn
    from sklearn.tree import DecisionTreeClassifier

    features = _features_module()
    X, Y, labels_sha = training_data(seeds, size, difficulties, as_ofs)
    names = list(features.FEATURES)
    X32 = X[names].to_numpy(np.float32)
    heads, fit = {}, {}
    for reason in features.REASONS:
        y = Y[reason].to_numpy()
        tree = DecisionTreeClassifier(**TREE_PARAMS).fit(X32, y)
        heads[reason] = export_tree(tree, names)
        predicted = tree.predict(X32)
        tp = int(((predicted == 1) & (y == 1)).sum())
        fit[reason] = {"positives": int(y.sum()), "leaves": int(tree.get_n_leaves()),
                       "depth": int(tree.get_depth()),
                       "train_f1": round(2 * tp / max(1, int(y.sum()) + int(predicted.sum())),
                                         6)}
    return {
        "model": "one DecisionTreeClassifier per reason (one-vs-rest); "
                 "flag a reason when its leaf has p > 0.5",
        "features": names,
        "heads": heads,
        "training": {
            "point": features.POINT,
            "generator": "synthetic.registry (public scenarios, in memory)",
            "seeds": list(seeds), "size": size, "difficulties": list(difficulties),
            "as_of": list(as_ofs), "rows": int(len(X)),
            "tree_params": TREE_PARAMS,
            "sklearn_version": sklearn.__version__,
            "labels_sha256": labels_sha,
            "fit": fit,
        },
    }


def render(document: dict) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def main() -> int:
    MODEL_PATH.write_bytes(render(train()))
    print(f"wrote {MODEL_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
