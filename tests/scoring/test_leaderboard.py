"""render_leaderboard: parse the page and check its tables, escaping and self-containment."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from scoring import InvalidParameterError, RunRecord, build_board, render_leaderboard

POINTS = ("env_tax", "farmland_tax")
EVIL_TEAM = "<script>alert(1)</script>"
EVIL_STDERR = 'Traceback (most recent call last):\n  File "model.py"\nMemoryError: <img src=x>'


def run(**overrides) -> RunRecord:
    fields = dict(
        submission_id="sub-a", team="湾沚区院一部", submission_name="env-tax-rules",
        version="1.0", baseline=False, covered_points=("env_tax",), point="env_tax",
        scenario_id="env_tax-1", split="public", difficulty="easy", seed=1, size=100,
        status="ok", precision=0.75, recall=0.6, f1=2 / 3, reason_f1=0.5, wall_s=1.23456,
        cpu_s=1.0, peak_memory_mb=123.45, stderr_tail="ok-run stderr stays hidden",
        unsafe=False)
    fields.update(overrides)
    return RunRecord(**fields)


def sample_board(*, unsafe: bool = False):
    evil = dict(submission_id="sub-evil", team=EVIL_TEAM, submission_name="x<b>y</b>",
                covered_points=POINTS, baseline=True)
    runs = [
        run(),
        run(scenario_id="env_tax-2", difficulty="hard", status="timeout", precision=None,
            recall=None, f1=None, reason_f1=None, stderr_tail=EVIL_STDERR),
        run(**evil, f1=0.5, unsafe=unsafe),
        run(**evil, point="farmland_tax", scenario_id="farmland_tax-1", f1=0.9, unsafe=unsafe),
    ]
    return build_board(runs, points=POINTS, split="public")


class PageParser(HTMLParser):
    """Collects tables (caption, header cells), attributes and text of <pre> blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str | None]] = []
        self.tables: list[dict] = []
        self.stack: list[str] = []
        self.pre_texts: list[str] = []
        self.text: list[str] = []
        self._caption: list[str] | None = None
        self._pre: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend((tag, name, value) for name, value in attrs)
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append({"caption": None, "head_th": [], "body_th": [], "rows": 0})
        elif tag == "caption":
            self._caption = []
        elif tag == "pre":
            self._pre = []
        elif tag == "th":
            section = "head_th" if "thead" in self.stack else "body_th"
            self.tables[-1][section].append(attrs.get("scope"))
        elif tag == "tr" and "tbody" in self.stack:
            self.tables[-1]["rows"] += 1
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "caption":
            self.tables[-1]["caption"] = "".join(self._caption).strip()
            self._caption = None
        elif tag == "pre":
            self.pre_texts.append("".join(self._pre))
            self._pre = None
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data):
        self.text.append(data)
        if self._caption is not None:
            self._caption.append(data)
        if self._pre is not None:
            self._pre.append(data)


def render(tmp_path: Path, board, **kwargs) -> tuple[str, PageParser]:
    path = render_leaderboard(board, tmp_path / "site", title="芜湖市大数据法律监督模型竞赛",
                              subtitle="公开榜 Public board", generated_note="note <i>",
                              **kwargs)
    assert path == tmp_path / "site" / "index.html"
    html = path.read_text(encoding="utf-8")
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return html, parser


def test_tables_have_captions_and_scoped_headers(tmp_path):
    board = sample_board()
    html, page = render(tmp_path, board)
    # overall + one per point + one per submission
    assert len(page.tables) == 1 + len(POINTS) + len(board.entries)
    for table in page.tables:
        assert table["caption"]
        assert table["head_th"] and set(table["head_th"]) == {"col"}
        assert table["rows"] and table["body_th"] == ["row"] * table["rows"]
    overall, env_tax, farmland_tax, *runs = page.tables
    assert overall["caption"].startswith("总榜 Overall")
    assert overall["rows"] == 2 and len(overall["head_th"]) == 5 + len(POINTS) + 1
    assert "env_tax" in env_tax["caption"] and "farmland_tax" in farmland_tax["caption"]
    assert [t["rows"] for t in runs] == [2, 2]


def test_content_is_bilingual_and_formatted(tmp_path):
    html, page = render(tmp_path, sample_board(), point_titles={"env_tax": "环境保护税 env_tax"})
    text = " ".join(page.text)
    for label in ("总分 Overall", "名次 Rank", "队伍 Team", "基线 baseline", "理由 F1 Reason F1",
                  "未覆盖 not covered", "超时 timeout", "环境保护税 env_tax", "简单 easy F1",
                  "困难 hard F1"):
        assert label in text, label
    assert "<html lang=\"zh-CN\">" in html
    assert "0.5750" in text          # the evil entry: ((0.5 + missing 0) / 2 + 0.9) / 2
    assert "0.3333" in text          # env_tax of sub-a: (2/3 + 0) / 2
    assert "1.23" in text and "123.5" in text
    assert "1 ok · 1 timeout" in "".join(page.text)


def test_user_text_is_escaped(tmp_path):
    html, page = render(tmp_path, sample_board())
    assert "script" not in page.tags and "img" not in page.tags and "b" not in page.tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert EVIL_TEAM in " ".join(page.text)
    assert "x&lt;b&gt;y&lt;/b&gt;" in html
    assert "note &lt;i&gt;" in html


def test_failed_run_stderr_is_shown_and_ok_stderr_is_not(tmp_path):
    html, page = render(tmp_path, sample_board())
    assert page.pre_texts == [EVIL_STDERR]
    assert page.tags.count("details") == 1
    assert "ok-run stderr stays hidden" not in html


def test_page_makes_no_external_request(tmp_path):
    html, page = render(tmp_path, sample_board())
    for tag, name, value in page.attributes:
        if name in ("src", "href", "srcset", "action", "poster", "data"):
            assert not value.startswith(("http://", "https://", "//")), (tag, name, value)
            assert value.startswith("#"), (tag, name, value)
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(page.tags)
    assert "url(" not in html and "@import" not in html
    assert "default-src 'none'" in html


@pytest.mark.parametrize("unsafe", [False, True])
def test_unsafe_banner(tmp_path, unsafe):
    html, page = render(tmp_path, sample_board(unsafe=unsafe))
    assert ("unsafe local mode — not sandboxed" in " ".join(page.text)) == unsafe
    assert ('role="alert"' in html) == unsafe


def test_empty_board_renders(tmp_path):
    board = build_board([], points=POINTS, split="private")
    html, page = render(tmp_path, board)
    assert "No runs yet" in " ".join(page.text)
    assert len(page.tables) == len(POINTS)


@pytest.mark.parametrize("kwargs, message", [
    ({"board": "board"}, "The 'board' parameter of render_leaderboard must be a Board; "
     "got str."),
    ({"title": ""}, "The 'title' parameter of render_leaderboard must be a non-empty str; "
     "got ''."),
    ({"subtitle": None}, "The 'subtitle' parameter of render_leaderboard must be a str; "
     "got None."),
])
def test_render_rejects_bad_input(tmp_path, kwargs, message):
    arguments = {"board": sample_board(), "out_dir": tmp_path, "title": "T", **kwargs}
    with pytest.raises(InvalidParameterError) as info:
        render_leaderboard(**arguments)
    assert str(info.value) == message
