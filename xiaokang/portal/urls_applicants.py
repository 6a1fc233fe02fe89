"""Applicants' accounts on the public portal (S4, U11): registration, sign-in, their applications,
enrolments and payments, online applications and appeals. Included at /account/.
docs/portal-accounts.md."""

from django.urls import path

from xiaokang.portal.views import account, applications, apply, verification

urlpatterns = [
    path("", applications.home, name="applicant-home"),
    path("register/", account.register, name="applicant-register"),
    path("login/", account.login, name="applicant-login"),
    path("logout/", account.logout, name="applicant-logout"),
    path("verify/", verification.verify, name="applicant-verify"),
    path("verify/send/", verification.verify_send, name="applicant-verify-send"),
    path("applications/<id:pk>/", applications.application_detail, name="applicant-application"),
    path("applications/<id:pk>/appeal/", applications.appeal, name="applicant-appeal"),
    path("applications/<id:pk>/notice.pdf", applications.application_notice_pdf, name="applicant-notice-pdf"),
    path("applications/<id:pk>/receipt/", applications.application_receipt, name="applicant-receipt"),
    path(
        "applications/<id:pk>/receipt.pdf", applications.application_receipt_pdf, name="applicant-receipt-pdf"
    ),
    path("applications/<id:pk>/documents/", applications.document_upload, name="applicant-document-upload"),
    path("apply/", apply.apply_choose, name="applicant-apply"),
    path("apply/<str:policy_id>/", apply.apply, name="applicant-apply-policy"),
]
