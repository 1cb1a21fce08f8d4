"""Shared helpers of the test suite."""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_terminal_summary(terminalreporter):
    """Say loudly when the browser tests were skipped (no chromium or chromedriver)."""
    from browser.lab import MISSING_BROWSER

    skipped = [r for r in terminalreporter.stats.get("skipped", []) if MISSING_BROWSER in str(r.longrepr)]
    if skipped:
        terminalreporter.section("BROWSER TESTS SKIPPED", sep="!", red=True, bold=True)
        terminalreporter.line(f"{len(skipped)} browser test(s) skipped: {MISSING_BROWSER}", red=True, bold=True)
