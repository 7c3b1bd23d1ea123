"""Shared set-up for the browser tests: Debian's Chromium driven by Playwright (never a browser
that Playwright downloads itself), and axe-core from npm for accessibility checks.

On a machine without Chromium (or without axe-core from `npm install`) these tests are
skipped; CI installs both and sets UNIONROLL_REQUIRE_BROWSER_TOOLS=1, which turns a missing
tool into a failure instead of a silent skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# A phone: the portal's main audience reads it on one.
PHONE = {"width": 390, "height": 844}
REQUIRED = os.environ.get("UNIONROLL_REQUIRE_BROWSER_TOOLS") == "1"


def _needs(path: Path, why: str) -> pytest.MarkDecorator:
    if REQUIRED and not path.exists():
        raise RuntimeError(f"{path} is missing: {why}")
    return pytest.mark.skipif(not path.exists(), reason=why)


needs_chromium = _needs(CHROMIUM, "needs Debian's Chromium at /usr/bin/chromium")
needs_axe = _needs(AXE, "needs axe-core from npm (npm install)")


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def axe_violations(page, *, tags: tuple[str, ...] = ("wcag2a", "wcag2aa", "wcag21aa", "wcag22aa")):
    """Run axe-core on the page as it is now; return its violations (id, impact, targets)."""
    # Evaluated through the browser's DevTools, not as a <script> tag: the pages' CSP allows no
    # inline script (docs/security.md), and the test must not loosen it to look at the page.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        list(tags),
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]],
        }
        for v in result["violations"]
    ]
