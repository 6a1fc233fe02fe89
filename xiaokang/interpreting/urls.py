"""Sign-language interpretation booking (U11): the public booking pages (/interpreting/) and
the staff pages (/staff/interpreting/). docs/interpreting.md."""

from django.urls import path

from xiaokang.interpreting import views

urlpatterns = [
    path("", views.booking_start, name="interpreting-book"),
    path("slots/<id:slot_id>/book/", views.booking_new, name="interpreting-booking-new"),
    path("bookings/<str:token>/", views.booking_page, name="interpreting-booking"),
]
