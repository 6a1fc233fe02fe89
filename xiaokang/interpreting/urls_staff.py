"""Staff pages of sign-language interpretation (issue 7 §3): interpreters, slots, bookings."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
