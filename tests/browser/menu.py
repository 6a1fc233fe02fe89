"""The staff menu in browser tests: its groups are <details> disclosures (base.html, U11), so a test
opens the group that holds a link, as a keyboard user does, before following it."""

from __future__ import annotations

from playwright.sync_api import expect


def menu_link(page, href: str):
    """The staff menu's link to ``href``, shown: its group's summary focused and opened with Enter."""
    link = page.locator(f".site-nav a[href='{href}']")
    # The inner locator of ``has`` is matched inside each group: the link by its href alone.
    group = page.locator("details.nav-menu").filter(has=page.locator(f"a[href='{href}']"))
    summary = group.locator("summary")
    summary.focus()
    expect(summary).to_be_focused()
    page.keyboard.press("Enter")
    expect(link).to_be_visible()
    return link
