"""render_leaderboard: parse every page of the site and check tables, escaping, self-containment,
the sealed private board and that the CSV/JSON exports hold the pages' numbers."""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from scoring import (InvalidParameterError, RunRecord, analyze_run, assess_board, build_board,
                     render_leaderboard)

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


def sample_runs(*, unsafe: bool = False, split: str = "public") -> list[RunRecord]:
    evil = dict(submission_id="sub-evil", team=EVIL_TEAM, submission_name="x<b>y</b>",
                covered_points=POINTS, baseline=True)
    return [
        run(split=split),
        run(scenario_id="env_tax-2", difficulty="hard", status="timeout", precision=None,
            recall=None, f1=None, reason_f1=None, stderr_tail=EVIL_STDERR, split=split),
        run(**evil, f1=0.5, unsafe=unsafe, split=split),
        run(**evil, point="farmland_tax", scenario_id="farmland_tax-1", f1=0.9, unsafe=unsafe,
            split=split),
    ]


def sample_board(*, unsafe: bool = False, split: str = "public"):
    return build_board(sample_runs(unsafe=unsafe, split=split), points=POINTS, split=split)


class PageParser(HTMLParser):
    """Collects tables (caption, header cells, cell texts), attributes and <pre> texts."""

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
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend((tag, name, value) for name, value in attrs)
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append({"id": attrs.get("id"), "caption": None, "head_th": [],
                                "body_th": [], "rows": [], "head": []})
        elif tag == "caption":
            self._caption = []
        elif tag == "pre":
            self._pre = []
        elif tag in ("th", "td"):
            if tag == "th":
                section = "head_th" if "thead" in self.stack else "body_th"
                self.tables[-1][section].append(attrs.get("scope"))
            self._cell = []
        elif tag == "tr" and "tbody" in self.stack:
            self.tables[-1]["rows"].append([])
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "caption":
            self.tables[-1]["caption"] = "".join(self._caption).strip()
            self._caption = None
        elif tag == "pre":
            self.pre_texts.append("".join(self._pre))
            self._pre = None
        elif tag in ("th", "td") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if "tbody" in self.stack:
                self.tables[-1]["rows"][-1].append(text)
            elif "thead" in self.stack:
                self.tables[-1]["head"].append(text)
            self._cell = None
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data):
        self.text.append(data)
        for buffer in (self._caption, self._pre, self._cell):
            if buffer is not None:
                buffer.append(data)


def parse(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def render(tmp_path: Path, board, **kwargs) -> Path:
    path = render_leaderboard(board, tmp_path / "site", title="芜湖市大数据法律监督模型竞赛",
                              subtitle="公开榜 Public board", generated_note="note <i>",
                              **kwargs)
    assert path == tmp_path / "site" / "index.html"
    return path.parent


def test_site_files(tmp_path):
    site = render(tmp_path, sample_board())
    assert sorted(p.name for p in site.iterdir()) == [
        "index.html", "leaderboard.csv", "leaderboard.json", "point-env_tax.html",
        "point-farmland_tax.html", "submission-sub-a.html", "submission-sub-evil.html"]


def test_tables_have_captions_and_scoped_headers(tmp_path):
    site = render(tmp_path, sample_board())
    for page in site.glob("*.html"):
        tables = parse(page).tables
        assert tables, page.name
        for table in tables:
            assert table["caption"], (page.name, table)
            assert table["head_th"] and set(table["head_th"]) == {"col"}, (page.name, table)
            assert table["rows"] and table["body_th"] == ["row"] * len(table["rows"]), page.name
    overall = parse(site / "index.html").tables
    assert len(overall) == 1 and overall[0]["caption"].startswith("总榜")
    assert len(overall[0]["rows"]) == 2
    assert "env_tax" in parse(site / "point-env_tax.html").tables[0]["caption"]
    sub_a = parse(site / "submission-sub-a.html").tables
    assert [len(t["rows"]) for t in sub_a] == [2]      # runs only: no analysis was given


def test_content_is_bilingual_and_formatted(tmp_path):
    site = render(tmp_path, sample_board(), point_titles={"env_tax": ("环境保护税", "Env tax")})
    index = (site / "index.html").read_text(encoding="utf-8")
    text = " ".join(parse(site / "index.html").text)
    for zh, en in (("总分", "Overall"), ("名次", "Rank"), ("队伍", "Team"), ("基线", "baseline"),
                   ("理由 F1", "Reason F1"), ("超时", "timeout"), ("环境保护税 env_tax",
                                                                   "Env tax (env_tax)")):
        assert f'<span class="zh" lang="zh-CN">{zh}</span><span class="en" lang="en">{en}' \
               f'</span>' in index, (zh, en)
    assert '<html lang="zh-CN">' in index and 'id="lang-switch"' in index
    assert "0.5750" in text          # the evil entry: ((0.5 + missing 0) / 2 + 0.9) / 2
    point_text = " ".join(parse(site / "point-farmland_tax.html").text)
    assert "未覆盖" in point_text and "not covered" in point_text
    runs = " ".join(parse(site / "submission-sub-a.html").text)
    assert "1.23" in runs and "123.5" in runs and "0.3333" in text


def test_user_text_is_escaped(tmp_path):
    site = render(tmp_path, sample_board())
    for page in site.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        parsed = parse(page)
        assert parsed.tags.count("script") == 1 and "img" not in parsed.tags, page.name
        assert "b" not in parsed.tags and "i" not in parsed.tags, page.name
        assert "note &lt;i&gt;" in html
        if "sub-evil" in page.name or page.name == "index.html":
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
            assert "x&lt;b&gt;y&lt;/b&gt;" in html


def test_failed_run_stderr_is_shown_and_ok_stderr_is_not(tmp_path):
    site = render(tmp_path, sample_board())
    page = parse(site / "submission-sub-a.html")
    assert page.pre_texts == [EVIL_STDERR]
    for path in site.iterdir():
        assert "ok-run stderr stays hidden" not in path.read_text(encoding="utf-8")


def test_pages_make_no_external_request(tmp_path):
    site = render(tmp_path, sample_board())
    local = {p.name for p in site.iterdir()}
    for page in site.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        parsed = parse(page)
        for tag, name, value in parsed.attributes:
            if name in ("src", "srcset", "action", "poster", "data"):
                pytest.fail(f"{page.name}: {tag} {name}={value}")
            if name == "href":
                assert value == "data:," or value.split("#")[0] in local, (page.name, value)
        assert not {"iframe", "object", "embed", "img", "form"} & set(parsed.tags)
        assert [v for t, n, v in parsed.attributes if t == "link"] == ["icon", "data:,"]
        assert "url(" not in html and "@import" not in html and "fetch(" not in html
        assert ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
                "img-src data:") in html


