"""Browser tests (Playwright + Chromium + axe-core); see docs/pages.md."""
