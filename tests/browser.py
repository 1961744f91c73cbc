"""A page in its own browser context, as the page tests open one (the browser: conftest.py)."""

from __future__ import annotations

from typing import Any


class Opened:
    """Every request a page tries is recorded and refused (but for ``own_file``, the saved page
    itself); script errors and dialogs are recorded. ``close`` ends it and checks they are none."""

    def __init__(self, browser: Any, *, width: int = 1400, height: int = 800) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.own_file = ""  # the saved page itself may load from disk
        self.context.route("**/*", self._refuse)

    def _refuse(self, route: Any) -> None:
        if route.request.url == self.own_file:
            route.continue_()
            return
        self.requests.append(route.request.url)
        route.abort()

    def load(self, html: str) -> Any:
        page = self.context.new_page()
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        page.set_content(html)
        return page

    def close(self, *, no_requests: bool = True) -> None:
        """Close the context; no script error, no dialog, and (``no_requests``) no request tried."""
        self.context.close()
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs
        if no_requests:
            assert self.requests == [], self.requests
