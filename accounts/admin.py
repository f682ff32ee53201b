"""Users, regions and Party organizations in the admin, each through the data scope (scope.py), as on the pages."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from core.admin import ScopedAdminMixin

from .models import PartyOrganization, Region, User
from .permissions import is_administrator
from .selectors import organizations_visible_to, regions_visible_to, users_visible_to
from .services import sites_follow


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    """Accounts are deactivated, never deleted (history keeps their names). Only administrators change them
    here: organization-department staff manage the roles below theirs on the application's own user pages,
    which apply accounts.permissions; this form would let them grant anything. Staff may look, within their
    scope (users_visible_to)."""

    list_display = ["username", "full_name", "phone", "unit", "scope", "region", "is_active", "last_login"]
    list_filter = ["is_active", "is_staff", "scope", "groups"]
    search_fields = ["username", "full_name", "phone", "unit"]
    list_select_related = ["region"]
    autocomplete_fields = ["organization", "region"]
    ordering = ["username"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("full_name", "phone", "email", "unit", "organization")}),
        (_("角色与数据范围"), {"fields": ("groups", "scope", "region")}),
        (_("状态"), {"fields": ("is_active", "must_change_password", "is_staff", "is_superuser", "user_permissions")}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "full_name", "password1", "password2")}),
        (_("角色与数据范围"), {"fields": ("groups", "scope", "region", "organization")}),
    )
    scope = ("pk", users_visible_to)
    scoped_choices = {"organization": organizations_visible_to, "region": regions_visible_to}

    def has_add_permission(self, request):
        return super().has_add_permission(request) and is_administrator(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and is_administrator(request.user)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Region)
class RegionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "code", "depth", "sort_order"]
    list_filter = ["kind", "depth"]
    search_fields = ["name", "code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    ordering = ["path"]
    scope = ("pk", regions_visible_to)
    scoped_choices = {"parent": regions_visible_to}


@admin.register(PartyOrganization)
class PartyOrganizationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "domain", "region", "parent", "secretary", "member_count", "is_active"]
    list_filter = ["domain", "kind", "is_active", "region__kind"]
    search_fields = ["name", "secretary", "region__name"]
    list_select_related = ["region", "parent"]
    autocomplete_fields = ["region", "parent"]
    scope = ("pk", organizations_visible_to)
    scoped_choices = {"region": regions_visible_to, "parent": organizations_visible_to}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"region", "domain"} & set(form.changed_data):
            sites_follow(obj)  # as the organization page does (services.organization_update)
