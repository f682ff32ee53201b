"""Forms of the site pages (crispy, Bootstrap 5)."""

from crispy_forms.layout import Column, Fieldset, Row
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.choices import Domain
from accounts.models import PartyOrganization
from accounts.roles import Role
from accounts.selectors import organizations_visible_to, users_visible_to
from core import images
from core.forms import checked_xlsx, form_helper
from core.widgets import MultiPicker, Picker, TreePicker

from . import rules
from .choices import NAMED_STATES, SiteState, ZoneKind
from .models import Batch, CreationGroupMember, Narrator, Site, Subsidy, TourStop, Zone
from .permissions import INSTRUCTING_ROLES, LIAISON_ROLES
from .selectors import sites_visible_to
from .services import LEADER_FIELDS, STAFF_FIELDS

MAX_IMAGE_BYTES = 5 * 1024 * 1024


def _check_image(image):
    """Django's ImageField already opens the file with Pillow (content, not name); also cap its size."""
    if image and hasattr(image, "size") and image.size > MAX_IMAGE_BYTES:
        raise forms.ValidationError(_("图片不能超过 5 MB"))
    return image


PROFILE_LAYOUT = (
    Fieldset(
        _("党建品牌"),
        Row(Column("brand_name", css_class="col-md-6"), Column("brand_slogan", css_class="col-md-6")),
        "brand_description",
        "brand_emblem",
    ),
    Fieldset(_("特色亮点"), "highlights"),
    Fieldset(
        _("联系方式"),
        Row(
            Column("secretary_name", css_class="col-md-3"),
            Column("secretary_phone", css_class="col-md-3"),
            Column("contact_name", css_class="col-md-3"),
            Column("contact_phone", css_class="col-md-3"),
        ),
        Row(
            Column("address", css_class="col-md-6"),
            Column("latitude", css_class="col-md-3"),
            Column("longitude", css_class="col-md-3"),
        ),
    ),
)


