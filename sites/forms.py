"""Forms of the site pages (crispy, Bootstrap 5)."""

from crispy_forms.layout import Column, Fieldset, Row
from django import forms
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import PartyOrganization
from accounts.roles import Role
from core import images
from core.forms import checked_xlsx, form_helper

from . import rules
from .choices import SiteState
from .models import CreationGroupMember, Narrator, Site, Subsidy, TourStop
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


def _users_with_role(*roles):
    return get_user_model().objects.filter(groups__name__in=roles, is_active=True).distinct().order_by("full_name")


class SiteStaffForm(SiteLeaderForm):
    """Staff also set the name, organization, level, year, batch and the people who supervise the site."""

    instructors = forms.ModelMultipleChoiceField(
        label=_("督查指导员"), queryset=None, required=False, widget=forms.SelectMultiple(attrs={"size": 5})
    )
    liaisons = forms.ModelMultipleChoiceField(
        label=_("联络员"), queryset=None, required=False, widget=forms.SelectMultiple(attrs={"size": 5})
    )

    class Meta(SiteLeaderForm.Meta):
        fields = STAFF_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = PartyOrganization.objects.select_related("region")
        self.fields["instructors"].queryset = _users_with_role(Role.INSTRUCTOR, Role.STAFF)
        self.fields["liaisons"].queryset = _users_with_role(Role.DISTRICT)
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
    organization = forms.ModelChoiceField(label=_("党组织"), queryset=PartyOrganization.objects.none())
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
            (t.target, f"{gettext(t.name)}（→ {SiteState(t.target).label}）") for t in rules.manual_targets(site.state)
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


GroupFormSet = _formset(CreationGroupMember, fields=["role", "name", "position", "phone", "user", "order"])
NarratorFormSet = _formset(Narrator, fields=["name", "phone", "is_secretary", "trained", "order"])
TourStopFormSet = _formset(TourStop, form=TourStopForm)


class SiteImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"), help_text=_("请使用下载的模板填写"))

    def clean_file(self):
        return checked_xlsx(self.cleaned_data["file"])