@pytest.mark.parametrize("unsafe", [False, True])
def test_unsafe_banner(tmp_path, unsafe):
    site = render(tmp_path, sample_board(unsafe=unsafe))
    html = (site / "index.html").read_text(encoding="utf-8")
    assert ("unsafe local mode — not sandboxed" in html) == unsafe
    assert ('role="alert"' in html) == unsafe


def test_empty_board_renders(tmp_path):
    site = render(tmp_path, build_board([], points=POINTS, split="public"))
    assert "No runs yet" in " ".join(parse(site / "index.html").text)
    assert json.loads((site / "leaderboard.json").read_text(encoding="utf-8"))["entries"] == []


def overall_rows(site: Path) -> dict[str, list[str]]:
    table = parse(site / "index.html").tables[0]
    return {row[1]: row for row in table["rows"]}, table["head"]


def test_exports_hold_the_numbers_of_the_pages(tmp_path):
    site = render(tmp_path, sample_board())
    data = json.loads((site / "leaderboard.json").read_text(encoding="utf-8"))
    rows, head = overall_rows(site)
    column = {name: next(i for i, h in enumerate(head) if name in h)
              for name in ("名次", "总分", "95%", "env_tax", "farmland_tax", "理由 F1", "平均用时")}
    with (site / "leaderboard.csv").open(encoding="utf-8", newline="") as handle:
        csv_rows = {r["team"]: r for r in csv.DictReader(handle)}
    assert len(data["entries"]) == len(rows) == len(csv_rows) == 2
    for entry in data["entries"]:
        row, line = rows[entry["team"]], csv_rows[entry["team"]]
        assert int(row[column["名次"]]) == entry["rank"] == int(line["rank"])
        assert float(row[column["总分"]]) == entry["overall"] == float(line["overall"])
        low, high = map(float, re.findall(r"\d\.\d{4}", row[column["95%"]]))
        assert (low, high) == (entry["low"], entry["high"])
        assert (low, high) == (float(line["overall_low"]), float(line["overall_high"]))
        assert float(row[column["理由 F1"]]) == entry["reason_f1"] == float(line["reason_f1"])
        assert float(row[column["平均用时"]]) == entry["mean_wall_s"] == float(
            line["mean_wall_s"])
        for point in POINTS:
            shown = row[column[point]]
            p = entry["points"][point]
            if p["covered"]:
                assert float(shown) == p["f1"] == float(line[f"{point}_f1"])
            else:
                assert "not covered" in shown and line[f"{point}_covered"] == "false"
    # the per-run numbers of a submission page are the JSON's runs
    page = parse(site / "submission-sub-evil.html").tables[0]
    evil = next(e for e in data["entries"] if e["submission_id"] == "sub-evil")
    f1_column = page["head"].index("F1")
    assert [float(r[f1_column]) for r in page["rows"]] == [r["f1"] for r in evil["runs"]]


