"""Inline SVG charts for the leaderboard pages (no script, no external resource).

Each function takes the published view (:mod:`scoring.view`) and returns escaped SVG markup:
every team-controlled text goes through :func:`markupsafe.escape`. Text labels come in both
languages (``class="zh"`` / ``class="en"``), shown by the page's language switch.
"""

from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup, escape

__all__ = ["point_bests", "points_chart", "runtime_chart", "submission_chart"]

WIDTH = 760
LEFT, RIGHT = 180, 735


def points_chart(view: dict[str, Any]) -> Markup:
    """Score by point: one row per point (and overall), one mark per submission."""
    rows = [("overall", "总分", "Overall")] + [(p, p, p) for p in view["points"]]
    row_h, top = 34, 30
    height = top + row_h * len(rows) + 34
    parts = [_open(height, "chart-points", "各监督点得分 Score by point",
                   "Score by point: one mark per submission; diamonds are baselines.")]
    parts += _x_grid(top, top + row_h * len(rows), "F1 得分", "F1 score")
    for r, (key, zh, en) in enumerate(rows):
        y = top + row_h * r + row_h / 2
        parts.append(f'<line class="row" x1="{LEFT}" x2="{RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(_label(LEFT - 10, y + 4, zh, en, anchor="end"))
        for i, entry in enumerate(view["entries"]):
            score = entry["overall"] if key == "overall" else entry["points"][key]["f1"]
            leader = (entry["rank"] if key == "overall" else entry["points"][key]["rank"]) == 1
            jitter = ((i % 5) - 2) * 3.0
            parts.append(_mark(_x(score), y + jitter, entry, leader,
                               f"{entry['team']} · {entry['submission']}: {score:.4f}"))
    parts.append("</svg>")
    return Markup("".join(parts))


def runtime_chart(view: dict[str, Any], point: str | None = None) -> Markup:
    """F1 (overall, or of ``point``) against the mean run time, on a log scale."""
    marks = []
    for entry in view["entries"]:
        seconds = entry["mean_wall_s"] if point is None else entry["points"][point]["mean_wall_s"]
        if point is not None and not entry["points"][point]["covered"]:
            continue
        if seconds is None:
            continue
        score = entry["overall"] if point is None else entry["points"][point]["f1"]
        leader = (entry["rank"] if point is None else entry["points"][point]["rank"]) == 1
        marks.append((max(seconds, 0.01), score, entry, leader))
    top, bottom = 16, 236
    height = bottom + 50
    parts = [_open(height, "chart-runtime", "得分与运行时间 F1 against runtime",
                   "F1 against mean run time per scenario (log scale).")]
    if not marks:
        parts.append(_label(WIDTH / 2, height / 2, "暂无运行时间", "No run times yet",
                            anchor="middle"))
        parts.append("</svg>")
        return Markup("".join(parts))
    low = math.floor(math.log10(min(m[0] for m in marks)))
    high = math.ceil(math.log10(max(m[0] for m in marks)))
    if high <= low:
        high = low + 1

    def x_of(seconds: float) -> float:
        return LEFT + (math.log10(seconds) - low) / (high - low) * (RIGHT - LEFT)

    def y_of(score: float) -> float:
        return bottom - score * (bottom - top)

    for tick in range(5):
        value = tick / 4
        y = y_of(value)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="tick" x="{LEFT - 8}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{value:.2f}</text>')
    for exponent in range(low, high + 1):
        x = x_of(10.0 ** exponent)
        parts.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom}"/>')
        parts.append(f'<text class="tick" x="{x:.1f}" y="{bottom + 16}" '
                     f'text-anchor="middle">{_seconds_label(exponent)}</text>')
    parts.append(_label((LEFT + RIGHT) / 2, bottom + 38, "平均运行时间（秒，对数刻度）",
                        "mean run time (s, log scale)", anchor="middle"))
    parts.append(_label(LEFT - 52, (top + bottom) / 2, "F1 得分", "F1 score", anchor="middle",
                        rotate=True))
    for seconds, score, entry, leader in marks:
        parts.append(_mark(x_of(seconds), y_of(score), entry, leader,
                           f"{entry['team']} · {entry['submission']}: F1 {score:.4f}, "
                           f"{seconds:.2f} s"))
    parts.append("</svg>")
    return Markup("".join(parts))


def point_bests(view: dict[str, Any]) -> dict[str, tuple[float, float | None]]:
    """Per point: the best F1 and the best baseline's F1 (``None`` without a baseline)."""
    out = {}
    for point in view["points"]:
        scores = [e["points"][point]["f1"] for e in view["entries"]]
        baselines = [e["points"][point]["f1"] for e in view["entries"] if e["baseline"]]
        out[point] = (max(scores, default=0.0), max(baselines) if baselines else None)
    return out


