"""Evaluations in the admin: to look, not to change.

Rounds move through their steps, teams are formed and sites assigned in the product, where each step checks its
preconditions and is audited; sheets and scores change only through the sync service, which records every change
(ScoreChange) and keeps totals right. An edit here would bypass all of that, so every model is read-only here
and nothing is deleted. The same holds for results: deduction lines, publications, objections and
finalizations are written by their services, which check the round's state and record who and why. Each list
shows what the product's pages would show the user (ScopedAdminMixin).
"""

from django.contrib import admin

from core.admin import NoDeleteAdminMixin, ReadOnlyAdminMixin, ScopedAdminMixin
from sites.selectors import sites_visible_to

from .models import (
    Adjustment,
    Finalization,
    ItemScore,
    Objection,
    ObjectionFile,
    Publication,
    RankingExport,
    ResultsState,
    Round,
    RoundResult,
    RoundSite,
    ScoreChange,
    ScoreSheet,
    SheetPhoto,
    Team,
)
from .permissions import may_manage_rounds
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


def managed_rounds(user):
    """Whole-round records (publications with every site's line, finalizations, ranking workbooks) are for those
    who run rounds; a region's staff read their own sites' lines on the published list instead."""
    return Round.objects.all() if may_manage_rounds(user) else Round.objects.none()


@admin.register(Adjustment)
class AdjustmentAdmin(ScopedAdminMixin, NoDeleteAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = ("entry__site", sites_visible_to)  # a site's lines: its region's staff see them, no one else's
    list_display = ["entry", "kind", "source", "points", "reason", "created_by", "created_at", "withdrawn_at"]
    list_filter = ["kind", "source", "entry__round"]
    search_fields = ["entry__site__name", "reason"]
    list_select_related = ["entry__site", "entry__round", "created_by"]
    exclude = ["source_type", "source_id"]


@admin.register(Publication)
class PublicationAdmin(ScopedAdminMixin, NoDeleteAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = ("round", managed_rounds)
    list_display = ["round", "number", "starts_on", "ends_on", "published_by", "published_at"]
    list_filter = ["round"]
    search_fields = ["round__name", "reason"]
    list_select_related = ["round", "published_by"]


class ObjectionFileInline(_ReadOnlyInline):
    model = ObjectionFile

    fields = ["original_name", "kind", "size", "uploaded_at"]  # the file itself: through the product's checks
    readonly_fields = fields
    show_change_link = False


@admin.register(Objection)
class ObjectionAdmin(ScopedAdminMixin, NoDeleteAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = ("entry__site", sites_visible_to)
    list_display = ["entry", "status", "lodged_by", "created_at", "answered_by", "answered_at"]
    list_filter = ["status", "entry__round"]
    search_fields = ["entry__site__name", "text", "answer"]
    list_select_related = ["entry__site", "entry__round", "lodged_by", "answered_by"]
    inlines = [ObjectionFileInline]


@admin.register(Finalization)
class FinalizationAdmin(ScopedAdminMixin, NoDeleteAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = ("round", managed_rounds)
    list_display = ["round", "batch", "finalized_by", "finalized_at", "undone_by", "undone_at"]
    list_filter = ["round", "undone_at"]
    search_fields = ["round__name", "undo_reason"]
    list_select_related = ["round", "batch", "finalized_by", "undone_by"]


@admin.register(ObjectionFile)
class ObjectionFileAdmin(ScopedAdminMixin, NoDeleteAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = ("objection__entry__site", sites_visible_to)
    list_display = ["original_name", "objection", "kind", "size", "uploaded_at"]
    list_filter = ["kind", "uploaded_at"]
    search_fields = ["original_name", "objection__entry__site__name"]
    list_select_related = ["objection__entry__site"]
    exclude = ["file"]  # private files: opened through the product's permission checks


@admin.register(RankingExport)
class RankingExportAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = ("round", managed_rounds)
    list_display = ["round", "status", "sites", "requested_by", "requested_at", "finished_at"]
    list_filter = ["status", "round"]
    search_fields = ["round__name"]
    list_select_related = ["round", "requested_by"]
    exclude = ["file"]  # downloaded through the product's permission checks


@admin.register(ResultsState)
class ResultsStateAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Whether a round's stored results are current (result_store); read only: the system keeps it."""

    scope = ("round", managed_rounds)
    list_display = ["round", "inputs_version", "stored_version", "computed_at"]
    list_filter = ["round__status"]
    search_fields = ["round__name"]
    list_select_related = ["round"]


@admin.register(RoundResult)
class RoundResultAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The stored results (a cache of results.round_results); read only, as the results page shows them."""

    scope = ("round", managed_rounds)
    list_display = ["round", "site", "final", "grade", "passed", "rank", "domain_rank"]
    list_filter = ["passed", "round__year"]
    search_fields = ["site__name", "round__name"]
    list_select_related = ["round", "site"]
    show_full_result_count = False  # a country's round: no second count of 100,000 rows
