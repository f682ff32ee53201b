"""Forms that take one entry per item, by its scoring kind: the self-assessment's item form and the key-in form.

They only read what was typed; whether an item accepts it is the services' question (rules.normalize_entry).
"""

import uuid
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from standards.choices import ScoringKind

PRESENT, ABSENT = "1", "0"


def _number(value) -> str:
    return f"{Decimal(str(value)).normalize():f}"


def value_choices(item) -> list[tuple[str, str]]:
    """What an item may take, as (posted value, label): scores in 0.5 steps, 有/无, or its levels."""
    if item.kind == ScoringKind.PRESENCE:
        return [(PRESENT, str(_("有"))), (ABSENT, str(_("无")))]
    if item.kind == ScoringKind.LEVELS:
        maximum = Decimal(str(item.max_score))
        return [
            (str(level["label"]), f"{level['label']}（{_number(maximum * Decimal(str(level['fraction'])))}）")
            for level in item.effective_levels
        ]
    return [(f"{value:.2f}", _number(value)) for value in item.allowed_scores]


def current_value(score) -> str:
    """The posted value that stands for a stored entry ("" when unscored)."""
    if score is None or score.score is None:
        return ""
    if score.present is not None:
        return PRESENT if score.present else ABSENT
    if score.level:
        return score.level
    return f"{score.score:.2f}"


def entry_value(item, raw: str) -> dict:
    """The service's value for a posted one: {"present": bool} | {"level": …} | {"score": …}; {} when empty."""
    if raw in (None, ""):
        return {}
    if item.kind == ScoringKind.PRESENCE:
        return {"present": raw == PRESENT}
    if item.kind == ScoringKind.LEVELS:
        return {"level": raw}
    return {"score": raw}


def value_field(item) -> forms.ChoiceField:
    radio = item.kind in (ScoringKind.PRESENCE, ScoringKind.LEVELS)
    choices = value_choices(item) if radio else [("", "—"), *value_choices(item)]
    return forms.ChoiceField(
        label=f"{item.code} {item.title}",
        choices=choices,
        required=False,
        widget=forms.RadioSelect if radio else forms.Select,
    )


class SelfAssessmentItemForm(forms.Form):
    """One item of the self-assessment: its value, a remark, and the site's materials that evidence it."""

    base = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    remark = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    materials = forms.TypedMultipleChoiceField(
        label=_("佐证材料"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, item, score, offered=(), **kwargs):
        self.item, self.score = item, score
        kwargs.setdefault(
            "initial",
            {
                "value": current_value(score),
                "remark": score.remark if score else "",
                "base": score.version if score else 0,
                "materials": [material.pk for material in score.materials.all()] if score else [],
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["value"] = value_field(item)
        self.fields["materials"].choices = [(material.pk, material.title) for material in offered]

    def change(self) -> dict | None:
        """The sync change this form asks for (None: value and remark unchanged)."""
        data, score = self.cleaned_data, self.score
        change = {}
        raw = data.get("value") or ""
        if raw != current_value(score):
            change.update(entry_value(self.item, raw) or {"clear": True})
        remark = (data.get("remark") or "").strip()
        if remark != (score.remark if score else ""):
            change["remark"] = remark
        if not change:
            return None
        return {"client_id": str(uuid.uuid4()), "seq": 1, "item": self.item.pk, "base": data.get("base") or 0, **change}


class KeyInForm(forms.Form):
    """A paper sheet typed in by staff: per item its value and remark, and the sheet's overall remark."""

    remark = forms.CharField(
        label=_("总体意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, items, scores, sheet, **kwargs):
        self.items = items
        initial = {"remark": sheet.remark}
        for item in items:
            score = scores.get(item.pk)
            initial[f"item_{item.pk}"] = current_value(score)
            initial[f"remark_{item.pk}"] = score.remark if score else ""
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for item in items:
            self.fields[f"item_{item.pk}"] = value_field(item)
            self.fields[f"remark_{item.pk}"] = forms.CharField(label=_("备注"), required=False, max_length=2000)

    def values(self) -> dict[int, dict]:
        """{item id: {value…, "remark": …}} for services.sheet_key_in."""
        data = self.cleaned_data
        return {
            item.pk: {
                **entry_value(item, data.get(f"item_{item.pk}") or ""),
                "remark": (data.get(f"remark_{item.pk}") or "").strip(),
            }
            for item in self.items
        }

    def add_item_errors(self, refusals: dict) -> None:
        """Show a service's refusal by item id (str keys) on each item's field; anything else on the form."""
        for key, messages in refusals.items():
            name = f"item_{key}"
            for message in messages:
                self.add_error(name if name in self.fields else None, message)

    def rows(self):
        """(item, its value field, its remark field), in order, for the template."""
        return [(item, self[f"item_{item.pk}"], self[f"remark_{item.pk}"]) for item in self.items]


class PaperImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel 文件"),
        help_text=_("请使用下载的模板（.xlsx），每行一份评分表"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
