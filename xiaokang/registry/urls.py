from django.urls import include, path

from xiaokang.registry import views

urlpatterns = [
    path("staff/", views.staff_home, name="staff-home"),
    # Staff sections, each its own module: persons (search, list, detail, forms) and batch work (import,
    # data quality, export).
    path("staff/persons/", include("xiaokang.registry.urls_persons")),
    path("staff/registry/", include("xiaokang.registry.urls_batch")),
]
