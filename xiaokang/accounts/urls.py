from django.contrib.auth import views as auth_views
from django.urls import path

from xiaokang.accounts import twofactor_views, views

urlpatterns = [
    path(
        "login/",
        # Someone already signed in who opens /login/ (a bookmark) goes on to the staff home instead
        # of seeing a form that would sign them in a second time.
        # The form adds the username lockout, address throttling and audit (accounts.services.login_check);
        # LoginView rotates the session id at login (django.contrib.auth.login → cycle_key). A user with
        # a second factor (or who must enrol one) goes on to the code step or enrolment (U11).
        twofactor_views.PasswordStepView.as_view(),
        name="login",
    ),
    path("login/code/", twofactor_views.login_code, name="login-code"),
    path("login/two-factor/", twofactor_views.two_factor_enrol, name="two-factor-enrol"),
    # POST only (Django 5): the logout button in base.html is a form.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/accounts/", views.account_list, name="account-list"),
    path("staff/accounts/new/", views.account_create, name="account-create"),
    path("staff/accounts/<id:pk>/", views.account_edit, name="account-edit"),
    path("staff/accounts/<id:pk>/unlock/", views.account_unlock, name="account-unlock"),
    path(
        "staff/accounts/<id:pk>/two-factor-reset/",
        twofactor_views.account_two_factor_reset,
        name="account-two-factor-reset",
    ),
    # Role changes (三权分立): the district administrators decide; the auditor reads the list.
    path("staff/grants/", views.grant_list, name="grant-list"),
    path("staff/grants/<id:pk>/approve/", views.grant_decide, {"decision": "approve"}, name="grant-approve"),
    path("staff/grants/<id:pk>/reject/", views.grant_decide, {"decision": "reject"}, name="grant-reject"),
    # Split knowledge: a district administrator issues the enrolment code of a second factor.
    path(
        "staff/grants/enrolment-code/<id:pk>/",
        views.enrolment_code_issue_view,
        name="enrolment-code-issue",
    ),
    path("staff/audit/grants/", views.audit_grant_list, name="audit-grant-list"),
    # Every account's own password (and the only page an account with must_change_password reaches).
    path("staff/password/", views.password_change_view, name="password-change"),
]
