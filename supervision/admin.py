"""Supervision in the admin: to look, not to change — rectification items are raised and closed by their
services (supervision.services), which record who and when. Scoped like the site pages (ScopedAdminMixin)."""

from django.contrib import admin

from core.admin import NoDeleteAdminMixin, ReadOnlyAdminMixin, ScopedAdminMixin
from sites.selectors import sites_visible_to

from .models import Rectification


@admin.register(Rectification)
class RectificationAdmin(ScopedAdminMixin, NoDeleteAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope = ("site", sites_visible_to)
    list_display = ["site", "title", "due_on", "status", "origin_label", "created_at", "closed_at"]
    list_filter = ["status", "due_on"]
    search_fields = ["site__name", "title"]
    list_select_related = ["site"]
    exclude = ["origin_type", "origin_id"]


# --- guidance visits (visits) ---
from .models import GuidanceVisit  # noqa: E402


@admin.register(GuidanceVisit)
class GuidanceVisitAdmin(ScopedAdminMixin, NoDeleteAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Visits are recorded on their pages (supervision.visits), which validate photos and raise the items."""

    scope = ("site", sites_visible_to)
    list_display = ["visited_on", "site", "participants", "recorded_by", "created_at"]
    list_filter = ["visited_on"]
    search_fields = ["site__name", "participants", "findings"]
    list_select_related = ["site", "recorded_by"]
    date_hierarchy = "visited_on"
