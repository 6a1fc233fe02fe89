"""The public portal (P2, S4, U11): home, policy guide, screener, status lookup and the display
settings. No login. docs/portal.md."""

from django.urls import path

from xiaokang.portal import display
from xiaokang.portal.views import public, staff

urlpatterns = [
    path("", public.home, name="home"),
    path("display/", display.display_settings, name="display-settings"),
    path("policies/", public.policy_guide, name="policy-guide"),
    path("policies/<str:policy_id>/", public.policy_guide_detail, name="policy-guide-detail"),
    path("screener/", public.screener, name="screener"),
    path("status/", public.status, name="status"),
    # Staff, on the person page (U11): print a verification code, unlink a portal account.
    path("staff/persons/<id:pk>/portal-code/", staff.office_code, name="person-portal-code"),
    path("staff/persons/<id:pk>/portal-unlink/", staff.unlink, name="person-portal-unlink"),
]
