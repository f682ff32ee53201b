from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from .audit import action_codes, action_label, change_lines
from .models import AuditEntry, EmailOptOut, ExportJob, JobHeartbeat, Notification


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


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only (a changed owner would be handed the file) and, but for superusers, one's own jobs only: the
    parameters say what someone else exported."""

    list_display = ["id", "title", "requested_by", "status", "done_rows", "total_rows", "created_at", "finished_at"]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["title", "requested_by__username"]
    list_select_related = ["requested_by"]
    exclude = ["file"]  # private: only its owner downloads it, from the job's page (core.views.export_file)

    def get_queryset(self, request):
        jobs = super().get_queryset(request)
        return jobs if request.user.is_superuser else jobs.filter(requested_by=request.user)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "title", "read_at"]
    list_filter = ["read_at", "created_at"]
    search_fields = ["title", "recipient__username", "recipient__full_name"]
    list_select_related = ["recipient"]


@admin.register(EmailOptOut)
class EmailOptOutAdmin(admin.ModelAdmin):
    list_display = ["user", "kind"]
    list_filter = ["kind"]
    search_fields = ["user__username", "user__full_name", "kind"]
    list_select_related = ["user"]


# --- Mixins for every app's admin (at the end of the module: the admins above are this app's own) -----------


class NoDeleteAdminMixin:
    """For what the product only soft-deletes or keeps as evidence (materials, file versions, ledgers): no delete
    page, no “delete selected” action (Django offers it only with the delete permission), in inlines neither.
    Deleting happens in the product, where it goes to the trash and the audit trail."""

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedAdminMixin:
    """The admin sees and offers what the pages do: the user's data scope (accounts.scope), on every door.

    core knows no domain app, so each admin names its selectors (each `…_visible_to(user)`):
    - `scope = (lookup, selector)`: only rows whose `lookup` ("pk" for the model itself, "site" for a site's
      records…) is among `selector(user)`; the changelist, change, delete and history pages all go through
      get_queryset, so an object out of scope does not exist for the user (the admin redirects with a message);
    - `scoped_choices = {field: selector}`: foreign-key and many-to-many choices in its forms (inlines too),
      so a POST cannot point an object (a site's organization…) outside the scope. A value the object already
      has stays valid, so saving never silently drops one the user cannot see.
    Autocomplete widgets ask the related model's admin, which is scoped by its own `scope`. Superusers and
    city-wide users see everything, as the selectors decide.
    """

    scope = None
    scoped_choices: dict = {}

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.scope is None:
            return queryset
        lookup, selector = self.scope
        return queryset.filter(**{f"{lookup}__in": selector(request.user).values("pk")})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.scoped_choices:
            kwargs["queryset"] = self.scoped_choices[db_field.name](request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in self.scoped_choices:
            kwargs["queryset"] = self.scoped_choices[db_field.name](request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        for name in self.scoped_choices:
            field = form.base_fields.get(name)
            if obj is None or field is None:
                continue
            related = field.queryset.model._default_manager
            model_field = obj._meta.get_field(name)
            if model_field.many_to_many:
                current = getattr(obj, name).values("pk")
            else:
                current = [getattr(obj, model_field.attname)]
            field.queryset = related.filter(pk__in=field.queryset.values("pk")) | related.filter(pk__in=current)
        return form
