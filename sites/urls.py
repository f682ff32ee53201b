from django.urls import path

from . import assignments, views

app_name = "sites"
urlpatterns = [
    path("", views.site_list, name="list"),
    path("export.xlsx", views.site_export, name="export"),
    path("nominate/", views.site_nominate, name="nominate"),
    path("import/", views.site_import, name="import"),
    path("import/template.xlsx", views.site_import_template, name="import_template"),
    path("targets/", views.targets, name="targets"),
    path("targets/edit/", views.targets_edit, name="targets_edit"),
    path("targets/districts/", views.district_picker, name="pick_districts"),
    path("zones/", views.zone_list, name="zones"),
    path("zones/new/", views.zone_create, name="zone_create"),
    path("zones/<int:pk>/edit/", views.zone_edit, name="zone_edit"),
    path("zones/<int:pk>/delete/", views.zone_delete, name="zone_delete"),
    path("batches/", views.batch_list, name="batches"),
    path("batches/new/", views.batch_create, name="batch_create"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/edit/", views.batch_edit, name="batch_edit"),
    path("batches/<int:pk>/delete/", views.batch_delete, name="batch_delete"),
    path("pick/", views.site_picker, name="pick"),
    path("pick/instructors/", views.instructor_picker, name="pick_instructors"),
    path("assignments/<int:user_id>/", assignments.user_sites, name="user_sites"),
    path("<int:pk>/group/<int:member_id>/account/", assignments.member_account, name="member_account"),
    path("<int:pk>/", views.site_detail, name="detail"),
    path("<int:pk>/edit/", views.site_edit, name="edit"),
    path("<int:pk>/people/<str:what>/", views.site_related, name="related"),
    path("<int:pk>/state/", views.site_transition, name="transition"),
    path("<int:pk>/subsidies/", views.subsidy_add, name="subsidy_add"),
    path("<int:pk>/emblem/", views.site_image, name="emblem"),
    path("<int:pk>/route/<int:stop_pk>/photo/", views.site_image, name="stop_photo"),
]
