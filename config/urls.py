"""Top-level URLs. Each app owns its own urls.py."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts.forms import LoginForm
from accounts.views import PasswordChangeView
from core.views import healthz
from dashboards.views import home

admin.site.site_header = _("示范点创建管理系统 · 管理后台")
admin.site.site_title = _("示范点创建管理系统")
admin.site.index_title = _("数据管理")

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/", include("accounts.urls")),
    path("sites/", include("sites.urls")),
    path("archives/", include("archives.urls")),
    path("standards/", include("standards.urls")),
    path("evaluations/", include("evaluations.urls")),
    path("supervision/", include("supervision.urls")),
    path("", include("core.urls")),
    path("admin/", admin.site.urls),
]
