"""Static leaderboard pages (CONTRACT 6): one self-contained HTML file per board.

The page has inline CSS only, no script and no external request of any kind (a Content Security
Policy of ``default-src 'none'`` says so to the browser too), so it can be opened on an isolated
network. Labels are bilingual (zh-CN / en). Every user-controlled text — team and submission
names, stderr — is escaped by jinja2's autoescaping.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

import jinja2

from harness.status import STATUS_MEANINGS
from scoring.aggregate import MISSING, Board
from scoring.metrics import invalid_parameter

__all__ = ["render_leaderboard"]

TEMPLATE = "leaderboard.html.j2"

STATUS_LABELS = {
    "ok": "正常 ok",
    "timeout": "超时 timeout",
    "memory_limit": "内存超限 memory_limit",
    "crashed": "崩溃 crashed",
    "invalid_output": "输出无效 invalid_output",
    "output_limit": "输出超限 output_limit",
    "rejected": "已拒绝 rejected",
    "missing": "缺失 missing",
}
STATUS_TOOLTIPS = {**{status.value: meaning for status, meaning in STATUS_MEANINGS.items()},
                   MISSING: "no run is stored for this scenario; it counts 0"}
DIFFICULTY_LABELS = {"easy": "简单 easy", "standard": "标准 standard", "hard": "困难 hard"}
SPLIT_LABELS = {"public": "公开 public", "private": "非公开 private"}


def render_leaderboard(board: Board, out_dir: Path, *, title: str, subtitle: str = "",
                       generated_note: str = "",
                       point_titles: Mapping[str, str] | None = None) -> Path:
    """Write ``out_dir/index.html`` for ``board`` and return its path.

    ``point_titles`` optionally maps a point name to the heading shown for it (for example
    ``{"env_tax": "环境保护税 env_tax"}``); points without one are shown by name.
    """
    func = "render_leaderboard"
    if not isinstance(board, Board):
        raise invalid_parameter(func, "board", "a Board", board,
                                got_text=type(board).__name__)
    for name, value in (("title", title), ("subtitle", subtitle),
                        ("generated_note", generated_note)):
        if not isinstance(value, str):
            raise invalid_parameter(func, name, "a str", value)
    if not title.strip():
        raise invalid_parameter(func, "title", "a non-empty str", title)
    if point_titles is not None and not isinstance(point_titles, Mapping):
        raise invalid_parameter(func, "point_titles", "None or a mapping of point to title",
                                point_titles)
    titles = dict(point_titles or {})

    html = _environment().get_template(TEMPLATE).render(
        board=board, title=title, subtitle=subtitle, generated_note=generated_note,
        submission_index={e.submission_id: i for i, e in enumerate(board.entries, start=1)},
        point_title=lambda point: titles.get(point, point),
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "index.html"
    path.write_text(html, encoding="utf-8")
    return path


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("scoring", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["score"] = lambda value: _number(value, 4)
    env.filters["seconds"] = lambda value: _number(value, 2)
    env.filters["megabytes"] = lambda value: _number(value, 1)
    env.globals["status_label"] = lambda status: STATUS_LABELS.get(status, status)
    env.globals["status_meaning"] = lambda status: STATUS_TOOLTIPS.get(status, "")
    env.globals["difficulty_label"] = lambda d: DIFFICULTY_LABELS.get(d, d)
    env.globals["split_label"] = lambda split: SPLIT_LABELS.get(split, split)
    return env


def _number(value: float | None, decimals: int) -> str:
    """A number with a fixed number of decimals; ``—`` for a missing value."""
    return "—" if value is None else f"{value:.{decimals}f}"
