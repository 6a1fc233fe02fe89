from django.urls import path

from xiaokang.audit import views

# Under /staff/audit/ (config/urls.py). Auditors only: every other role gets 403 (三权分立).
urlpatterns = [
    path("", views.audit_list, name="audit-list"),
    path("verify/", views.audit_verify, name="audit-verify"),
]
