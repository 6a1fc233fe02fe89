"""The application pages, under /staff/applications/ (docs/pages.md). Addresses carry record ids only."""

from django.urls import path

from xiaokang.cases import views, views_temporary

urlpatterns = [
    path("", views.application_list, name="application-list"),
    path("dashboard/", views.application_dashboard, name="application-dashboard"),
    path("new/<id:person_pk>/", views.application_create, name="application-create"),
    path("<id:pk>/", views.application_detail, name="application-detail"),
    path("<id:pk>/transition/", views.application_transition_view, name="application-transition"),
    # The district's review of a temporary-assistance grant (S3), from the grant's page.
    path("<id:pk>/temporary-review/", views_temporary.temporary_review_view, name="temporary-review"),
    path("<id:pk>/notice/", views.application_notice, name="application-notice"),
    path("<id:pk>/documents/", views.application_document_upload, name="application-document-upload"),
    path("<id:pk>/documents/<id:document_pk>/", views.application_document, name="application-document"),
]
