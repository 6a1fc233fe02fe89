"""Sign-language interpretation booking (issue 7 §3, U11): the public booking pages (/interpreting/) and
the staff pages (/staff/interpreting/). docs/interpreting.md."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
