from django.contrib import admin

from .models import AuditEntry, JobHeartbeat, Notification


class ReadOnlyAdminMixin:
    """For records that are evidence (audit trail, state history): readable in the admin, never editable."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit trail is evidence: readable, never editable."""

    list_display = ["at", "actor", "action", "content_type", "object_repr", "reason"]
    list_filter = ["action", "content_type", "at"]
    search_fields = ["object_repr", "actor__username", "actor__full_name", "reason"]
    date_hierarchy = "at"
    list_select_related = ["actor", "content_type"]


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


# --- Mixins for every app's admin (at the end of the module: the admins above are this app's own) -----------


class NoDeleteAdminMixin:
    """For what the product only soft-deletes or keeps as evidence (materials, file versions, ledgers): no delete
    page, no “delete selected” action (Django offers it only with the delete permission), in inlines neither.
    Deleting happens in the product, where it goes to the trash and the audit trail."""

    def has_delete_permission(self, request, obj=None):
        return False
