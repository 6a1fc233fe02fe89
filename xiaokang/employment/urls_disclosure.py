"""Placeholder: filled in by the issue 6 work (see docs/employment.md)."""

urlpatterns: list = []