def submission_chart(view: dict[str, Any], entry: dict[str, Any],
                     bests: dict[str, tuple[float, float | None]] | None = None) -> Markup:
    """One submission's F1 per point as bars, with the best score and the best baseline.

    ``bests`` is :func:`point_bests` of the view, computed once for many submissions."""
    points = view["points"]
    bests = bests if bests is not None else point_bests(view)
    row_h, top = 30, 30
    height = top + row_h * len(points) + 60
    parts = [_open(height, "chart-submission", "各监督点得分 Score by point",
                   "This submission's F1 per point (bars), the best F1 (line) and the best "
                   "baseline's F1 (diamond).")]
    parts += _x_grid(top, top + row_h * len(points), "F1 得分", "F1 score")
    for r, point in enumerate(points):
        y = top + row_h * r
        mid = y + row_h / 2
        parts.append(_label(LEFT - 10, mid + 4, point, point, anchor="end"))
        own = entry["points"][point]
        width = _x(own["f1"]) - LEFT
        parts.append(f'<rect class="bar" x="{LEFT}" y="{y + 7}" width="{width:.1f}" '
                     f'height="{row_h - 14}"><title>{escape(point)}: '
                     f'{own["f1"]:.4f}</title></rect>')
        best, baseline = bests[point]
        x = _x(best)
        parts.append(f'<line class="best" x1="{x:.1f}" x2="{x:.1f}" y1="{y + 3}" '
                     f'y2="{y + row_h - 3}"><title>best {best:.4f}</title></line>')
        if baseline is not None:
            parts.append(_diamond(_x(baseline), mid, 5, "baseline", f"baseline {baseline:.4f}"))
    y = top + row_h * len(points) + 40
    parts.append(f'<rect class="bar" x="{LEFT}" y="{y - 9}" width="14" height="10"/>')
    parts.append(_label(LEFT + 20, y, "本提交", "this submission"))
    parts.append(f'<line class="best" x1="{LEFT + 150}" x2="{LEFT + 150}" y1="{y - 11}" '
                 f'y2="{y + 3}"/>')
    parts.append(_label(LEFT + 158, y, "最高分", "best score"))
    parts.append(_diamond(LEFT + 280, y - 4, 5, "baseline", "baseline"))
    parts.append(_label(LEFT + 290, y, "最佳基线", "best baseline"))
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(height: float, css_id: str, title: str, description: str) -> str:
    return (f'<svg class="chart" id="{css_id}" xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
            f'aria-labelledby="{css_id}-title {css_id}-desc">'
            f'<title id="{css_id}-title">{escape(title)}</title>'
            f'<desc id="{css_id}-desc">{escape(description)}</desc>')


def _x(score: float) -> float:
    return LEFT + min(max(score, 0.0), 1.0) * (RIGHT - LEFT)


def _x_grid(top: float, bottom: float, zh: str, en: str) -> list[str]:
    parts = []
    for tick in range(5):
        value = tick / 4
        x = _x(value)
        parts.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top - 6}" '
                     f'y2="{bottom}"/>')
        parts.append(f'<text class="tick" x="{x:.1f}" y="{top - 10}" '
                     f'text-anchor="middle">{value:.2f}</text>')
    parts.append(_label((LEFT + RIGHT) / 2, bottom + 22, zh, en, anchor="middle"))
    return parts


def _label(x: float, y: float, zh: str, en: str, *, anchor: str = "start",
           rotate: bool = False) -> str:
    transform = f' transform="rotate(-90 {x:.1f} {y:.1f})"' if rotate else ""
    common = f'x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{transform}'
    if zh == en:
        return f'<text class="label" {common}>{escape(zh)}</text>'
    return (f'<text class="label zh" lang="zh-CN" {common}>{escape(zh)}</text>'
            f'<text class="label en" lang="en" {common}>{escape(en)}</text>')


def _mark(x: float, y: float, entry: dict[str, Any], leader: bool, tooltip: str) -> str:
    if entry["baseline"]:
        return _diamond(x, y, 6 if leader else 5, "baseline", tooltip)
    css = "dot leader" if leader else "dot"
    radius = 6 if leader else 4.5
    return (f'<circle class="{css}" cx="{x:.1f}" cy="{y:.1f}" r="{radius}">'
            f'<title>{escape(tooltip)}</title></circle>')


def _diamond(x: float, y: float, r: float, css: str, tooltip: str) -> str:
    return (f'<path class="{css}" d="M{x:.1f} {y - r:.1f}L{x + r:.1f} {y:.1f}L{x:.1f} '
            f'{y + r:.1f}L{x - r:.1f} {y:.1f}Z"><title>{escape(tooltip)}</title></path>')


def _seconds_label(exponent: int) -> str:
    value = 10.0 ** exponent
    return f"{value:g} s"
