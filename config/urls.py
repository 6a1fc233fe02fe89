"""The root URLs, assembled from the apps: each declares its mounts on its AppConfig (``url_mounts``,
core/mounts.py), in an order across all apps (several mount at "")."""

from django.urls import include, path

from config.api import api
from xiaokang.core.mounts import url_mounts

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    *[path(mount.prefix, include(mount.urlconf)) for mount in url_mounts()],
    path("api/v1/", api.urls),
]

# A path no route matches: JSON under /api/ (every API answer is JSON), the site's 404 page elsewhere.
handler404 = "config.api.not_found"
