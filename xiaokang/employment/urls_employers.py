"""The employer pages under /staff/employers/ (E1; docs/employers.md)."""

from django.urls import path

from xiaokang.employment.views import employers as views

urlpatterns = [
    path("", views.employer_list, name="employer-list"),
    path("new/", views.employer_create, name="employer-create"),
    path("import/", views.employer_import, name="employer-import"),
    path("import/confirm/", views.employer_import_confirm, name="employer-import-confirm"),
    path("import/template/", views.employer_import_template, name="employer-import-template"),
    path("export/", views.employer_export, name="employer-export"),
    path("<id:pk>/", views.employer_detail, name="employer-detail"),
    path("<id:pk>/edit/", views.employer_edit, name="employer-edit"),
]
