"""Sites in the admin. A site's state is read-only here: it changes only through the state-change service.

Everything that belongs to a site is seen and offered through the sites' data scope (sites_visible_to), as on
the pages. Batches, zones and targets are the city's planning and, as on the pages, not scoped; a zone's
memberships are. People (instructors, liaisons, group members) are not restricted either: as on the pages, any
user may be assigned to a site in scope (the search box offers those the users admin shows).
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts.selectors import organizations_visible_to
from accounts.signals import sites_moved
from core.admin import ReadOnlyAdminMixin, ScopedAdminMixin

from .models import Batch, CreationGroupMember, Narrator, Site, StateChange, Subsidy, Target, TourStop, Zone, ZoneSite
from .selectors import sites_visible_to


class SiteRecordScope(ScopedAdminMixin):
    """For the records of a site: only those of sites in scope, and only such sites to choose from."""

    scope = ("site", sites_visible_to)
    scoped_choices = {"site": sites_visible_to}


class GroupInline(admin.TabularInline):
    model = CreationGroupMember
    extra = 0
    autocomplete_fields = ["user"]


class NarratorInline(admin.TabularInline):
    model = Narrator
    extra = 0


class TourStopInline(admin.TabularInline):
    model = TourStop
    extra = 0


class SubsidyInline(admin.TabularInline):
    model = Subsidy
    extra = 0


@admin.register(Site)
class SiteAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "organization", "domain", "region", "level", "nomination_year", "state", "batch"]
    list_filter = ["state", "domain", "level", "nomination_year", "batch"]
    search_fields = ["name", "organization__name", "brand_name"]
    list_select_related = ["organization__region", "region", "batch"]  # an organization reads with its region
    autocomplete_fields = ["organization", "instructors", "liaisons"]
    readonly_fields = ["state", "domain", "region"]
    inlines = [GroupInline, NarratorInline, TourStopInline, SubsidyInline]
    scope = ("pk", sites_visible_to)
    scoped_choices = {"organization": organizations_visible_to}

    def save_model(self, request, obj, form, change):
        moved = False
        if "organization" in form.changed_data:  # region and domain follow the organization, as in site_update
            moved = change and obj.region_id != obj.organization.region_id
            obj.domain, obj.region_id = obj.organization.domain, obj.organization.region_id
        super().save_model(request, obj, form, change)
        if moved:
            sites_moved.send(sender=type(obj), site_lookups={"pk": obj.pk})


@admin.register(StateChange)
class StateChangeAdmin(ReadOnlyAdminMixin, SiteRecordScope, admin.ModelAdmin):
    """The lifecycle history is evidence: readable, never editable."""

    list_display = ["at", "site", "from_state", "to_state", "action", "by", "reason"]
    list_filter = ["to_state", "from_state", "at"]
    search_fields = ["site__name", "reason", "by__full_name"]
    list_select_related = ["site", "by"]


class KeptInTheApp(ReadOnlyAdminMixin):
    """Batches, zones and belts, and targets have their own pages (the 示范点 tabs), whose services check scope
    and write the audit trail; here they are only read, so nothing changes without a record."""

    def changelist_view(self, request, extra_context=None):
        messages.info(request, _("请在“示范点”页面的相应标签中维护，修改会记入审计记录。"))
        return super().changelist_view(request, extra_context)


@admin.register(Batch)
class BatchAdmin(KeptInTheApp, admin.ModelAdmin):
    list_display = ["name", "named_on"]
    search_fields = ["name"]
    list_filter = ["named_on"]


class ZoneSiteInline(SiteRecordScope, admin.TabularInline):
    model = ZoneSite
    extra = 0
    autocomplete_fields = ["site"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Zone)
class ZoneAdmin(KeptInTheApp, admin.ModelAdmin):
    list_display = ["name", "kind", "region"]
    list_filter = ["kind"]
    search_fields = ["name", "description"]
    inlines = [ZoneSiteInline]


@admin.register(Target)
class TargetAdmin(KeptInTheApp, admin.ModelAdmin):
    list_display = ["year", "domain", "region", "creating_units", "named_sites"]
    list_filter = ["year", "domain"]
    search_fields = ["region__name"]


@admin.register(CreationGroupMember)
class CreationGroupMemberAdmin(SiteRecordScope, admin.ModelAdmin):
    list_display = ["name", "role", "site", "user", "phone"]
    list_filter = ["role"]
    search_fields = ["name", "site__name", "phone"]
    list_select_related = ["site", "user"]


@admin.register(Narrator)
class NarratorAdmin(SiteRecordScope, admin.ModelAdmin):
    list_display = ["name", "site", "is_secretary", "trained"]
    list_filter = ["is_secretary", "trained"]
    search_fields = ["name", "site__name"]
    list_select_related = ["site"]


@admin.register(TourStop)
class TourStopAdmin(SiteRecordScope, admin.ModelAdmin):
    list_display = ["title", "site", "order"]
    search_fields = ["title", "site__name"]
    list_filter = ["site__domain"]
    list_select_related = ["site"]


@admin.register(Subsidy)
class SubsidyAdmin(SiteRecordScope, admin.ModelAdmin):
    list_display = ["site", "year", "amount", "source"]
    list_filter = ["year", "source"]
    search_fields = ["site__name", "note"]
    list_select_related = ["site"]


@admin.register(ZoneSite)
class ZoneSiteAdmin(KeptInTheApp, SiteRecordScope, admin.ModelAdmin):
    list_display = ["zone", "order", "site"]
    list_filter = ["zone"]
    search_fields = ["zone__name", "site__name"]
    list_select_related = ["zone", "site"]
