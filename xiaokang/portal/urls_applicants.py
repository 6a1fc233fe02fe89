"""Applicants' accounts on the public portal (S4, U11): registration, sign-in, their applications,
enrolments and payments, online applications and appeals. Included at /account/.
docs/portal-accounts.md."""

from django.urls import path

from xiaokang.portal import views_applicants as views

urlpatterns = [
    path("", views.home, name="applicant-home"),
    path("register/", views.register, name="applicant-register"),
    path("login/", views.login, name="applicant-login"),
    path("logout/", views.logout, name="applicant-logout"),
    path("verify/", views.verify, name="applicant-verify"),
    path("verify/send/", views.verify_send, name="applicant-verify-send"),
    path("applications/<id:pk>/", views.application_detail, name="applicant-application"),
    path("applications/<id:pk>/appeal/", views.appeal, name="applicant-appeal"),
    path("applications/<id:pk>/documents/", views.document_upload, name="applicant-document-upload"),
    path("apply/", views.apply_choose, name="applicant-apply"),
    path("apply/<str:policy_id>/", views.apply, name="applicant-apply-policy"),
]
