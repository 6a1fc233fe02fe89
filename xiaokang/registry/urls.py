from django.urls import path

from xiaokang.registry import views

urlpatterns = [
    path("", views.home, name="home"),
    path("staff/", views.staff_home, name="staff-home"),
]
