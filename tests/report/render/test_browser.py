"""Each HTML opened in a real headless browser (Debian's chromium, driven by Playwright) with the
network blocked: nothing fails, nothing is fetched, no script from the data runs, every figure
loads, every table-of-contents link lands on its section, and table cells kept whole fit."""

from __future__ import annotations

import shutil

import pytest

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium 未安装（scripts/setup_system.sh --test-tools）"
)


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def opened(browser, rendered):
    """The page after loading, with everything the browser tried or complained about."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=True)
    page = context.new_page()
    seen = {"blocked": [], "failed": [], "console": [], "errors": [], "dialogs": []}

    def route(route):
        url = route.request.url
        if url.startswith(("file:", "data:", "about:")):
            route.continue_()
        else:
            seen["blocked"].append(url)
            route.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda r: seen["failed"].append(r.url))
    page.on("console", lambda m: m.type == "error" and seen["console"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.goto(rendered["html"].as_uri(), wait_until="load")
    page.wait_for_timeout(300)
    yield page, seen
    context.close()


def test_no_request_leaves_and_nothing_fails(opened):
    _, seen = opened
    assert seen["blocked"] == [] and seen["failed"] == []
    assert seen["console"] == [] and seen["errors"] == []


def test_no_script_from_the_data_runs(opened):
    page, seen = opened
    assert seen["dialogs"] == []
    live = page.evaluate(
        """() => ({
        iframes: document.querySelectorAll('iframe').length,
        jsLinks: [...document.querySelectorAll('a[href]')].filter(a => /^\\s*javascript:/i.test(a.getAttribute('href'))).length,
        handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => /^on/i.test(a.name))).map(e => e.outerHTML.slice(0, 80)),
        remoteImages: [...document.images].filter(i => !/^data:/.test(i.getAttribute('src') || '')).length,
        dataScripts: [...document.scripts].filter(s => /xss|alert\\(/.test(s.textContent)).length,
        text: document.body.innerText,
    })"""
    )
    assert live["iframes"] == 0 and live["jsLinks"] == 0 and live["remoteImages"] == 0
    assert live["handlers"] == [] and live["dataScripts"] == 0
    assert "<script>alert(" in live["text"]  # shown, as text (quotes may become typographic)


def test_every_figure_loads(opened):
    page, _ = opened
    images = page.evaluate(
        "() => [...document.images].map(i => ({ok: i.complete && i.naturalWidth > 0, src: i.src.slice(0, 40)}))"
    )
    assert len(images) >= 16 and all(image["ok"] for image in images), images


def test_every_toc_link_lands_on_its_section(opened):
    page, _ = opened
    hrefs = page.evaluate(
        "() => [...document.querySelectorAll('nav#TOC a[href^=\"#\"]')].map(a => a.getAttribute('href'))"
    )
    assert len(hrefs) >= 25  # sections, indicators, regions
    for href in hrefs:
        page.evaluate("(h) => window.scrollTo(0, 0)", href)
        page.click(f'nav#TOC a[href="{href}"]')
        page.wait_for_timeout(50)
        landed = page.evaluate(
            """(h) => {
            const target = document.getElementById(decodeURIComponent(h.slice(1)));
            if (!target) return 'missing';
            const top = target.getBoundingClientRect().top;
            const atBottom = window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2;
            return (top >= -5 && top <= 200) || (atBottom && top < window.innerHeight) ? 'ok' : 'top=' + top;
        }""",
            href,
        )
        assert landed == "ok", (href, landed)


def test_cells_kept_whole_are_on_one_line_and_fit(opened):
    page, _ = opened
    bad = page.evaluate(
        """() => [...document.querySelectorAll('table .nowrap')].filter(s => {
            const cell = s.closest('td, th');
            const r = s.getBoundingClientRect(), c = cell.getBoundingClientRect();
            return s.getClientRects().length !== 1 || r.right > c.right + 1;
        }).map(s => s.textContent)"""
    )
    count = page.evaluate("() => document.querySelectorAll('table .nowrap').length")
    assert count > 500 and bad == [], bad[:20]
