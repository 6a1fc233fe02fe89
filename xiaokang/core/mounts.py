"""Where each app's pages and API routers are mounted: declared by the app on its AppConfig, assembled
by config/urls.py and config/api.py (which list no app by hand).

    class CasesConfig(AppConfig):
        url_mounts = (UrlMount("staff/applications/", "xiaokang.cases.urls", order=100),)
        api_mounts = (ApiMount("/applications", "xiaokang.cases.api.router", order=40),)

``order`` is the place in the URL list (or among the API's routers) across all apps: Django tries URL
patterns in order, so where several apps mount at "" the order decides which pattern wins, and the
OpenAPI document lists the routers' operations in their order. Two mounts at one place raise.
"""

from __future__ import annotations

from dataclasses import dataclass


class MountError(ValueError):
    """Two mounts at one place in the order (or one urlconf or router mounted twice)."""


@dataclass(frozen=True)
class UrlMount:
    prefix: str  # "staff/applications/" or "" (the urlconf's own paths are complete)
    urlconf: str  # dotted path of the app's urls module
    order: int


@dataclass(frozen=True)
class ApiMount:
    prefix: str  # "/applications"
    router: str  # dotted path of a ninja Router, "xiaokang.cases.api.router"
    order: int
    tags: tuple[str, ...] | None = None  # None: the router's own (as today)


def _collect(attribute: str, key) -> list:
    from django.apps import apps

    mounts = [mount for config in apps.get_app_configs() for mount in getattr(config, attribute, ())]
    for label, values in (("order", [mount.order for mount in mounts]), ("target", [key(m) for m in mounts])):
        duplicates = sorted({value for value in values if values.count(value) > 1}, key=str)
        if duplicates:
            raise MountError(f"{attribute}: the same {label} twice: {duplicates}")
    return sorted(mounts, key=lambda mount: mount.order)


def url_mounts() -> list[UrlMount]:
    """Every app's URL mounts, in order (apps loaded: called from the root urlconf)."""
    return _collect("url_mounts", lambda mount: mount.urlconf)


def api_mounts() -> list[ApiMount]:
    """Every app's API routers, in order."""
    return _collect("api_mounts", lambda mount: mount.router)
