from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from .audit import action_codes, action_label, change_lines
from .models import AuditEntry, JobHeartbeat, Notification


class ReadOnlyAdminMixin:
    """For records that are evidence (audit trail, state history): readable in the admin, never editable."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ActionFilter(admin.SimpleListFilter):
    """Filter by action, offered by its label rather than its code."""

    title = _("操作")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return sorted(((code, action_label(code)) for code in action_codes()), key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit trail is evidence: readable, never editable; codes are shown as labels."""

    list_display = ["at", "actor", "action_name", "content_type", "object_repr", "reason"]
    list_filter = [ActionFilter, "content_type", "at"]
    fields = ["at", "actor", "action_name", "content_type", "object_id", "object_repr", "readable_changes", "reason"]
    readonly_fields = fields
    search_fields = ["object_repr", "actor__username", "actor__full_name", "reason"]
    date_hierarchy = "at"
    list_select_related = ["actor", "content_type"]

    @admin.display(description=_("操作"), ordering="action")
    def action_name(self, entry):
        return action_label(entry.action)

    @admin.display(description=_("变更内容"))
    def readable_changes(self, entry):
        lines = change_lines(entry.content_type.model_class(), entry.changes)
        return format_html_join(
            "", "<div>{}：{} → {}</div>", ((line.field, line.old or "—", line.new or "—") for line in lines)
        )


@admin.register(JobHeartbeat)
class JobHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["id", "source", "requested_by", "requested_at", "ran_at", "worker"]
    list_filter = ["source", "ran_at"]
    search_fields = ["worker", "requested_by__username"]
    list_select_related = ["requested_by"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "title", "read_at"]
    list_filter = ["read_at", "created_at"]
    search_fields = ["title", "recipient__username", "recipient__full_name"]
    list_select_related = ["recipient"]
