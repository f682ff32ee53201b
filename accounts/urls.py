from django.urls import path

from . import pickers, views

app_name = "accounts"
urlpatterns = [
    path("organizations/", views.organization_list, name="organization_list"),
    path("pick/regions/", pickers.regions, name="pick_regions"),
    path("pick/organizations/", pickers.organizations, name="pick_organizations"),
    path("pick/users/", pickers.users, name="pick_users"),
]
