"""Forms of the standards pages (crispy, Bootstrap 5)."""

from crispy_forms.bootstrap import InlineCheckboxes
from crispy_forms.layout import Column, Row
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Domain
from core.forms import checked_xlsx, form_helper

from .choices import MaterialCategory
from .models import Item, Section, Standard


class StandardForm(forms.ModelForm):
    domains = forms.MultipleChoiceField(
        label=_("适用领域"),
        choices=Domain.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示适用全部领域"),
    )

    class Meta:
        model = Standard
        fields = ["name", "year", "total_score", "domains", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(
            Row(
                Column("name", css_class="col-md-6"),
                Column("year", css_class="col-md-3"),
                Column("total_score", css_class="col-md-3"),
            ),
            "domains",
            "notes",
        )


class CopyForm(forms.Form):
    year = forms.IntegerField(label=_("新版本年度"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("新版本名称"), max_length=200, required=False, help_text=_("留空则沿用原名称"))

    def __init__(self, *args, standard=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.standard = standard
        if standard is not None and not self.is_bound:
            self.initial.setdefault("year", max(standard.year + 1, timezone.localdate().year))
        self.helper = form_helper(Row(Column("year", css_class="col-md-4"), Column("name", css_class="col-md-8")))

    def clean(self):
        data = super().clean()
        name = data.get("name") or (self.standard.name if self.standard else "")
        if data.get("year") and Standard.objects.filter(name=name, year=data["year"]).exists():
            raise forms.ValidationError(
                _("%(year)s 年已有名为“%(name)s”的标准，请换一个名称或年度。") % {"year": data["year"], "name": name}
            )
        return data


class SectionForm(forms.ModelForm):
    class Meta:
        model = Section
        fields = ["code", "title", "kind", "domain", "max_score", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"].help_text = _("留空表示各领域通用")
        self.helper = form_helper(
            Row(
                Column("code", css_class="col-md-3"),
                Column("title", css_class="col-md-5"),
                Column("kind", css_class="col-md-4"),
            ),
            Row(Column("domain", css_class="col-md-6"), Column("max_score", css_class="col-md-6")),
            "description",
        )

    def clean_code(self):
        code = self.cleaned_data["code"].strip().upper()
        sections = Section.objects.filter(standard=self.instance.standard, code=code).exclude(pk=self.instance.pk)
        if sections.exists():
            raise forms.ValidationError(_("代码“%(code)s”在本标准中已存在") % {"code": code})
        return code


class ItemForm(forms.ModelForm):
    evidence_categories = forms.MultipleChoiceField(
        label=_("佐证材料类别"),
        choices=MaterialCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Item
        fields = [
            "section",
            "code",
            "title",
            "max_score",
            "kind",
            "is_veto",
            "is_required",
            "guide",
            "evidence_categories",
        ]
        widgets = {"guide": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = self.instance.standard.sections.order_by("order", "id")
        self.fields["guide"].help_text = _(
            "写明得分与扣分标准，评分人员在现场按此打分。支持 **加粗**，以“- ”或“1. ”开头的行显示为列表。"
        )
        self.helper = form_helper(
            Row(
                Column("section", css_class="col-md-4"),
                Column("code", css_class="col-md-3"),
                Column("title", css_class="col-md-5"),
            ),
            Row(
                Column("max_score", css_class="col-md-3"),
                Column("kind", css_class="col-md-3"),
                Column("is_veto", css_class="col-md-3 pt-md-4"),
                Column("is_required", css_class="col-md-3 pt-md-4"),
            ),
            "guide",
            InlineCheckboxes("evidence_categories"),
        )

    def clean_code(self):
        code = self.cleaned_data["code"].strip().upper()
        items = Item.objects.filter(standard=self.instance.standard, code=code).exclude(pk=self.instance.pk)
        if items.exists():
            raise forms.ValidationError(_("编号“%(code)s”在本标准中已存在") % {"code": code})
        return code


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"), help_text=_("使用本系统导出的标准表格格式"))
    name = forms.CharField(
        label=_("名称"), max_length=200, required=False, help_text=_("留空则取表格“标准信息”页的名称")
    )
    year = forms.IntegerField(
        label=_("年度"), min_value=2000, max_value=2100, required=False, help_text=_("留空则取表格“标准信息”页的年度")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(
            "file", Row(Column("name", css_class="col-md-8"), Column("year", css_class="col-md-4"))
        )

    def clean_file(self):
        return checked_xlsx(self.cleaned_data["file"])
