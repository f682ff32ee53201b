"""Standards in the admin: editable while draft; published and frozen versions are read-only there too.

Nothing whose items materials cite as evidence can be deleted here (nor in the pages: services.ensure_no_evidence),
one by one or with “delete selected” (Django refuses the whole batch when it may not delete any object in it).
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Item, Section, Standard
from .services import ensure_no_evidence, linked_material_count

LOCKED = _("该标准不是草稿（已发布或已冻结），在此只读：评分项不能修改或删除。请在标准页面撤回为草稿或复制为新版本。")


class LockedWhenNotDraft:
    """Admin mixin: no change or delete of a standard, section or item whose standard is not a draft, and no
    delete of one whose items materials cite."""

    def _standard(self, obj):
        return obj if isinstance(obj, Standard) else obj.standard

    def _items(self, obj):
        if isinstance(obj, Standard):
            return Item.objects.filter(standard=obj)
        if isinstance(obj, Section):
            return Item.objects.filter(section=obj)
        return Item.objects.filter(pk=obj.pk)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not self._standard(obj).is_editable:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (not self._standard(obj).is_editable or linked_material_count(self._items(obj))):
            return False
        return super().has_delete_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and not self._standard(obj).is_editable and request.method == "GET":
            messages.warning(request, LOCKED)
        elif obj is not None and request.method == "GET":
            try:
                ensure_no_evidence(self._items(obj), obj)
            except ValidationError as error:  # say why there is no delete button
                messages.warning(request, error.messages[0])
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Standard)
class StandardAdmin(LockedWhenNotDraft, admin.ModelAdmin):
    list_display = ["name", "year", "purpose", "status", "total_score", "published_at", "frozen_at"]
    list_filter = ["status", "purpose", "year"]
    search_fields = ["name", "notes"]
    readonly_fields = ["status", "published_at", "frozen_at", "copied_from", "created_by"]


@admin.register(Section)
class SectionAdmin(LockedWhenNotDraft, admin.ModelAdmin):
    list_display = ["title", "code", "standard", "kind", "domain", "max_score", "order"]
    list_filter = ["kind", "domain", "standard__year"]
    search_fields = ["title", "code", "standard__name"]
    list_select_related = ["standard"]


@admin.register(Item)
class ItemAdmin(LockedWhenNotDraft, admin.ModelAdmin):
    list_display = ["code", "title", "section", "standard", "max_score", "kind", "is_veto", "is_required"]
    list_filter = ["kind", "is_veto", "is_required", "standard__year", "section__kind"]
    search_fields = ["code", "title", "guide", "standard__name"]
    list_select_related = ["section", "standard"]
