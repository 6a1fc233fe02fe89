from django.contrib.auth import views as auth_views
from django.urls import path

urlpatterns = [
    path(
        "login/",
        # Someone already signed in who opens /login/ (a bookmark) goes on to the staff home instead
        # of seeing a form that would sign them in a second time.
        auth_views.LoginView.as_view(template_name="accounts/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    # POST only (Django 5): the logout button in base.html is a form.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
