"""Evaluations in the admin: to look, not to change.

Rounds move through their steps, teams are formed and sites assigned in the product, where each step checks its
preconditions and is audited; sheets and scores change only through the sync service, which records every change
(ScoreChange) and keeps totals right. An edit here would bypass all of that, so every model is read-only here
and nothing is deleted. Each list shows what the product's pages would show the user (ScopedAdminMixin).
"""

from django.contrib import admin

from core.admin import NoDeleteAdminMixin, ReadOnlyAdminMixin, ScopedAdminMixin

from .models import ItemScore, Round, RoundSite, ScoreChange, ScoreSheet, SheetPhoto, Team
from .selectors import rounds_visible_to, sheets_visible_to


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TeamInline(_ReadOnlyInline):
    model = Team
    fields = ["name", "leader"]
    readonly_fields = fields


@admin.register(Round)
class RoundAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = ("pk", rounds_visible_to)
    list_display = ["name", "year", "status", "standard", "scoring_start", "scoring_end", "created_at"]
    list_filter = ["status", "year"]
    search_fields = ["name"]
    list_select_related = ["standard"]
    date_hierarchy = "created_at"
    inlines = [TeamInline]


@admin.register(Team)
class TeamAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = ("round", rounds_visible_to)
    list_display = ["name", "round", "leader"]
    list_filter = ["round"]
    search_fields = ["name", "leader__full_name", "leader__username"]
    list_select_related = ["round", "leader"]


@admin.register(RoundSite)
class RoundSiteAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = ("round", rounds_visible_to)
    list_display = ["site", "round", "stage", "team"]
    list_filter = ["round", "stage"]
    search_fields = ["site__name"]
    list_select_related = ["site", "round", "team"]


class ItemScoreInline(_ReadOnlyInline):
    model = ItemScore
    fields = ["item", "score", "present", "level", "remark", "version", "updated_at"]
    readonly_fields = fields
    show_change_link = False


@admin.register(ScoreSheet)
class ScoreSheetAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = ("pk", sheets_visible_to)
    list_display = ["__str__", "kind", "status", "source", "total", "scored_count", "submitted_at"]
    list_filter = ["kind", "status", "source", "entry__round"]
    search_fields = ["entry__site__name", "scorer__full_name", "scorer__username"]
    list_select_related = ["entry__site", "scorer"]
    inlines = [ItemScoreInline]


@admin.register(ItemScore)
class ItemScoreAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = ("sheet", sheets_visible_to)
    list_display = ["sheet", "item", "score", "present", "level", "updated_at"]
    list_filter = ["sheet__entry__round", "present"]
    search_fields = ["sheet__entry__site__name", "item__code"]
    list_select_related = ["sheet__entry__site", "sheet__scorer", "item"]


@admin.register(ScoreChange)
class ScoreChangeAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The record of every change to a sheet: evidence, never edited."""

    scope = ("sheet", sheets_visible_to)
    list_display = ["sheet", "item", "by", "at", "after_submission", "reason"]
    list_filter = ["after_submission", "at"]
    search_fields = ["sheet__entry__site__name", "by__full_name", "reason"]
    list_select_related = ["sheet__entry__site", "sheet__scorer", "item", "by"]
    date_hierarchy = "at"


@admin.register(SheetPhoto)
class SheetPhotoAdmin(ScopedAdminMixin, NoDeleteAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = ("sheet", sheets_visible_to)
    list_display = ["original_name", "sheet", "item", "captured_at", "uploaded_by", "uploaded_at"]
    list_filter = ["sheet__entry__round", "uploaded_at"]
    search_fields = ["original_name", "sheet__entry__site__name"]
    list_select_related = ["sheet__entry__site", "sheet__scorer", "item", "uploaded_by"]
    exclude = ["file", "thumbnail"]  # private files: opened through the product's permission checks
