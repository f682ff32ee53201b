"""Forms of the staff pages of evaluations: a round and its policy, teams, assignment, reasons."""

from decimal import Decimal

from crispy_bootstrap5.bootstrap5 import BS5Accordion
from crispy_forms.bootstrap import AccordionGroup
from crispy_forms.layout import HTML, Column, Fieldset, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from accounts.selectors import users_visible_to
from core.forms import form_helper
from core.widgets import MultiPicker, Picker, bounded_options
from standards.choices import StandardPurpose, StandardStatus
from standards.models import Standard
from standards.selectors import programme_year, standard_for_year

from . import rules
from .models import POLICY_FIELDS, Round, Team, default_grade_bands
from .services import LOCKED_AFTER_DRAFT

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The two bands of DOMAIN.md §5 the form edits (the lowest band, 不合格, needs no minimum).
BAND_FIELDS = (("grade_excellent", "优秀"), ("grade_pass", "合格"))


def _decimal_text(value: Decimal) -> str:
    """90, 87.5: how a band's minimum is stored, so that saving an unchanged form records no change."""
    return f"{value.normalize():f}"


class RoundForm(forms.ModelForm):
    """A round: name, year, standard, windows, notes, and its policy (DOMAIN.md §5 defaults, in a folded section).

    The standard may be left empty: the year's published standard is then chosen (standard_for_year). Once the
    round has opened its standard and year are locked (services.round_update refuses them; here they show disabled)."""

    grade_excellent = forms.DecimalField(
        label=_("“优秀”最低分"), min_value=0, max_value=100, decimal_places=2, initial=Decimal("90")
    )
    grade_pass = forms.DecimalField(
        label=_("“合格”等次最低分"),
        min_value=0,
        max_value=100,
        decimal_places=2,
        initial=Decimal("85"),
        help_text=_("低于此分为“不合格”；一票否决或必须具备项未通过的，无论得分均为“不合格”"),
    )

    class Meta:
        model = Round
        fields = [
            "name",
            "year",
            "standard",
            "self_assessment_start",
            "self_assessment_end",
            "scoring_start",
            "scoring_end",
            "notes",
            # grade_bands is edited as the two minima below (grade_excellent, grade_pass).
            *(name for name in POLICY_FIELDS if name != "grade_bands"),
        ]
        widgets = {
            "self_assessment_start": DATE,
            "self_assessment_end": DATE,
            "scoring_start": DATE,
            "scoring_end": DATE,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "pass_threshold": _("默认 85 分：达到此分且无一票否决、“六个有”全部具备方为通过"),
            "aggregation": _("默认：五人及以上评分时去掉一个最高分和一个最低分"),
            "disagreement_threshold": _("评分人之间得分的标准差超过此值时提示复核"),
            "bonus_cap": _("加分合计不超过此值"),
            "publication_days": _("评分结果公示的天数"),
            "inspection_interval": _("正式命名后年检的间隔：每年一次或两年一次"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        standards = Standard.objects.filter(
            purpose=StandardPurpose.EVALUATION, status__in=(StandardStatus.PUBLISHED, StandardStatus.FROZEN)
        ).order_by("-year", "name")
        if self.instance.pk:  # a round keeps its standard even if it were withdrawn since
            standards = standards | Standard.objects.filter(pk=self.instance.standard_id)
        field = self.fields["standard"]
        field.queryset = standards
        field.required = False
        field.empty_label = _("按年度自动选用（当年已发布的标准）")
        field.help_text = _("只能选择已发布的标准；考评轮次启动时标准被冻结，此后不能更换")
        bands = {band.get("label"): band.get("min") for band in (self.instance.grade_bands or default_grade_bands())}
        for name, label in BAND_FIELDS:
            if bands.get(label) is not None:
                self.fields[name].initial = Decimal(str(bands[label]))
        if not self.instance.pk:
            year = programme_year()
            self.fields["year"].initial = year
            self.fields["standard"].initial = standard_for_year(year)
        elif not self.instance.is_draft:
            for name in LOCKED_AFTER_DRAFT:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("考评轮次已启动，不能再修改")
        errors = self.errors if self.is_bound else {}
        policy = [*POLICY_FIELDS, "grade_excellent", "grade_pass"]
        self.helper = form_helper(
            Fieldset(
                _("基本信息"),
                Row(Column("name", css_class="col-md-6"), Column("year", css_class="col-md-2")),
                "standard",
            ),
            Fieldset(
                _("时间安排"),
                Row(
                    Column("self_assessment_start", css_class="col-6 col-md-3"),
                    Column("self_assessment_end", css_class="col-6 col-md-3"),
                ),
                Row(
                    Column("scoring_start", css_class="col-6 col-md-3"),
                    Column("scoring_end", css_class="col-6 col-md-3"),
                ),
                "notes",
            ),
            BS5Accordion(
                AccordionGroup(
                    _("评分规则（已按默认规则填好，一般无需修改）"),
                    HTML(
                        '<p class="small text-body-secondary">{}</p>'.format(
                            _("这些规则保存在本轮考评中，下一步计算结果时按此执行。")
                        )
                    ),
                    Row(
                        Column("pass_threshold", css_class="col-md-4"),
                        Column("grade_excellent", css_class="col-md-4"),
                        Column("grade_pass", css_class="col-md-4"),
                    ),
                    Row(
                        Column("aggregation", css_class="col-md-8"),
                        Column("disagreement_threshold", css_class="col-md-4"),
                    ),
                    Row(
                        Column("deduction_criticism", css_class="col-md-4"),
                        Column("deduction_late_answer", css_class="col-md-4"),
                        Column("deduction_overdue_rectification", css_class="col-md-4"),
                    ),
                    Row(
                        Column("bonus_experience", css_class="col-md-4"),
                        Column("bonus_cap", css_class="col-md-4"),
                    ),
                    Row(
                        Column("publication_days", css_class="col-md-4"),
                        Column("inspection_interval", css_class="col-md-4"),
                    ),
                    active=any(name in errors for name in policy),
                ),
                css_id="round-policy",
            ),
        )

    def clean(self):
        data = super().clean()
        if not data.get("standard") and data.get("year"):
            standard = standard_for_year(data["year"])
            if standard is None:
                self.add_error("standard", _("%(year)s 年没有已发布的评分标准，请先发布标准") % {"year": data["year"]})
            else:
                data["standard"] = standard
                self.instance.standard = standard  # the model's own checks run on the chosen one
        excellent, passing = data.get("grade_excellent"), data.get("grade_pass")
        if excellent is not None and passing is not None:
            problem = rules.grade_bands_problem(self._bands(excellent, passing))
            if problem:
                self.add_error("grade_pass", problem)
        return data

    @staticmethod
    def _bands(excellent: Decimal, passing: Decimal) -> list[dict]:
        return [
            {"label": label, "min": _decimal_text(value)}
            for (_name, label), value in zip(BAND_FIELDS, (excellent, passing), strict=True)
        ]

    def round_fields(self) -> dict:
        """The values for services.round_create / round_update (the bands as the model stores them)."""
        data = dict(self.cleaned_data)
        data["grade_bands"] = self._bands(data.pop("grade_excellent"), data.pop("grade_pass"))
        for name, field in self.fields.items():
            if field.disabled:
                data.pop(name, None)
        return data


def scorers_for(user, *roles):
    """People with one of `roles` whom `user` may pick (accounts.selectors.users_visible_to)."""
    return users_visible_to(user).filter(groups__name__in=roles, is_active=True).distinct().order_by("full_name")


class TeamForm(forms.Form):
    """A team: name, leader (a team leader or a scorer), members (scorers), chosen with server-searched pickers."""

    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("如“第一验收组”"))
    leader = forms.ModelChoiceField(
        label=_("组长"),
        queryset=None,
        required=False,
        widget=Picker(source="accounts:pick_users", source_query="role=teamlead&role=scorer"),
        help_text=_("验收组组长可查看本组进度、退回本组评分表"),
    )
    members = forms.ModelMultipleChoiceField(
        label=_("评分人员"),
        queryset=None,
        required=False,
        widget=MultiPicker(source="accounts:pick_users", source_query="role=scorer"),
        help_text=_("与示范点同单位或示范点位于其所在区划范围内的评分人员须回避，系统会拒绝并说明原因"),
    )

    def __init__(self, *args, user, team: Team | None = None, **kwargs):
        if team is not None:
            kwargs.setdefault(
                "initial", {"name": team.name, "leader": team.leader, "members": list(team.members.all())}
            )
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = scorers_for(user, Role.TEAMLEAD, Role.SCORER)
        self.fields["members"].queryset = scorers_for(user, Role.SCORER)
        self.helper = form_helper(
            Row(Column("name", css_class="col-md-6"), Column("leader", css_class="col-md-6")), "members"
        )


class AssignForm(forms.Form):
    """Send the chosen sites of a round (or all matching the filter) to one team, or take them off their team."""

    UNASSIGN = "none"

    team = forms.ChoiceField(label=_("分配给"))
    entries = forms.ModelMultipleChoiceField(queryset=None, required=False)
    all_matching = forms.BooleanField(required=False)

    def __init__(self, *args, round_: Round, **kwargs):
        super().__init__(*args, **kwargs)
        # A country's round has thousands of teams: past the picker's budget only the chosen one is in the page
        # (and accepted from it), the rest are searched on the server (progress.pick_teams).
        chosen = self.data.get("team") if self.is_bound else None
        chosen = chosen if chosen and str(chosen).isdigit() else None
        teams = bounded_options(round_.teams.order_by("name", "id"), chosen)
        self.teams = {str(team.pk): team for team in teams}
        self.fields["team"].choices = [
            ("", _("选择验收组…")),
            *((pk, team.name) for pk, team in self.teams.items()),
            (self.UNASSIGN, _("（取消分配）")),
        ]
        self.fields["entries"].queryset = round_.entries.all()

    def clean(self):
        data = super().clean()
        if not data.get("all_matching") and not data.get("entries"):
            raise forms.ValidationError(_("请勾选要分配的示范点，或选择“全部符合筛选条件的示范点”"))
        return data

    @property
    def chosen_team(self) -> Team | None:
        return self.teams.get(self.cleaned_data["team"])


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
