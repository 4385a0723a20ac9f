"""The sites of a real competition (see conftest): no private label anywhere, exports that match
the pages, error analysis on public runs only, a sealed private board. No browser needed."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from synthetic.scenario import load_scenario


def scenarios(workspace: Path, split: str) -> list:
    with sqlite3.connect(workspace / "arena.sqlite") as db:
        rows = db.execute("SELECT path FROM scenarios WHERE split = ?", (split,)).fetchall()
    return [load_scenario(Path(path)) for (path,) in rows]


def published_files(site) -> list[Path]:
    return sorted(p for d in (site.public, site.sealed, site.revealed) for p in d.iterdir())


def test_private_labels_never_appear_in_any_page_export_or_log(arena_site):
    private = scenarios(arena_site.workspace, "private")
    public = scenarios(arena_site.workspace, "public")
    assert len(private) == 4 and len(public) == 2
    public_ids = {r for s in public for r in s.record_ids().to_pylist()}
    secrets: set[str] = set()
    for scenario in private:
        secrets |= set(scenario.read_labels().column("record_id").to_pylist()) - public_ids
        secrets |= {scenario.id, str(scenario.manifest["seed"])}
        # every private subject key: a per-record outcome would name one
        secrets |= set(scenario.record_ids().to_pylist()) - public_ids
    assert len(secrets) > 100
    # the check can fail: public clue ids do appear (error analysis of public runs)
    public_clues = {r for s in public for r in s.read_labels().column("record_id").to_pylist()}
    texts = {path: path.read_text(encoding="utf-8") for path in published_files(arena_site)}
    texts[Path("arena leaderboard output")] = arena_site.logs
    everything = "\n".join(texts.values())
    assert any(clue in everything for clue in public_clues)
    pattern = re.compile("|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True)))
    for path, text in texts.items():
        match = pattern.search(text)
        assert match is None, f"{path}: private value {match.group(0)!r} leaked"


def test_exports_match_the_pages_on_a_real_board(arena_site):
    data = json.loads((arena_site.public / "leaderboard.json").read_text(encoding="utf-8"))
    html = (arena_site.public / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr data-submission="([0-9a-f]+)">(.*?)</tr>', html, re.S)
    assert len(rows) == len(data["entries"]) == 3
    for (submission_id, row), entry in zip(rows, data["entries"]):
        assert submission_id == entry["submission_id"]
        numbers = re.findall(r'data-sort="(-?[0-9.]+)"', row)
        assert float(numbers[0]) == entry["rank"]
        assert f'data-sort="{entry["overall"]}">{entry["overall"]:.4f}</td>' in row
        assert f'[{entry["low"]:.4f}, {entry["high"]:.4f}]' in row
    baseline, weak, crash = data["entries"]
    assert baseline["baseline"] and baseline["overall"] == 1.0 and baseline["rank"] == 1
    assert crash["overall"] == 0.0 and crash["statuses"] == {"crashed": 2}
    assert crash["rank"] == 3 and weak["rank"] == 2
    assert "model file missing" in crash["runs"][0]["stderr_tail"]
    csv_text = (arena_site.public / "leaderboard.csv").read_text(encoding="utf-8")
    assert csv_text.splitlines()[1].startswith("1,,,组委会基线,env-tax-rules-baseline,1.0,")


def test_public_pages_carry_error_analysis_and_private_pages_do_not(arena_site):
    data = json.loads((arena_site.public / "leaderboard.json").read_text(encoding="utf-8"))
    weak = next(e for e in data["entries"] if e["submission"] == "env-tax-exact-match")
    analysed = [r for r in weak["runs"] if r["analysis"]]
    assert len(analysed) == 2 and weak["reasons"]
    hard = next(r for r in analysed if r["difficulty"] == "hard")
    assert hard["analysis"]["false_alarm_count"] + hard["analysis"]["missed_count"] > 0
    page = (arena_site.public / weak["page"]).read_text(encoding="utf-8")
    assert "reasons-table" in page and 'class="false-alarms"' in page

    revealed = json.loads((arena_site.revealed / "leaderboard.json").read_text(
        encoding="utf-8"))
    assert revealed["revealed"] is True and revealed["bootstrap"]["draws"] == 2
    for entry in revealed["entries"]:
        assert entry["reasons"] is None
        assert all(r["analysis"] is None for r in entry["runs"])
        assert entry["rank_best"] is not None
        assert all(re.fullmatch(r"env_tax/(easy|hard)/150 #[12]", r["scenario"])
                   for r in entry["runs"])
    for path in arena_site.revealed.glob("submission-*.html"):
        text = path.read_text(encoding="utf-8")
        assert "reasons-table" not in text and "Error analysis is shown for public" in text


def test_the_sealed_board_has_no_score(arena_site):
    data = json.loads((arena_site.sealed / "leaderboard.json").read_text(encoding="utf-8"))
    assert data["revealed"] is False
    assert [e["runs"] for e in data["entries"]] == [4, 4, 4]
    html = (arena_site.sealed / "index.html").read_text(encoding="utf-8")
    assert "The private board is sealed" in html
    assert data["phase"] == "决赛 final" and '<span class="pill">决赛 final</span>' in html
    revealed = json.loads((arena_site.revealed / "leaderboard.json").read_text(
        encoding="utf-8"))
    for entry in revealed["entries"]:
        if entry["overall"] not in (0.0, 1.0):
            assert f"{entry['overall']:.4f}" not in html


@pytest.mark.parametrize("options, fragments", [
    (["--board", "public", "--reveal"], ["--reveal", "private board only"]),
    (["--bootstrap", "0"], ["--bootstrap", "0"]),
])
def test_leaderboard_bad_options_are_one_line(arena_site, tmp_path, options, fragments):
    result = subprocess.run(
        [sys.executable, "-m", "harness", "leaderboard", "--workspace",
         str(arena_site.workspace), "--out", str(tmp_path / "out"), *options],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert all(fragment in lines[0] for fragment in fragments), lines[0]
    assert not (tmp_path / "out").exists()
