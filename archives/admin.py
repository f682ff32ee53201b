"""Archives in the admin: within the user's data scope, and never deleted here.

Materials are deleted in the product (to the site's trash, restorable, audited; the purge job removes the files
later); versions and ledgers are evidence. A delete here would bypass all that and leave orphan files.
"""

from django.contrib import admin

from accounts.selectors import regions_visible_to
from core.admin import NoDeleteAdminMixin, ScopedAdminMixin
from sites.selectors import sites_visible_to

from .models import Ledger, Material, MaterialVersion
from .selectors import ledgers_visible_to, versions_visible_to


class VersionInline(NoDeleteAdminMixin, admin.TabularInline):
    model = MaterialVersion
    extra = 0
    fields = ["number", "original_name", "kind", "size", "uploaded_by", "uploaded_at", "processed"]
    readonly_fields = fields
    can_delete = False


@admin.register(Material)
class MaterialAdmin(NoDeleteAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["title", "site", "category", "year", "state", "is_public", "deleted_at"]
    list_filter = ["state", "category", "year", "is_public"]
    search_fields = ["title", "site__name", "description"]
    list_select_related = ["site"]
    readonly_fields = ["uploaded_by", "reviewed_by", "reviewed_at", "deleted_at", "deleted_by"]
    autocomplete_fields = ["site"]
    inlines = [VersionInline]
    # The materials of the sites in scope, the trash included (materials_visible_to and trash_of together).
    scope = ("site", sites_visible_to)
    scoped_choices = {"site": sites_visible_to}


@admin.register(MaterialVersion)
class MaterialVersionAdmin(NoDeleteAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Files are evidence: uploaded through the site pages, never edited here."""

    list_display = ["material", "number", "original_name", "kind", "size", "uploaded_at"]
    list_filter = ["kind", "processed"]
    search_fields = ["original_name", "material__title"]
    list_select_related = ["material"]
    scope = ("pk", versions_visible_to)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Ledger)
class LedgerAdmin(NoDeleteAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "status", "total_files", "size", "requested_by", "finished_at", "expires_at"]
    list_filter = ["status", "requested_at"]
    search_fields = ["site__name", "region__name", "requested_by__full_name"]
    list_select_related = ["site", "region", "requested_by"]
    scope = ("pk", ledgers_visible_to)
    scoped_choices = {"site": sites_visible_to, "region": regions_visible_to}
