from django.contrib.auth import views as auth_views
from django.urls import path

from xiaokang.accounts import views
from xiaokang.accounts.forms import LockoutAuthenticationForm

urlpatterns = [
    path(
        "login/",
        # Someone already signed in who opens /login/ (a bookmark) goes on to the staff home instead
        # of seeing a form that would sign them in a second time.
        # The form adds the username lockout and audit (accounts.services.login_check); LoginView
        # rotates the session id at login (django.contrib.auth.login → cycle_key).
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            redirect_authenticated_user=True,
            authentication_form=LockoutAuthenticationForm,
        ),
        name="login",
    ),
    # POST only (Django 5): the logout button in base.html is a form.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/accounts/", views.account_list, name="account-list"),
    path("staff/accounts/new/", views.account_create, name="account-create"),
    path("staff/accounts/<id:pk>/", views.account_edit, name="account-edit"),
    path("staff/accounts/<id:pk>/unlock/", views.account_unlock, name="account-unlock"),
    # Role changes (三权分立): the district administrators decide; the auditor reads the list.
    path("staff/grants/", views.grant_list, name="grant-list"),
    path("staff/grants/<id:pk>/approve/", views.grant_decide, {"decision": "approve"}, name="grant-approve"),
    path("staff/grants/<id:pk>/reject/", views.grant_decide, {"decision": "reject"}, name="grant-reject"),
    path("staff/audit/grants/", views.audit_grant_list, name="audit-grant-list"),
    # Every account's own password (and the only page an account with must_change_password reaches).
    path("staff/password/", views.password_change_view, name="password-change"),
]
