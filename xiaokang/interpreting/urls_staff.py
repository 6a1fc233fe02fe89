"""Staff pages of sign-language interpretation (U11): bookings, interpreters, slots. For the
federation's district staff (district_admin, district_officer); everyone else 403 (audited)."""

from django.urls import path

from xiaokang.interpreting import views_staff

urlpatterns = [
    path("", views_staff.booking_list, name="interpreting-staff"),
    path("bookings/<id:pk>/", views_staff.booking_detail, name="interpreting-booking-detail"),
    path("bookings/<id:pk>/confirm/", views_staff.booking_confirm_view, name="interpreting-booking-confirm"),
    path(
        "bookings/<id:pk>/reassign/", views_staff.booking_reassign_view, name="interpreting-booking-reassign"
    ),
    path("bookings/<id:pk>/cancel/", views_staff.booking_cancel_view, name="interpreting-booking-cancel"),
    path("bookings/<id:pk>/reveal/", views_staff.booking_reveal, name="interpreting-booking-reveal"),
    path("interpreters/", views_staff.interpreter_list, name="interpreting-interpreters"),
    path("interpreters/new/", views_staff.interpreter_create, name="interpreting-interpreter-create"),
    path("interpreters/<id:pk>/", views_staff.interpreter_edit, name="interpreting-interpreter-edit"),
    path("slots/", views_staff.slot_list, name="interpreting-slots"),
    path("slots/<id:pk>/withdraw/", views_staff.slot_withdraw_view, name="interpreting-slot-withdraw"),
]
