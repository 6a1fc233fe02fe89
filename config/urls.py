from django.urls import include, path

from config.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("xiaokang.portal.urls")),
    path("account/", include("xiaokang.portal.urls_applicants")),
    path("interpreting/", include("xiaokang.interpreting.urls")),
    path("staff/interpreting/", include("xiaokang.interpreting.urls_staff")),
    path("", include("xiaokang.accounts.urls")),
    path("", include("xiaokang.registry.urls")),
    path("staff/audit/", include("xiaokang.audit.urls")),
    path("staff/policies/", include("xiaokang.policies.urls")),
    path("staff/applications/", include("xiaokang.cases.urls")),
    path("staff/work/", include("xiaokang.cases.urls_work")),
    path("staff/employers/", include("xiaokang.employment.urls_employers")),
    path("staff/declarations/", include("xiaokang.employment.urls_declarations")),
    path("", include("xiaokang.employment.urls_disclosure")),
    path("api/v1/", api.urls),
]
