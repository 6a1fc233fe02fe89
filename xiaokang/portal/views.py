"""Public pages of the portal (issue 7 §1)."""

from django.shortcuts import render


def home(request):
    return render(request, "portal/home.html")
