"""The portal's menu and the reader's display settings (U11).

High contrast and large text are kept in a cookie (no account needed, no script): the form in the page
header posts here, and every page then carries the classes on <html> that site.css styles."""

from __future__ import annotations

from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

DISPLAY_COOKIE = "xiaokang_display"
DISPLAY_OPTIONS = {"contrast": "high-contrast", "large": "large-text"}  # form field → <html> class
DISPLAY_COOKIE_DAYS = 365

# The public menu, in the order a resident needs it: find out, read the rules, apply, follow, book.
PORTAL_MENU = (
    ("screener", _("Check what you may receive")),
    ("policy-guide", _("Policy guide")),
    ("applicant-home", _("Apply online")),
    ("status", _("Application status")),
    ("interpreting-book", _("Sign-language interpreting")),
    ("disclosure-years", _("Quota disclosure")),
)


def display_choices(request) -> dict[str, bool]:
    chosen = set((request.COOKIES.get(DISPLAY_COOKIE) or "").split(","))
    return {option: option in chosen for option in DISPLAY_OPTIONS}


def portal(request) -> dict:
    """Context for base.html: the public menu and the display classes."""
    choices = display_choices(request)
    current = getattr(getattr(request, "resolver_match", None), "url_name", None)
    menu = []
    for name, label in PORTAL_MENU:
        try:
            menu.append({"url": reverse(name), "label": label, "current": name == current})
        except NoReverseMatch:  # a section not installed
            continue
    return {
        "portal_menu": menu,
        "display": choices,
        "display_classes": " ".join(DISPLAY_OPTIONS[o] for o, on in choices.items() if on),
    }


@require_POST
def display_settings(request):
    """Keep the chosen display options in a cookie and go back to the page the form was on."""
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    chosen = [option for option in DISPLAY_OPTIONS if request.POST.get(option)]
    if chosen:
        response.set_cookie(
            DISPLAY_COOKIE,
            ",".join(chosen),
            max_age=DISPLAY_COOKIE_DAYS * 24 * 3600,
            samesite="Lax",
            secure=request.is_secure(),
            httponly=True,
        )
    else:
        response.delete_cookie(DISPLAY_COOKIE, samesite="Lax")
    return response
