"""Sites in the admin. A site's state is read-only here: it changes only through the state-change service."""

from django.contrib import admin

from core.admin import ReadOnlyAdminMixin

from .models import Batch, CreationGroupMember, Narrator, Site, StateChange, Subsidy, Target, TourStop, Zone, ZoneSite


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
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "domain", "region", "level", "nomination_year", "state", "batch"]
    list_filter = ["state", "domain", "level", "nomination_year", "batch"]
    search_fields = ["name", "organization__name", "brand_name"]
    list_select_related = ["organization", "region", "batch"]
    autocomplete_fields = ["organization", "instructors", "liaisons"]
    readonly_fields = ["state", "domain", "region"]
    inlines = [GroupInline, NarratorInline, TourStopInline, SubsidyInline]


@admin.register(StateChange)
class StateChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The lifecycle history is evidence: readable, never editable."""

    list_display = ["at", "site", "from_state", "to_state", "action", "by", "reason"]
    list_filter = ["to_state", "from_state", "at"]
    search_fields = ["site__name", "reason", "by__full_name"]
    list_select_related = ["site", "by"]


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ["name", "named_on"]
    search_fields = ["name"]
    list_filter = ["named_on"]


class ZoneSiteInline(admin.TabularInline):
    model = ZoneSite
    extra = 1
    autocomplete_fields = ["site"]


@admin.register(Zone)
class ZoneAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region"]
    list_filter = ["kind"]
    search_fields = ["name", "description"]
    inlines = [ZoneSiteInline]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["year", "domain", "region", "creating_units", "named_sites"]
    list_filter = ["year", "domain"]
    search_fields = ["region__name"]
    list_editable = ["creating_units", "named_sites"]


@admin.register(CreationGroupMember)
class CreationGroupMemberAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "site", "user", "phone"]
    list_filter = ["role"]
    search_fields = ["name", "site__name", "phone"]
    list_select_related = ["site", "user"]


@admin.register(Narrator)
class NarratorAdmin(admin.ModelAdmin):
    list_display = ["name", "site", "is_secretary", "trained"]
    list_filter = ["is_secretary", "trained"]
    search_fields = ["name", "site__name"]
    list_select_related = ["site"]


@admin.register(TourStop)
class TourStopAdmin(admin.ModelAdmin):
    list_display = ["title", "site", "order"]
    search_fields = ["title", "site__name"]
    list_filter = ["site__domain"]
    list_select_related = ["site"]


@admin.register(Subsidy)
class SubsidyAdmin(admin.ModelAdmin):
    list_display = ["site", "year", "amount", "source"]
    list_filter = ["year", "source"]
    search_fields = ["site__name", "note"]
    list_select_related = ["site"]


@admin.register(ZoneSite)
class ZoneSiteAdmin(admin.ModelAdmin):
    list_display = ["zone", "order", "site"]
    list_filter = ["zone"]
    search_fields = ["zone__name", "site__name"]
    list_select_related = ["zone", "site"]
