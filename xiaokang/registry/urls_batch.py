from django.urls import path

from xiaokang.registry import views_batch, views_transfers

# Under /staff/registry/ (registry/urls.py). Who may use each page is said in views_batch.
urlpatterns = [
    path("import/", views_batch.import_page, name="registry-import"),
    path("import/confirm/", views_batch.import_confirm, name="registry-import-confirm"),
    path("import/errors/", views_batch.import_errors_download, name="registry-import-errors"),
    path("import/template/", views_batch.import_template, name="registry-import-template"),
    path("quality/", views_batch.quality_page, name="registry-quality"),
    path("quality/download/", views_batch.quality_download, name="registry-quality-download"),
    path("export/", views_batch.export_page, name="registry-export"),
    # Transfers between streets (R6, S4): who may use each page is said in views_transfers.
    path("transfers/", views_transfers.transfer_list, name="transfer-list"),
    path("transfers/new/", views_transfers.transfer_request_page, name="transfer-request"),
    path("transfers/<id:pk>/decide/", views_transfers.transfer_decide_page, name="transfer-decide"),
    path("transfers/<id:pk>/cancel/", views_transfers.transfer_cancel_page, name="transfer-cancel"),
]
