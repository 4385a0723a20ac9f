"""Static leaderboard sites (CONTRACT 6): self-contained, bilingual, sortable HTML pages.

:func:`render_leaderboard` writes, into one directory:

* ``index.html`` — the overall board (ranks, 95% bootstrap intervals, "≈ leader" marks, rank
  ranges over draws, one column per point, charts);
* ``point-<name>.html`` — one board per point;
* ``submission-<id12>.html`` — one page per submission: its runs (status, time, memory, stderr),
  and on the public board the per-reason confusion, missed clues and false alarms;
* ``leaderboard.csv`` and ``leaderboard.json`` — the same numbers (:mod:`scoring.exports`).

A private board that is not revealed (``revealed=False``) is *sealed*: ``index.html`` lists the
submissions and their run statuses only, and the exports hold the same; no score, rank, point
page or submission page is written.

Every page has inline CSS and script and no external request of any kind; its Content Security
Policy (``default-src 'none'``) tells the browser so. Both languages are in the page (``lang``
attributes), a button switches between them. Team-controlled text is escaped by jinja2's
autoescaping (``StrictUndefined``: a template typo is an error, not an empty cell).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from harness.status import STATUS_MEANINGS
from scoring import charts
from scoring.aggregate import MISSING, Board
from scoring.analysis import RunAnalysis
from scoring.exports import write_exports
from scoring.metrics import invalid_parameter
from scoring.uncertainty import Uncertainty, assess_board
from scoring.view import board_view, sealed_view

__all__ = ["render_leaderboard"]

STATUS_ZH = {
    "ok": "正常", "timeout": "超时", "memory_limit": "内存超限", "crashed": "崩溃",
    "invalid_output": "输出无效", "output_limit": "输出超限", "rejected": "已拒绝",
    MISSING: "缺失",
}
STATUS_TOOLTIPS = {**{status.value: meaning for status, meaning in STATUS_MEANINGS.items()},
                   MISSING: "no run is stored for this scenario; it counts 0"}
DIFFICULTY_ZH = {"easy": "简单", "standard": "标准", "hard": "困难"}
SPLIT_LABELS = {"public": ("公开榜", "public board"), "private": ("非公开榜", "private board")}


def render_leaderboard(board: Board, out_dir: Path, *, title: str, subtitle: str = "",
                       generated_note: str = "",
                       point_titles: Mapping[str, str | tuple[str, str]] | None = None,
                       uncertainty: Uncertainty | None = None,
                       analyses: Mapping[tuple[str, str], RunAnalysis] | None = None,
                       revealed: bool = True, phase: str | None = None) -> Path:
    """Write the site of ``board`` into ``out_dir``; returns the path of ``index.html``.

    ``point_titles`` maps a point to its heading, one string or a (Chinese, English) pair.
    ``uncertainty`` defaults to :func:`scoring.uncertainty.assess_board` with its defaults.
    ``analyses`` maps (submission id, scenario id) of *public* runs to their error analysis.
    ``revealed=False`` seals a private board. Pages a previous render left in ``out_dir``
    (``point-*.html``, ``submission-*.html``) are removed, so a sealed board never sits next to
    stale revealed pages.
    """
    func = "render_leaderboard"
    if not isinstance(board, Board):
        raise invalid_parameter(func, "board", "a Board", board, got_text=type(board).__name__)
    for name, value in (("title", title), ("subtitle", subtitle),
                        ("generated_note", generated_note)):
        if not isinstance(value, str):
            raise invalid_parameter(func, name, "a str", value)
    if not title.strip():
        raise invalid_parameter(func, "title", "a non-empty str", title)
    if phase is not None and not isinstance(phase, str):
        raise invalid_parameter(func, "phase", "None or a str", phase)
    if point_titles is not None and not isinstance(point_titles, Mapping):
        raise invalid_parameter(func, "point_titles", "None or a mapping of point to title",
                                point_titles)
    if not isinstance(revealed, bool):
        raise invalid_parameter(func, "revealed", "a bool", revealed)
    if not revealed and board.split != "private":
        raise invalid_parameter(func, "revealed", "True for a public board (only a private "
                                "board can be sealed)", revealed)
    if uncertainty is not None and not isinstance(uncertainty, Uncertainty):
        raise invalid_parameter(func, "uncertainty", "None or an Uncertainty", uncertainty,
                                got_text=type(uncertainty).__name__)
    titles = {p: (t, t) if isinstance(t, str) else tuple(t)
              for p, t in (point_titles or {}).items()}

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in [*out_dir.glob("point-*.html"), *out_dir.glob("submission-*.html")]:
        stale.unlink()
    env = _environment()
    common = {"title": title, "subtitle": subtitle, "generated_note": generated_note,
              "phase": phase}
    helpers = {"point_t": lambda point: _point_title(titles, point)}

    if not revealed:
        view = sealed_view(board, **common)
        _write(out_dir / "index.html", env.get_template("sealed.html.j2").render(
            view=view, **helpers))
        write_exports(view, out_dir)
        return out_dir / "index.html"

    uncertainty = uncertainty if uncertainty is not None else assess_board(board)
    view = board_view(board, uncertainty, analyses=dict(analyses or {}), **common)
    _write(out_dir / "index.html", env.get_template("index.html.j2").render(
        view=view, charts={"points": charts.points_chart(view),
                           "runtime": charts.runtime_chart(view)}, **helpers))
    point_template = env.get_template("point.html.j2")
    for point in board.points:
        entries = sorted(view["entries"], key=lambda e, p=point: (
            e["points"][p]["rank"], -e["points"][p]["ok_runs"], e["team"], e["submission"],
            e["version"], e["submission_id"]))
        _write(out_dir / f"point-{point}.html", point_template.render(
            view=view, point=point, entries=entries, chart=charts.runtime_chart(view, point),
            **helpers))
    submission_template = env.get_template("submission.html.j2")
    bests = charts.point_bests(view)
    for entry in view["entries"]:
        _write(out_dir / entry["page"], submission_template.render(
            view=view, e=entry, chart=charts.submission_chart(view, entry, bests), **helpers))
    write_exports(view, out_dir)
    return out_dir / "index.html"


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _point_title(titles: dict[str, tuple[str, ...]], point: str) -> Markup:
    zh, en = titles.get(point, (point, point))
    return _bilingual(f"{zh} {point}" if zh != point else zh,
                      f"{en} ({point})" if en != point else en)


def _bilingual(zh: Any, en: Any) -> Markup:
    """Both languages, each in its own span; once when they are the same text."""
    zh, en = escape(zh), escape(en)
    if zh == en:
        return zh
    return Markup(f'<span class="zh" lang="zh-CN">{zh}</span><span class="en" lang="en">{en}'
                  f'</span>')


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
    env.globals["t"] = _bilingual
    env.globals["number_cell"] = _number_cell
    env.globals["status_zh"] = lambda status: STATUS_ZH.get(status, status)
    env.globals["status_meaning"] = lambda status: STATUS_TOOLTIPS.get(status, "")
    env.globals["difficulty_zh"] = lambda d: DIFFICULTY_ZH.get(d, d)
    env.globals["difficulty_order"] = lambda d: (
        list(DIFFICULTY_ZH).index(d) if d in DIFFICULTY_ZH else len(DIFFICULTY_ZH))
    env.globals["split_label"] = lambda split: _bilingual(*SPLIT_LABELS.get(split,
                                                                            (split, split)))
    return env


_DECIMALS = {"score": 4, "seconds": 2, "megabytes": 1}


def _number_cell(value: float | None, kind: str = "score", css: str = "") -> Markup:
    """A right-aligned table cell with its exact value in ``data-sort`` (for sorting)."""
    css = escape(css)
    if value is None:
        return Markup(f'<td class="num {css}" data-sort=""><span class="muted">—</span></td>')
    value = float(value)
    return Markup(f'<td class="num {css}" data-sort="{value!r}">'
                  f'{value:.{_DECIMALS[kind]}f}</td>')


def _number(value: float | None, decimals: int) -> str:
    """A number with a fixed number of decimals; ``—`` for a missing value."""
    return "—" if value is None else f"{value:.{decimals}f}"
