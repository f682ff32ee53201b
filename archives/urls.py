from django.urls import path

from . import views

app_name = "archives"
urlpatterns = [
    path("sites/<int:site_id>/", views.site_archive, name="site"),
    path("sites/<int:site_id>/upload/", views.upload, name="upload"),
    path("sites/<int:site_id>/trash/", views.trash, name="trash"),
    path("sites/<int:site_id>/photos/", views.gallery, name="gallery"),
    path("materials/<int:pk>/public/", views.set_public, name="set_public"),
    path("materials/<int:pk>/review/", views.review, name="review"),
    path("review/", views.review_inbox, name="review_inbox"),
    path("review/accept/", views.review_bulk, name="review_bulk"),
    path("materials/<int:pk>/replace/", views.replace, name="replace"),
    path("materials/<int:pk>/delete/", views.delete, name="delete"),
    path("materials/<int:pk>/restore/", views.restore, name="restore"),
    path("versions/<int:version_id>/restore/", views.version_restore, name="version_restore"),
    path("sites/<int:site_id>/ledger/", views.ledger_request, name="ledger_request"),
    path("ledgers/", views.ledger_list, name="ledgers"),
    path("ledgers/<int:ledger_id>/", views.ledger_status, name="ledger_status"),
    path("ledgers/<int:ledger_id>/download/", views.ledger_download, name="ledger_download"),
    path("files/<int:version_id>/", views.download, name="download"),
    path("files/<int:version_id>/thumbnail/", views.download, {"thumbnail": True}, name="thumbnail"),
]
