from django.urls import path

from . import views

app_name = "standards"
urlpatterns = [
    path("", views.standard_list, name="list"),
    path("new/", views.standard_create, name="create"),
    path("import/", views.standard_import, name="import"),
    path("<int:pk>/", views.standard_detail, name="detail"),
    path("<int:pk>/edit/", views.standard_edit, name="edit"),
    path("<int:pk>/publish/", views.standard_publish, name="publish"),
    path("<int:pk>/withdraw/", views.standard_withdraw, name="withdraw"),
    path("<int:pk>/delete/", views.standard_delete, name="delete"),
    path("<int:pk>/copy/", views.standard_copy, name="copy"),
    path("<int:pk>/export.xlsx", views.standard_export, name="export"),
    path("<int:pk>/print/", views.standard_print, name="print"),
    path("<int:pk>/sections/new/", views.section_form, name="section_create"),
    path("<int:pk>/sections/<int:section_pk>/", views.section_form, name="section_edit"),
    path("<int:pk>/sections/<int:section_pk>/delete/", views.section_delete, name="section_delete"),
    path("<int:pk>/sections/<int:section_pk>/move/<str:direction>/", views.section_move, name="section_move"),
    path("<int:pk>/sections/<int:section_pk>/items/new/", views.item_create, name="item_create"),
    path("<int:pk>/items/<int:item_pk>/", views.item_edit, name="item_edit"),
    path("<int:pk>/items/<int:item_pk>/delete/", views.item_delete, name="item_delete"),
    path("<int:pk>/items/<int:item_pk>/move/<str:direction>/", views.item_move, name="item_move"),
]
