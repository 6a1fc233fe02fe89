"""Security headers on every response (U11; GB/T 22239-2019 8.1.4.4 intrusion prevention; PIPL art. 51):
a Content-Security-Policy and a Permissions-Policy from settings, and ``Cache-Control: no-store`` on the
paths that show personal data (the API, staff pages, the applicant's account), so that no browser or
proxy cache keeps a copy.

Settings (config/settings/base.py):
- ``XIAOKANG_CSP``: the policy of every page (no inline script or style anywhere: the templates use static
  files only, and the API docs' Swagger UI runs from ninja's static files under the same policy);
- ``XIAOKANG_PERMISSIONS_POLICY``: browser features the site never uses, switched off;
- ``XIAOKANG_NO_STORE_PATHS`` / ``XIAOKANG_NO_STORE_EXEMPT``: path prefixes answered with
  ``Cache-Control: no-store`` (and the exceptions, e.g. the OpenAPI document).

A header a view has set itself is kept."""

from __future__ import annotations

from django.conf import settings


def no_store(path: str) -> bool:
    if any(path.startswith(prefix) for prefix in settings.XIAOKANG_NO_STORE_EXEMPT):
        return False
    return any(path.startswith(prefix) for prefix in settings.XIAOKANG_NO_STORE_PATHS)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        path = request.path
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.XIAOKANG_CSP
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.XIAOKANG_PERMISSIONS_POLICY
        if no_store(path) and "no-store" not in response.get("Cache-Control", ""):
            # Replaces any weaker caching a view asked for (a view's never_cache is kept as it is):
            # personal data is never stored (PIPL art. 51).
            response["Cache-Control"] = "no-store"
        return response
