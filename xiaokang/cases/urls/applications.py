"""The application pages, under /staff/applications/ (docs/pages.md). Addresses carry record ids only."""

from django.urls import path

from xiaokang.cases.views import applications, dashboard, documents, temporary

urlpatterns = [
    path("", applications.application_list, name="application-list"),
    path("dashboard/", dashboard.application_dashboard, name="application-dashboard"),
    path("new/<id:person_pk>/", applications.application_create, name="application-create"),
    path("<id:pk>/", applications.application_detail, name="application-detail"),
    path("<id:pk>/transition/", applications.application_transition_view, name="application-transition"),
    # The district's review of a temporary-assistance grant (S3), from the grant's page.
    path("<id:pk>/temporary-review/", temporary.temporary_review_view, name="temporary-review"),
    path("<id:pk>/notice/", applications.application_notice, name="application-notice"),
    path("<id:pk>/notice.pdf", applications.application_notice_pdf, name="application-notice-pdf"),
    path("<id:pk>/receipt/", applications.application_receipt, name="application-receipt"),
    path("<id:pk>/receipt.pdf", applications.application_receipt_pdf, name="application-receipt-pdf"),
    path("<id:pk>/documents/", documents.application_document_upload, name="application-document-upload"),
    path("<id:pk>/documents/<id:document_pk>/", documents.application_document, name="application-document"),
]
