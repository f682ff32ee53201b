"""Supervision in the admin: to look, not to change — every record is written by its service (which checks the
rules, notifies and records who and when). Scoped like the pages (ScopedAdminMixin): a site's records by the
site's scope; whole-city records (tasks' files, experiences, notices, study tours) only for those who run
supervision."""

from django.contrib import admin

from core.admin import NoDeleteAdminMixin, ReadOnlyAdminMixin, ScopedAdminMixin
from sites.selectors import sites_visible_to

from .models import (
    Answer,
    Assignment,
    AssignmentSite,
    Attachment,
    Experience,
    GuidanceVisit,
    Notice,
    Pairing,
    PairingActivity,
    Rectification,
    Reminder,
    SiteOwing,
    StudyTour,
    StudyTourStop,
    TaskTally,
    TourFeedback,
)
from .permissions import may_manage_supervision
from .selectors import assignments_visible_to


class _Lookonly(ScopedAdminMixin, NoDeleteAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


class _ManagersOnly(_Lookonly):
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if may_manage_supervision(request.user) else queryset.none()


@admin.register(Rectification)
class RectificationAdmin(_Lookonly):
    scope = ("site", sites_visible_to)
    list_display = ["site", "title", "due_on", "status", "responsible", "origin_label", "created_at", "closed_at"]
    list_filter = ["status", "due_on"]
    search_fields = ["site__name", "title"]
    list_select_related = ["site"]
    exclude = ["origin_type", "origin_id"]


@admin.register(Assignment)
class AssignmentAdmin(_Lookonly):
    scope = ("pk", assignments_visible_to)
    list_display = ["title", "status", "due_at", "target_label", "published_at", "published_by"]
    list_filter = ["status", "target_kind", "due_at"]
    search_fields = ["title", "description"]
    list_select_related = ["published_by"]


@admin.register(AssignmentSite)
class AssignmentSiteAdmin(_Lookonly):
    scope = ("site", sites_visible_to)
    list_display = ["assignment", "site", "status", "late", "first_submitted_at", "reviewed_at"]
    list_filter = ["status", "late"]
    search_fields = ["assignment__title", "site__name"]
    list_select_related = ["assignment", "site"]


@admin.register(SiteOwing)
class SiteOwingAdmin(_Lookonly):
    """Kept by the services (supervision.owing): shown to check it, never edited."""

    scope = ("site", sites_visible_to)
    list_display = ["site", "signature"]
    list_filter = ["site__domain"]
    search_fields = ["site__name", "signature"]
    list_select_related = ["site"]


@admin.register(Answer)
class AnswerAdmin(_Lookonly):
    scope = ("target__site", sites_visible_to)
    list_display = ["target", "submitted_by", "submitted_at", "late", "decision", "decided_at"]
    list_filter = ["decision", "late"]
    search_fields = ["target__assignment__title", "target__site__name", "text"]
    list_select_related = ["target__assignment", "submitted_by"]
    filter_horizontal = []


@admin.register(Reminder)
class ReminderAdmin(_Lookonly):
    scope = ("site", sites_visible_to)
    list_display = ["assignment", "site", "step", "scheduled_at", "sent_at", "skipped", "recipients"]
    list_filter = ["skipped", "sent_at"]
    search_fields = ["assignment__title", "site__name", "step"]
    list_select_related = ["assignment", "site"]


@admin.register(TaskTally)
class TaskTallyAdmin(_ManagersOnly):
    """Kept by the services (supervision.task_tally): whole-city numbers, shown to those who run supervision to
    check them, never edited."""

    list_display = ["assignment", "targets", "answered", "on_time"]
    list_filter = ["assignment__status"]
    search_fields = ["assignment__title"]
    list_select_related = ["assignment"]


@admin.register(Attachment)
class AttachmentAdmin(_ManagersOnly):
    list_display = ["original_name", "owner_type", "owner_id", "kind", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["kind", "owner_type"]
    search_fields = ["original_name"]
    list_select_related = ["owner_type", "uploaded_by"]
    exclude = ["file"]


@admin.register(GuidanceVisit)
class GuidanceVisitAdmin(_Lookonly):
    scope = ("site", sites_visible_to)
    list_display = ["site", "visited_on", "participants", "recorded_by", "created_at"]
    list_filter = ["visited_on"]
    search_fields = ["site__name", "participants", "findings"]
    list_select_related = ["site", "recorded_by"]


@admin.register(Experience)
class ExperienceAdmin(_ManagersOnly):
    list_display = ["title", "year", "district", "status", "submitted_by", "promoted_at"]
    list_filter = ["status", "year"]
    search_fields = ["title", "summary"]
    list_select_related = ["district", "submitted_by"]


@admin.register(Notice)
class NoticeAdmin(_ManagersOnly):
    list_display = ["issued_on", "number", "organization", "site", "revoked_at", "created_by"]
    list_filter = ["issued_on", "revoked_at"]
    search_fields = ["number", "reason", "site__name", "organization__name"]
    list_select_related = ["organization", "site", "created_by"]


@admin.register(StudyTour)
class StudyTourAdmin(_ManagersOnly):
    list_display = ["title", "held_on", "created_by"]
    list_filter = ["held_on"]
    search_fields = ["title", "participants"]
    list_select_related = ["created_by"]


@admin.register(StudyTourStop)
class StudyTourStopAdmin(_Lookonly):
    scope = ("site", sites_visible_to)
    list_display = ["tour", "order", "site", "note"]
    list_filter = ["tour__held_on"]
    search_fields = ["tour__title", "site__name"]
    list_select_related = ["tour", "site"]


@admin.register(TourFeedback)
class TourFeedbackAdmin(_ManagersOnly):
    list_display = ["tour", "author_name", "site", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["tour__title", "author_name", "content"]
    list_select_related = ["tour", "site"]


@admin.register(Pairing)
class PairingAdmin(_Lookonly):
    scope = ("site", sites_visible_to)
    list_display = ["site", "partner_name", "started_on", "ended_on"]
    list_filter = ["started_on"]
    search_fields = ["site__name", "partner_name", "aims"]
    list_select_related = ["site"]


@admin.register(PairingActivity)
class PairingActivityAdmin(_Lookonly):
    scope = ("pairing__site", sites_visible_to)
    list_display = ["pairing", "held_on", "title"]
    list_filter = ["held_on"]
    search_fields = ["pairing__site__name", "title"]
    list_select_related = ["pairing__site"]
