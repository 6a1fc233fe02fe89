"""The declaration pages under /staff/declarations/ (E1; docs/declarations.md)."""

from django.urls import path

from xiaokang.employment.views import declaration_conflicts, declaration_entry, declarations

urlpatterns = [
    path("", declarations.declaration_list, name="declaration-list"),
    path("new/", declaration_entry.declaration_create, name="declaration-create"),
    path("<id:pk>/", declarations.declaration_detail, name="declaration-detail"),
    path("<id:pk>/correct/", declaration_entry.declaration_correct_view, name="declaration-correct"),
    path("<id:pk>/recheck/", declarations.declaration_recheck_view, name="declaration-recheck"),
    path("<id:pk>/approve/", declarations.declaration_approve_view, name="declaration-approve"),
    path("conflicts/<int:year>/", declaration_conflicts.declaration_conflicts, name="declaration-conflicts"),
    path(
        "conflicts/<int:year>/resolve/",
        declaration_conflicts.declaration_conflict_resolve,
        name="declaration-conflict-resolve",
    ),
]
