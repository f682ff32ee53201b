from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("organizations/", views.organization_list, name="organization_list"),
]