class SiteLeaderForm(forms.ModelForm):
    """What a site leader keeps current: profile, brand, contacts."""

    class Meta:
        model = Site
        fields = LEADER_FIELDS
        widgets = {
            "brand_description": forms.Textarea(attrs={"rows": 3}),
            "highlights": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(*PROFILE_LAYOUT)

    def clean_brand_emblem(self):
        return _without_metadata(_check_image(self.cleaned_data.get("brand_emblem")))


def _users_with_role(user, *roles):
    """People with one of `roles` whom `user` may pick (accounts.selectors.users_visible_to)."""
    return users_visible_to(user).filter(groups__name__in=roles, is_active=True).distinct().order_by("full_name")


class SiteStaffForm(SiteLeaderForm):
    """Staff also set the name, organization, level, year, batch and the people who supervise the site.

    Every choice is limited to the user's data scope: a district's staff cannot move a site to another
    district by choosing another district's organization."""

    instructors = forms.ModelMultipleChoiceField(
        label=_("督查指导员"),
        queryset=None,
        required=False,
        widget=MultiPicker(source="accounts:pick_users", source_query="role=instructor&role=staff"),
    )
    liaisons = forms.ModelMultipleChoiceField(
        label=_("联络员"),
        queryset=None,
        required=False,
        widget=MultiPicker(source="accounts:pick_users", source_query="role=district"),
    )

    class Meta(SiteLeaderForm.Meta):
        fields = STAFF_FIELDS
        widgets = {**SiteLeaderForm.Meta.widgets, "organization": Picker(source="accounts:pick_organizations")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations_visible_to(user)
        self.fields["instructors"].queryset = _users_with_role(user, Role.INSTRUCTOR, Role.STAFF)
        self.fields["liaisons"].queryset = _users_with_role(user, Role.DISTRICT)
        if self.instance.pk:
            self.initial.setdefault("instructors", list(self.instance.instructors.all()))
            self.initial.setdefault("liaisons", list(self.instance.liaisons.all()))
        self.helper = form_helper(
            Fieldset(
                _("基本信息"),
                Row(Column("name", css_class="col-md-6"), Column("organization", css_class="col-md-6")),
                Row(
                    Column("level", css_class="col-md-4"),
                    Column("nomination_year", css_class="col-md-4"),
                    Column("batch", css_class="col-md-4"),
                ),
            ),
            Fieldset(
                _("督查指导"),
                Row(Column("instructors", css_class="col-md-6"), Column("liaisons", css_class="col-md-6")),
            ),
            *PROFILE_LAYOUT,
        )


class NominateForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("党组织"),
        queryset=PartyOrganization.objects.none(),
        widget=Picker(source="accounts:pick_organizations", placeholder=_("输入党组织或所在村社区名称搜索")),
        help_text=_("同名党组织以所在区划区分"),
    )
    year = forms.IntegerField(label=_("推荐年度"), min_value=2000, max_value=2100)
    level = forms.ChoiceField(label=_("级别"), choices=Site._meta.get_field("level").choices)
    name = forms.CharField(label=_("示范点名称"), max_length=200, required=False, help_text=_("留空则使用党组织名称"))
    reason = forms.CharField(label=_("推荐理由"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = (
            organizations if organizations is not None else self.fields["organization"].queryset
        )
        self.initial.setdefault("year", timezone.localdate().year)
        self.helper = form_helper(
            Row(Column("organization", css_class="col-md-6"), Column("name", css_class="col-md-6")),
            Row(Column("year", css_class="col-md-6"), Column("level", css_class="col-md-6")),
            "reason",
        )

    def clean(self):
        data = super().clean()
        if (
            data.get("organization")
            and data.get("year")
            and Site.objects.filter(organization=data["organization"], nomination_year=data["year"]).exists()
        ):
            raise forms.ValidationError(_("该党组织在 %(year)s 年已被推荐") % {"year": data["year"]})
        return data


class TransitionForm(forms.Form):
    to_state = forms.ChoiceField(label=_("办理事项"))
    reason = forms.CharField(
        label=_("原因"), widget=forms.Textarea(attrs={"rows": 3}), help_text=_("必填，将记入示范点的状态变更记录")
    )

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_state"].choices = [
            (t.target, gettext("%(act)s（→ %(state)s）") % {"act": gettext(t.name), "state": SiteState(t.target).label})
            for t in rules.manual_targets(site.state)
        ]
        self.helper = form_helper("to_state", "reason")


class SubsidyForm(forms.ModelForm):
    class Meta:
        model = Subsidy
        fields = ["year", "amount", "source", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("year", timezone.localdate().year)
        self.helper = form_helper(
            Row(Column("year", css_class="col-6"), Column("amount", css_class="col-6")),
            Row(Column("source", css_class="col-6"), Column("note", css_class="col-6")),
        )


class TourStopForm(forms.ModelForm):
    class Meta:
        model = TourStop
        fields = ["order", "title", "description", "photo"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def clean_photo(self):
        return _without_metadata(_check_image(self.cleaned_data.get("photo")))


def _without_metadata(image):
    """A newly uploaded picture re-encoded (core.images): a phone photo's EXIF, its GPS position included, is not
    kept. Same name, unless the picture is kept in another format (a GIF or BMP becomes a PNG)."""
    if not isinstance(image, UploadedFile):  # nothing new: no file, the "clear" box, or the file already kept
        return image
    image.seek(0)
    data = image.read()
    try:
        original = images.format_of(data)
        kind = images.kind_of(original)
        cleaned = images.clean_image(data, kind)
    except images.ImageRefused as error:
        raise forms.ValidationError(str(error)) from error
    except Exception as error:  # Pillow raises many kinds for a picture whose header is fine and data is not
        raise forms.ValidationError(_("图片已损坏或格式不正确，无法打开")) from error
    name = image.name if original in images.KIND_OF_FORMAT else f"{image.name.rsplit('.', 1)[0]}.{kind}"
    return SimpleUploadedFile(name, cleaned, content_type=f"image/{kind}")


def _formset(model, form=forms.ModelForm, fields=None, extra=1):
    return forms.inlineformset_factory(Site, model, form=form, fields=fields, extra=extra, can_delete=True)


class GroupMemberForm(forms.ModelForm):
    """A creation-group member; the linked account is searched among the people the editor may see."""

    class Meta:
        model = CreationGroupMember
        fields = ["role", "name", "position", "phone", "user", "order"]
        widgets = {"user": Picker(source="accounts:pick_users", placeholder=_("可选：关联系统用户"))}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["user"].queryset = users_visible_to(user).filter(is_active=True)


GroupFormSet = _formset(CreationGroupMember, form=GroupMemberForm)
NarratorFormSet = _formset(Narrator, fields=["name", "phone", "is_secretary", "trained", "order"])
TourStopFormSet = _formset(TourStop, form=TourStopForm)


class SiteImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"), help_text=_("请使用下载的模板填写"))

    def clean_file(self):
        return checked_xlsx(self.cleaned_data["file"])


class SiteMultiPicker(MultiPicker):
    """Sites chosen in a picker, shown in the order given (a belt's route order) and labelled with their
    region path like the search results; Tom Select submits them in the order they stand."""

    def optgroups(self, name, value, attrs=None):
        order = [str(v) for v in value if v not in (None, "")]
        queryset = getattr(self.choices, "queryset", None)
        if queryset is None or not order:
            return [(None, [], 0)]
        found = {str(site.pk): site for site in queryset.filter(pk__in=order).select_related("region")}
        options = [
            self.create_option(name, found[pk].pk, found[pk].picker_label, True, index)
            for index, pk in enumerate(order)
            if pk in found
        ]
        return [(None, options, 0)]


def _submitted_order(form, name: str, chosen) -> list:
    """The chosen objects in the order the browser submitted them (a <select multiple> keeps its order)."""
    raw = form.data.getlist(form.add_prefix(name)) if hasattr(form.data, "getlist") else []
    by_pk = {str(obj.pk): obj for obj in chosen}
    ordered = [by_pk[value] for value in dict.fromkeys(raw) if value in by_pk]
    return ordered + [obj for obj in chosen if obj not in ordered]


class ZoneForm(forms.ModelForm):
    """A 示范区 or 示范带: its area (a region in the editor's scope) and its sites, among those they may see.

    A belt's stops are in the order chosen; on a belt that has stops, each has an order number to move it."""

    sites = forms.ModelMultipleChoiceField(
        label=_("示范点"),
        queryset=Site.objects.none(),
        required=False,
        widget=SiteMultiPicker(source="sites:pick", placeholder=_("输入示范点名称或所在村社区搜索，可多选")),
        help_text=_("示范带的观摩线路按选择的先后排列，新选的排在最后；保存后可逐站修改顺序号。"),
    )

    class Meta:
        model = Zone
        fields = ["name", "kind", "region", "description"]
        widgets = {
            "region": TreePicker(source="accounts:pick_regions", placeholder=_("选择所在区划（可输入名称搜索）")),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, sites, regions, region_required: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["region"].required = region_required
        self.fields["region"].empty_label = _("全市（不限区划）")
        self.fields["sites"].queryset = sites
        self.stops = []
        if self.instance.pk:
            members = [m.site_id for m in self.instance.memberships.order_by("order", "id")]
            visible = set(sites.filter(pk__in=members).values_list("pk", flat=True))
            members = [pk for pk in members if pk in visible]
            self.initial.setdefault("sites", members)
            if self.instance.kind == ZoneKind.BELT:
                for number, site in enumerate(sorted(sites.filter(pk__in=members), key=lambda s: members.index(s.pk))):
                    field = forms.IntegerField(label=site.picker_label, min_value=1, max_value=999, initial=number + 1)
                    field.widget.attrs.update({"class": "form-control form-control-sm", "inputmode": "numeric"})
                    self.fields[f"stop_{site.pk}"] = field
                    self.stops.append(self[f"stop_{site.pk}"])
        self.helper = form_helper(
            Row(Column("name", css_class="col-md-6"), Column("kind", css_class="col-md-6")),
            "region",
            "description",
            "sites",
        )

    def ordered_sites(self) -> list[Site]:
        """The chosen sites in route order: stops by their order number, new ones after them as chosen. A stop
        given the number another already has goes before it (typing 1 on the last stop makes it the first)."""
        sites = _submitted_order(self, "sites", list(self.cleaned_data.get("sites") or []))
        numbers = {}
        for name, value in self.cleaned_data.items():
            if name.startswith("stop_") and value is not None:
                moved = value != self.fields[name].initial
                numbers[int(name.removeprefix("stop_"))] = (value, 0 if moved else 1)
        index = {site.pk: position for position, site in enumerate(sites)}
        return sorted(sites, key=lambda site: (*numbers.get(site.pk, (10_000, 1)), index[site.pk]))


class BatchForm(forms.ModelForm):
    """A 授牌批次 and the named sites it names (among those the editor may see)."""

    sites = forms.ModelMultipleChoiceField(
        label=_("本批授牌的示范点"),
        queryset=Site.objects.none(),
        required=False,
        widget=SiteMultiPicker(
            source="sites:pick", source_query="state=formal&state=improving", placeholder=_("输入示范点名称搜索")
        ),
        help_text=_("只能选择正式示范点或全面提升阶段的示范点；移出的示范点不再属于任何批次。"),
    )

    class Meta:
        model = Batch
        fields = ["name", "named_on", "note"]
        widgets = {
            # A date input takes ISO dates only, whatever the language's date format.
            "named_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        # Eliminated sites keep the batch they were named in, so they stay valid values here.
        self.fields["sites"].queryset = sites.filter(state__in=[*NAMED_STATES, SiteState.ELIMINATED])
        if self.instance.pk:
            self.initial.setdefault("sites", list(sites.filter(batch=self.instance).values_list("pk", flat=True)))
        self.helper = form_helper(
            Row(Column("name", css_class="col-md-6"), Column("named_on", css_class="col-md-6")),
            "note",
            "sites",
        )


class TargetGridForm(forms.Form):
    """One year's targets of the city or a district: per domain, creating units and named sites (blank is 0)."""

    def __init__(self, *args, targets: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for code, label in Domain.choices:
            target = targets.get(code)
            pair = []
            for figure, initial in (
                ("creating", target.creating_units if target else 0),
                ("named", target.named_sites if target else 0),
            ):
                name = f"{code}-{figure}"
                self.fields[name] = forms.IntegerField(
                    label=f"{label} · {gettext('创建单位') if figure == 'creating' else gettext('命名示范点')}",
                    min_value=0,
                    max_value=9999,
                    required=False,
                    initial=initial,
                    widget=forms.NumberInput(attrs={"class": "form-control form-control-sm text-end", "min": 0}),
                )
                pair.append(self[name])
            self.rows.append((code, label, *pair))

    def clean(self):
        data = super().clean()
        for code, _label, *_fields in self.rows:
            creating, named = data.get(f"{code}-creating") or 0, data.get(f"{code}-named") or 0
            if named > creating:
                self.add_error(f"{code}-named", _("命名示范点目标不能多于创建单位目标"))
        return data

    def values(self) -> dict[str, tuple[int, int]]:
        data = self.cleaned_data
        return {code: (data.get(f"{code}-creating") or 0, data.get(f"{code}-named") or 0) for code, *_ in self.rows}


class UserSitesForm(forms.Form):
    instructed = forms.ModelMultipleChoiceField(
        label=_("作为督查指导员的示范点"),
        queryset=None,
        required=False,
        widget=MultiPicker(source="sites:pick", placeholder=_("输入示范点名称搜索")),
    )
    liaised = forms.ModelMultipleChoiceField(
        label=_("作为联络员的示范点"),
        queryset=None,
        required=False,
        widget=MultiPicker(source="sites:pick", placeholder=_("输入示范点名称搜索")),
    )

    def __init__(self, *args, person, manager, **kwargs):
        super().__init__(*args, **kwargs)
        visible = sites_visible_to(manager)
        for name, roles, related in (
            ("instructed", INSTRUCTING_ROLES, "instructed_sites"),
            ("liaised", LIAISON_ROLES, "liaison_sites"),
        ):
            if not person.has_role(*roles):
                del self.fields[name]
                continue
            self.fields[name].queryset = visible
            self.initial[name] = list(visible.filter(pk__in=getattr(person, related).values("pk")))
        self.helper = form_helper(*self.fields)


class MemberAccountForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        help_text=_("登录用的名称，可修改：字母、数字或 @ . + - _"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper("username")
