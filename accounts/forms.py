"""Forms of accounts pages."""

from crispy_forms.bootstrap import InlineCheckboxes
from crispy_forms.layout import Column, Fieldset, Row
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.utils.translation import gettext_lazy as _

from core.forms import checked_xlsx, form_helper
from core.widgets import Picker, TreePicker

from .choices import DataScope
from .models import PartyOrganization, User
from .permissions import assignable_roles, grantable_scopes
from .roles import Role
from .selectors import organizations_visible_to, regions_grantable_by
from .services import user_password_change


class LoginForm(AuthenticationForm):
    """Django's login form with the browser hints a phone keyboard needs."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["password"].label = _("密码")
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class PasswordChangeForm(DjangoPasswordChangeForm):
    """The new password must differ from the current one (above all from a one-time password)."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        if user.must_change_password:
            self.fields["old_password"].label = _("一次性密码")
            self.fields["old_password"].help_text = _("管理员发给您的一次性密码")

    def clean(self):
        data = super().clean()
        new = data.get("new_password1")
        if new and "new_password2" not in self.errors and self.user.check_password(new):
            self.add_error("new_password1", _("新密码不能与当前密码（包括管理员发放的一次性密码）相同"))
        return data

    def save(self, commit=True):
        return user_password_change(user=self.user, password=self.cleaned_data["new_password1"])


SCOPE_HELP = _(
    "全市：可见全市数据；所辖区域：可见所选区划及其下级的数据；"
    "指定对象：只见指派给本人的示范点（督查指导员、联络员在其用户页指派，示范点负责人通过创建小组关联）。"
)


class UserForm(forms.ModelForm):
    """An account as a manager edits it: every choice limited to what the manager may grant (permissions.py)."""

    roles = forms.MultipleChoiceField(
        label=_("角色"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个角色")},
    )

    class Meta:
        model = User
        fields = ["username", "full_name", "phone", "email", "unit", "organization", "roles", "scope", "region"]
        widgets = {
            "organization": Picker(
                source="accounts:pick_organizations", placeholder=_("输入党组织或所在村社区名称搜索")
            ),
            "region": TreePicker(source="accounts:pick_regions", placeholder=_("选择或输入区划名称搜索")),
        }
        help_texts = {"scope": SCOPE_HELP}
        labels = {"email": _("邮箱")}

    def __init__(self, *args, manager, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].required = True
        self.fields["username"].widget.attrs.update({"autocapitalize": "none", "autocomplete": "off"})
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        self.fields["username"].help_text = _("登录用的名称：字母、数字或 @ . + - _，不超过 150 个字符")
        self.fields["roles"].choices = [(code, Role(code).label) for code in assignable_roles(manager)]
        self.fields["scope"].choices = [(code, DataScope(code).label) for code in grantable_scopes(manager)]
        self.fields["organization"].queryset = organizations_visible_to(manager)
        self.fields["region"].queryset = regions_grantable_by(manager)
        self.fields["region"].empty_label = _("（数据范围为“所辖区域”时必选）")
        if self.instance.pk:
            self.initial.setdefault("roles", sorted(self.instance.roles))
            # What an administrator set beyond this manager's reach stays as it is when saved unchanged (the
            # service checks only what changes).
            for name, current in (("organization", self.instance.organization_id), ("region", self.instance.region_id)):
                if current:
                    field = self.fields[name]
                    field.queryset = field.queryset | field.queryset.model.objects.filter(pk=current)
            # An unchanged value the manager could not grant stays selectable, so saving it changes nothing.
            if self.instance.scope not in dict(self.fields["scope"].choices):
                self.fields["scope"].choices += [(self.instance.scope, self.instance.get_scope_display())]
        self.helper = form_helper(
            Fieldset(
                _("基本信息"),
                Row(Column("username", css_class="col-md-6"), Column("full_name", css_class="col-md-6")),
                Row(Column("phone", css_class="col-md-6"), Column("email", css_class="col-md-6")),
                Row(Column("unit", css_class="col-md-6"), Column("organization", css_class="col-md-6")),
            ),
            Fieldset(
                _("角色与数据范围"),
                InlineCheckboxes("roles"),
                Row(Column("scope", css_class="col-md-6"), Column("region", css_class="col-md-6")),
            ),
        )

    def account(self) -> dict:
        """The cleaned values as the services take them."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class DeactivateForm(forms.Form):
    reason = forms.CharField(label=_("停用原因"), max_length=200, required=False, help_text=_("可选，将记入修改记录"))


class UserImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"), help_text=_("请使用下载的模板填写"))

    def clean_file(self):
        return checked_xlsx(self.cleaned_data["file"])


class OrganizationForm(forms.ModelForm):
    """A Party organization, within the editor's scope: a region-scoped editor can neither see nor move one
    outside their subtree."""

    class Meta:
        model = PartyOrganization
        fields = ["name", "kind", "domain", "region", "parent", "secretary", "member_count", "is_active"]
        widgets = {
            "region": TreePicker(source="accounts:pick_regions", placeholder=_("选择或输入区划名称搜索")),
            "parent": Picker(source="accounts:pick_organizations", placeholder=_("可选：输入上级党组织名称搜索")),
        }

    def __init__(self, *args, editor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_grantable_by(editor)
        parents = organizations_visible_to(editor)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.helper = form_helper(
            Row(Column("name", css_class="col-md-8"), Column("kind", css_class="col-md-4")),
            Row(Column("domain", css_class="col-md-4"), Column("region", css_class="col-md-8")),
            Row(
                Column("parent", css_class="col-md-6"),
                Column("secretary", css_class="col-md-3"),
                Column("member_count", css_class="col-md-3"),
            ),
            "is_active",
        )

    def validate_constraints(self):
        # The service checks uniqueness within a region, with a message on the name that names the region.
        pass

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
