from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/settings/", views.notification_settings, name="notification_settings"),
    path("exports/<int:pk>/", views.export_status, name="export_status"),
    path("exports/<int:pk>/download/", views.export_file, name="export_file"),
    path("system/", views.system_status, name="system_status"),
    path("system/heartbeat/", views.heartbeat_request, name="heartbeat_request"),
    path("system/heartbeat/<int:pk>/", views.heartbeat_detail, name="heartbeat_detail"),
]
