"""Reading the audit trail: actions, fields and coded values shown as (translatable) Chinese labels.

Entries store codes ("site_update", {"state": ["nominated", "candidate"]}) so that they stay exact and
language-neutral; people read labels. Core knows no domain app, so each app declares its own words on
its AppConfig, the same way it declares its navigation:

    audit_actions = {"site_update": _("修改信息"), ...}          # every action code the app records
    audit_fields = {"roles": (_("角色"), Role), ...}              # change keys that are not model fields
                                                                  # (label, TextChoices or None)

Model fields need no declaration: their verbose_name and choices are read from the target's model, or, for
a key "item.title", from that model of the target's app (a standard's entry recording an item's change).
"""

from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _


@cache
def _declared(attribute: str) -> dict:
    merged = {}
    for config in apps.get_app_configs():
        merged.update(getattr(config, attribute, {}) or {})
    return merged


def action_codes() -> set[str]:
    return set(_declared("audit_actions"))


def action_label(code: str) -> str:
    """The label of an action code; an undeclared code (a bug, caught by a test) still reads as words."""
    label = _declared("audit_actions").get(code)
    return str(label) if label is not None else _("其他操作（%(code)s）") % {"code": code}


@dataclass(frozen=True)
class ChangeLine:
    field: str
    old: str
    new: str


def _value(value, choices: dict) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, list | tuple):
        return "、".join(filter(None, (_value(part, choices) for part in value)))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(choices.get(str(value), value))


def _field_words(model, name: str) -> tuple[str, dict]:
    if "." in name and model is not None:
        # "item.max_score" on a standard's entry: a field of another model of the same app.
        prefix, rest = name.split(".", 1)
        try:
            related = apps.get_model(model._meta.app_label, prefix)
        except LookupError:
            related = None
        if related is not None:
            label, choices = _field_words(related, rest)
            return f"{related._meta.verbose_name}·{label}", choices
    declared = _declared("audit_fields").get(name)
    if declared is not None:
        label, choices = declared
        return str(label), {str(code): str(text) for code, text in (choices.choices if choices else [])}
    if model is not None:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            pass
        else:
            label = getattr(field, "verbose_name", name)
            choices = {str(code): str(text) for code, text in (field.flatchoices or [])}
            return str(label), choices
    return name, {}


def change_lines(model: type[models.Model] | None, changes: dict) -> list[ChangeLine]:
    """The entry's changes as (field label, old, new), coded values replaced by their labels."""
    lines = []
    for name, values in (changes or {}).items():
        label, choices = _field_words(model, name)
        old, new = [*values, None, None][:2] if isinstance(values, list | tuple) else (None, values)
        lines.append(ChangeLine(label, _value(old, choices), _value(new, choices)))
    return lines


@dataclass(frozen=True)
class AuditLine:
    entry: object
    action: str
    changes: list[ChangeLine]


def describe(entries) -> list[AuditLine]:
    """Audit entries ready for a page: select_related("actor", "content_type") on the queryset first."""
    return [
        AuditLine(entry, action_label(entry.action), change_lines(entry.content_type.model_class(), entry.changes))
        for entry in entries
    ]


def field_changes(before: models.Model | None, after: models.Model, names) -> dict:
    """{field: [old, new]} for the fields whose value differs (compared as stored), for services that save a
    whole form: an unchanged form then records nothing."""
    changes = {}
    for name in names:
        field = after._meta.get_field(name)
        attname = getattr(field, "attname", name)
        old = getattr(before, attname, None) if before is not None else None
        new = getattr(after, attname, None)
        if _comparable(old) != _comparable(new):
            changes[name] = [_stored(before, field), _stored(after, field)]
    return changes


def _comparable(value):
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile: the stored name counts
        return value.name or ""
    return "" if value is None else value


def _stored(instance, field) -> object:
    if instance is None:
        return None
    value = getattr(instance, field.name, None)
    if hasattr(value, "storage"):
        return value.name or ""
    if isinstance(value, models.Model):
        return str(value)
    if value is None or isinstance(value, str | int | bool | list | dict):
        return value
    return str(value)