def test_sealed_private_board_shows_statuses_only(tmp_path):
    board = sample_board(split="private")
    site = render(tmp_path, board, revealed=False)
    assert sorted(p.name for p in site.iterdir()) == ["index.html", "leaderboard.csv",
                                                       "leaderboard.json"]
    page = parse(site / "index.html")
    text = " ".join(page.text)
    assert "sealed" in text and "0.5750" not in text and "0.3333" not in text
    assert page.tables[0]["head"] == ["队伍Team", "提交Submission", "版本Version",
                                      "运行次数Runs", "运行状态Statuses"]
    data = json.loads((site / "leaderboard.json").read_text(encoding="utf-8"))
    assert data["revealed"] is False
    assert set(data["entries"][0]) == {"team", "submission", "version", "submission_id",
                                       "baseline", "unsafe", "runs", "statuses"}
    assert "overall" not in (site / "leaderboard.csv").read_text(encoding="utf-8")


def test_a_new_render_removes_stale_pages(tmp_path):
    board = sample_board(split="private")
    site = render(tmp_path, board)                       # revealed: all pages
    assert (site / "submission-sub-a.html").exists()
    render(tmp_path, board, revealed=False)              # sealed over it
    assert not list(site.glob("submission-*.html")) and not list(site.glob("point-*.html"))


def test_private_runs_are_named_without_scenario_id_or_seed(tmp_path):
    runs = [run(split="private", scenario_id=f"env_tax-secret{i}", seed=987650 + i,
                difficulty="hard") for i in range(2)]
    board = build_board(runs[:1] + [run(split="private", scenario_id="env_tax-secret1",
                                        seed=987651, difficulty="hard",
                                        submission_id="sub-b", team="B")],
                        points=["env_tax"], split="private")
    site = render(tmp_path, board)
    for path in site.iterdir():
        text = path.read_text(encoding="utf-8")
        assert "secret" not in text and "98765" not in text, path.name
    assert "env_tax/hard/100 #1" in (site / "submission-sub-a.html").read_text(encoding="utf-8")


def test_analysis_appears_on_public_pages_and_is_refused_for_private_runs(tmp_path):
    labels = pd.DataFrame({"record_id": ["a", "b"], "reason": ["ENV_UNDECLARED", "ENV_X"]})
    predictions = pd.DataFrame({"record_id": ["a", "zz-false"], "reason": ["ENV_UNDECLARED",
                                                                          ""]})
    analysis = analyze_run(labels, predictions, reason_codes=["ENV_UNDECLARED"])
    board = sample_board()
    site = render(tmp_path, board, analyses={("sub-a", "env_tax-1"): analysis})
    page = parse(site / "submission-sub-a.html")
    reasons = next(t for t in page.tables if t["id"] == "reasons-table")
    assert [r[:4] for r in reasons["rows"]] == [["ENV_UNDECLARED", "1", "0", "0"],
                                                ["ENV_X", "0", "0", "1"]]
    text = " ".join(page.text)
    assert "zz-false" in text and "Missed clues" in text

    private = sample_board(split="private")
    with pytest.raises(InvalidParameterError, match="analyses of public runs only"):
        render(tmp_path / "p", private, analyses={("sub-a", "env_tax-1"): analysis})


@pytest.mark.parametrize("kwargs, message", [
    ({"board": "board"}, "The 'board' parameter of render_leaderboard must be a Board; "
     "got str."),
    ({"title": ""}, "The 'title' parameter of render_leaderboard must be a non-empty str; "
     "got ''."),
    ({"subtitle": None}, "The 'subtitle' parameter of render_leaderboard must be a str; "
     "got None."),
    ({"revealed": False}, "The 'revealed' parameter of render_leaderboard must be True for a "
     "public board (only a private board can be sealed); got False."),
    ({"uncertainty": 3}, "The 'uncertainty' parameter of render_leaderboard must be None or "
     "an Uncertainty; got int."),
])
def test_render_rejects_bad_input(tmp_path, kwargs, message):
    arguments = {"board": sample_board(), "out_dir": tmp_path, "title": "T", **kwargs}
    with pytest.raises(InvalidParameterError) as info:
        render_leaderboard(**arguments)
    assert str(info.value) == message


def test_uncertainty_is_used_as_given(tmp_path):
    board = sample_board()
    site = render(tmp_path, board, uncertainty=assess_board(board, resamples=7, seed=3))
    data = json.loads((site / "leaderboard.json").read_text(encoding="utf-8"))
    assert data["bootstrap"] == {"resamples": 7, "seed": 3, "level": 0.95, "draws": 0}
