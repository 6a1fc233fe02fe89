"""Applicants' accounts on the public portal (issue 7 §2): registration, sign-in, their applications,
enrolments and payments, online applications and appeals. Included at /account/. docs/portal.md."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
