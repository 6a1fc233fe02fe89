"""The person pages, under /staff/persons/ (docs/pages.md). Addresses carry record ids only: never an ID
or certificate number (those are searched with POST)."""

from django.urls import path

from xiaokang.registry import views_persons, views_transfers

urlpatterns = [
    path("", views_persons.person_list, name="person-list"),
    path("new/", views_persons.person_create, name="person-create"),
    path("<id:pk>/", views_persons.person_detail, name="person-detail"),
    path("<id:pk>/edit/", views_persons.person_edit, name="person-edit"),
    path("<id:pk>/reveal/", views_persons.person_reveal, name="person-reveal"),
    path("<id:pk>/transfer/", views_transfers.person_transfer, name="person-transfer"),
]
