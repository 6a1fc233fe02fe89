"""An account whose password someone else set reaches only the change-password page until it has chosen
its own (GB/T 22239-2019 8.1.4.1: the security administrator must not keep knowing a working password)."""

from django.shortcuts import redirect
from django.urls import Resolver404, resolve

# The pages such an account may still open: the password page itself, signing out, the language switch.
ALLOWED = {"password-change", "logout", "set_language"}


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path_info.startswith("/api/")  # the API refuses such an account itself
        ):
            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None
            if name not in ALLOWED:
                return redirect("password-change")
        return self.get_response(request)
