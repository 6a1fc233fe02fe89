"""The declaration pages under /staff/declarations/ (E1; docs/declarations.md)."""

from django.urls import path

from xiaokang.employment import views_declarations as views

urlpatterns = [
    path("", views.declaration_list, name="declaration-list"),
    path("new/", views.declaration_create, name="declaration-create"),
    path("<id:pk>/", views.declaration_detail, name="declaration-detail"),
    path("<id:pk>/correct/", views.declaration_correct_view, name="declaration-correct"),
    path("<id:pk>/recheck/", views.declaration_recheck_view, name="declaration-recheck"),
    path("<id:pk>/approve/", views.declaration_approve_view, name="declaration-approve"),
    path("conflicts/<int:year>/", views.declaration_conflicts, name="declaration-conflicts"),
    path(
        "conflicts/<int:year>/resolve/",
        views.declaration_conflict_resolve,
        name="declaration-conflict-resolve",
    ),
]
