"""Users, regions and Party organizations in the admin, each through the data scope (scope.py), as on the pages."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.admin import ScopedAdminMixin

from .models import PartyOrganization, Region, User
from .scope import restrict_to_scope
from .selectors import organizations_visible_to, regions_visible_to


def users_in_admin_scope(user):
    """Users whose region or organization lies in the user's scope (themselves included); all for city scope."""
    in_scope = Q(organization__in=organizations_visible_to(user).values("pk")) | Q(pk=user.pk)
    return restrict_to_scope(User.objects.all(), user, region_field="region", assigned=in_scope)


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
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
        (_("状态"), {"fields": ("is_active", "is_staff", "is_superuser", "user_permissions")}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "full_name", "password1", "password2")}),
        (_("角色与数据范围"), {"fields": ("groups", "scope", "region", "organization")}),
    )
    scope = ("pk", users_in_admin_scope)
    scoped_choices = {"organization": organizations_visible_to, "region": regions_visible_to}


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
