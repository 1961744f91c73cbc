"""Shared settings and fixtures: hypothesis's CI profile (deterministic, so a red run can be
replayed) and the headless Chromium the page tests drive."""

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from autograd_mini._browser import MISSING, launch_chromium

settings.register_profile("ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless (autograd_mini._browser); missing is a failure, never a skip."""
    if shutil.which("chromium") is None:
        pytest.fail(MISSING)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: pip install -e '.[dev]' (or run `make test`)")
    with sync_playwright() as playwright:
        launched = launch_chromium(playwright)
        yield launched
        launched.close()
