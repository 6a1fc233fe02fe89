from django.urls import path

from xiaokang.registry import views_batch

# Under /staff/registry/ (registry/urls.py). Who may use each page is said in views_batch.
urlpatterns = [
    path("import/", views_batch.import_page, name="registry-import"),
    path("import/confirm/", views_batch.import_confirm, name="registry-import-confirm"),
    path("import/errors/", views_batch.import_errors_download, name="registry-import-errors"),
    path("quality/", views_batch.quality_page, name="registry-quality"),
    path("quality/download/", views_batch.quality_download, name="registry-quality-download"),
    path("export/", views_batch.export_page, name="registry-export"),
]
