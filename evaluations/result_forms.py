"""Forms of a round's results side: its policy (with the what-if preview) and its deduction and bonus lines."""

from crispy_forms.layout import Column, Fieldset, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import form_helper
from core.widgets import Picker

from .adjustments import points_problem
from .choices import AdjustmentKind
from .forms import BAND_FIELDS, RoundForm
from .models import POLICY_FIELDS, Round, RoundSite, default_grade_bands


class PolicyForm(forms.ModelForm):
    """A round's policy alone: the policy part of the round form (same fields, help, band minima and checks).

    `policy_values()` gives what services (policy.policy_update) and the preview take: every policy field, the
    bands as the model stores them. With `read_only` every field shows disabled (the policy is locked)."""

    # The two band minima are the round form's own fields (a form deep-copies its fields per instance).
    grade_excellent = RoundForm.base_fields["grade_excellent"]
    grade_pass = RoundForm.base_fields["grade_pass"]

    class Meta:
        model = Round
        fields = [name for name in POLICY_FIELDS if name != "grade_bands"]
        help_texts = {
            **RoundForm.Meta.help_texts,
            "deduction_criticism": _("自动扣分项按此分值生成；已录入的扣分不随之改变"),
            "bonus_experience": _("自动加分项按此分值生成；已录入的加分不随之改变"),
        }

    def __init__(self, *args, read_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        bands = {band.get("label"): band.get("min") for band in (self.instance.grade_bands or default_grade_bands())}
        for name, label in BAND_FIELDS:
            if bands.get(label) is not None:
                self.fields[name].initial = forms.DecimalField().to_python(str(bands[label]))
        if read_only:
            for form_field in self.fields.values():
                form_field.disabled = True
        self.helper = form_helper(
            Fieldset(
                _("合格与等次"),
                Row(
                    Column("pass_threshold", css_class="col-md-4"),
                    Column("grade_excellent", css_class="col-md-4"),
                    Column("grade_pass", css_class="col-md-4"),
                ),
            ),
            Fieldset(
                _("实地得分"),
                Row(
                    Column("aggregation", css_class="col-md-8"),
                    Column("disagreement_threshold", css_class="col-md-4"),
                ),
            ),
            Fieldset(
                _("扣分与加分"),
                Row(
                    Column("deduction_criticism", css_class="col-md-4"),
                    Column("deduction_late_answer", css_class="col-md-4"),
                    Column("deduction_overdue_rectification", css_class="col-md-4"),
                ),
                Row(Column("bonus_experience", css_class="col-md-4"), Column("bonus_cap", css_class="col-md-4")),
            ),
            Fieldset(
                _("公示、年检与补贴"),
                Row(
                    Column("publication_days", css_class="col-md-4"),
                    Column("inspection_interval", css_class="col-md-4"),
                    Column("subsidy_amount", css_class="col-md-4"),
                ),
            ),
        )

    def clean(self):
        data = super().clean()
        excellent, passing = data.get("grade_excellent"), data.get("grade_pass")
        if excellent is not None and passing is not None:
            from . import rules

            problem = rules.grade_bands_problem(RoundForm._bands(excellent, passing))
            if problem:
                self.add_error("grade_pass", problem)
        return data

    def policy_values(self) -> dict:
        """Every policy field's submitted value (the bands as the model stores them)."""
        data = {name: self.cleaned_data[name] for name in POLICY_FIELDS if name != "grade_bands"}
        data["grade_bands"] = RoundForm._bands(self.cleaned_data["grade_excellent"], self.cleaned_data["grade_pass"])
        return data


POINTS_MESSAGES = {
    "required": _("请填写分值"),
    "invalid": _("分值须为数字"),
}


class EntryPicker(Picker):
    """The server-searched picker of a round's sites, its chosen option labelled by the site's name alone."""

    def optgroups(self, name, value, attrs=None):
        chosen = {str(v) for v in value if v not in (None, "")}
        queryset = getattr(self.choices, "queryset", None)
        options = [self.create_option(name, "", "", not chosen, 0)]
        if chosen and queryset is not None:
            for index, entry in enumerate(queryset.filter(pk__in=chosen), start=1):
                options.append(self.create_option(name, entry.pk, entry.site.name, True, index))
        return [(None, options, 0)]


class AdjustmentForm(forms.Form):
    """A manual deduction or bonus line: which site of the round, deduction or bonus, points and the reason."""

    entry = forms.ModelChoiceField(
        label=_("示范点"),
        queryset=RoundSite.objects.none(),
        widget=EntryPicker(source="evaluations:adjustment_entries", placeholder=_("输入示范点名称搜索")),
        error_messages={"required": _("请选择示范点"), "invalid_choice": _("请选择本轮考评的示范点")},
    )
    kind = forms.ChoiceField(
        label=_("类别"),
        choices=AdjustmentKind.choices,
        initial=AdjustmentKind.DEDUCTION,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择扣分或加分")},
    )
    points = forms.CharField(
        label=_("分值"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "如 2 或 0.5"}),
        help_text=_("大于 0，不超过 100，最多两位小数"),
        error_messages=POINTS_MESSAGES,
    )
    reason = forms.CharField(
        label=_("事由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("将显示在结果说明中，请写明依据（如文件、通报名称）"),
        error_messages={"required": _("请填写扣分或加分的事由")},
    )

    def __init__(self, *args, round_: Round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = RoundSite.objects.filter(round=round_).select_related("site")
        self.fields["entry"].widget.source_query = f"round={round_.pk}"
        self.helper = form_helper(
            Row(
                Column("entry", css_class="col-md-6"),
                Column("kind", css_class="col-6 col-md-3"),
                Column("points", css_class="col-6 col-md-3"),
            ),
            "reason",
        )

    def clean_points(self):
        value = self.cleaned_data["points"].strip()
        problem = points_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return value


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("撤销原因"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写撤销原因")},
    )
