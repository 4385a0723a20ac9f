"""The leaderboard pages in a real headless Chromium (Debian's), driven by Playwright.

Every page is opened from disk (file://): no console error (a Content Security Policy violation
is one), no uncaught exception, no request but the page itself. Sorting and the language switch
are clicked like a user would; screenshots are kept in ``artifacts/browser/`` (or
``$ARENA_ARTIFACTS_DIR``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def artifacts_dir() -> Path:
    path = Path(os.environ.get("ARENA_ARTIFACTS_DIR") or ROOT / "artifacts") / "browser"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser(chromium, tmp_path_factory):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        pytest.fail("playwright is not installed: pip install 'supervision-arena[test]'")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1360, "height": 900}, locale="zh-CN")
        try:
            yield context
        finally:
            context.close()


class Visit:
    """One page opened in the browser, with what it logged and requested."""

    def __init__(self, context, path: Path) -> None:
        self.page = context.new_page()
        self.console: list[str] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url, wait_until="load")

    def problems(self) -> list[str]:
        bad = [c for c in self.console if c.startswith(("error", "warning"))]
        bad += [f"uncaught: {e}" for e in self.errors]
        bad += [f"request: {url}" for url in self.requests if url != self.url]
        return bad

    def close(self) -> None:
        self.page.close()


def pages_of(arena_site) -> list[Path]:
    return sorted(p for d in (arena_site.public, arena_site.sealed, arena_site.revealed)
                  for p in d.glob("*.html"))


def test_every_page_loads_cleanly_from_disk(browser, arena_site):
    pages = pages_of(arena_site)
    assert len(pages) == 2 * (1 + 1 + 3) + 1   # index, point, 3 submissions; sealed index
    for path in pages:
        visit = Visit(browser, path)
        try:
            assert visit.problems() == [], f"{path.name}: {visit.problems()}"
            assert visit.requests == [visit.url]
            # the script ran: the sortable headers are wired and the switch is labelled
            assert visit.page.get_attribute("#lang-switch", "aria-pressed") == "false"
        finally:
            visit.close()


def column_values(page, table: str, index: int) -> list[str]:
    return page.eval_on_selector_all(
        f"{table} tbody tr",
        f"rows => rows.map(r => r.cells[{index}].getAttribute('data-sort') ?? "
        f"r.cells[{index}].textContent.trim())")


def header_index(page, table: str, label: str) -> int:
    labels = page.eval_on_selector_all(f"{table} thead th",
                                       "ths => ths.map(th => th.textContent.trim())")
    return next(i for i, text in enumerate(labels) if label in text)


def test_sorting_by_clicking_headers(browser, arena_site):
    visit = Visit(browser, arena_site.public / "index.html")
    page = visit.page
    try:
        table = "#overall-table"
        rank = header_index(page, table, "名次")
        assert page.get_attribute(f"{table} thead th >> nth={rank}", "aria-sort") == "ascending"
        overall = header_index(page, table, "总分")
        header = page.locator(f"{table} thead th").nth(overall)

        header.locator("button").click()
        assert header.get_attribute("aria-sort") == "descending"
        values = [float(v) for v in column_values(page, table, overall)]
        assert values == sorted(values, reverse=True) and len(values) == 3
        assert page.locator(f"{table} thead th").nth(rank).get_attribute("aria-sort") == "none"

        header.locator("button").click()
        assert header.get_attribute("aria-sort") == "ascending"
        values = [float(v) for v in column_values(page, table, overall)]
        assert values == sorted(values) and values[0] == 0.0   # the crashing submission

        team = header_index(page, table, "队伍")
        page.locator(f"{table} thead th").nth(team).locator("button").click()
        teams = page.eval_on_selector_all(f"{table} tbody th[scope=row]",
                                          "ths => ths.map(th => th.textContent.trim())")
        assert teams == sorted(teams, key=lambda s: page.evaluate(
            "([a, list]) => list.filter(b => a.localeCompare(b, 'zh-CN') > 0).length",
            [s, teams]))
        assert visit.problems() == []
    finally:
        visit.close()


def visible_text(page, selector: str) -> str:
    return page.locator(selector).first.inner_text()


def test_language_switch_and_screenshots(browser, arena_site):
    shots = artifacts_dir()
    visit = Visit(browser, arena_site.public / "index.html")
    page = visit.page
    try:
        page.evaluate("() => { try { localStorage.clear(); } catch (e) {} }")
        page.reload(wait_until="load")
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        caption = visible_text(page, "#overall-table caption")
        assert "总榜" in caption and "Overall leaderboard" not in caption
        page.screenshot(path=str(shots / "index-zh.png"), full_page=True)

        page.click("#lang-switch")
        assert page.evaluate("document.documentElement.lang") == "en"
        assert page.get_attribute("#lang-switch", "aria-pressed") == "true"
        caption = visible_text(page, "#overall-table caption")
        assert "Overall leaderboard" in caption and "总榜" not in caption
        header = visible_text(page, "#overall-table thead")
        assert "Rank" in header and "名次" not in header
        page.screenshot(path=str(shots / "index-en.png"), full_page=True)

        # the choice survives navigation where storage is available (file:// in Chromium)
        page.click("nav.pages a[href^='point-']")
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.lang") == "en"
        page.click("#lang-switch")
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        assert visit.errors == []
    finally:
        visit.close()

    for path, name in ((next(arena_site.public.glob("submission-*.html")), "submission-zh.png"),
                       (arena_site.sealed / "index.html", "private-sealed-zh.png"),
                       (arena_site.revealed / "index.html", "private-revealed-zh.png")):
        visit = Visit(browser, path)
        try:
            visit.page.screenshot(path=str(shots / name), full_page=True)
            assert visit.problems() == []
        finally:
            visit.close()
    for name in ("index-zh.png", "index-en.png", "submission-zh.png", "private-sealed-zh.png"):
        assert (shots / name).stat().st_size > 10_000, name
