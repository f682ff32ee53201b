"""Every write to sites. State changes go only through site_transition, which consults rules.py."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.choices import DataScope
from accounts.roles import Role
from accounts.services import user_create
from core.services import audit_record

from . import rules
from .choices import SiteLevel, SiteState
from .models import Batch, CreationGroupMember, Site, StateChange, Subsidy
from .selectors import sites_visible_to

# Fields a site leader may change on their own site; staff may change these and the rest (not the state).
LEADER_FIELDS = [
    "brand_name",
    "brand_slogan",
    "brand_description",
    "brand_emblem",
    "highlights",
    "secretary_name",
    "secretary_phone",
    "contact_name",
    "contact_phone",
    "address",
    "latitude",
    "longitude",
]
STAFF_FIELDS = ["name", "organization", "level", "nomination_year", "batch", *LEADER_FIELDS]


def _display(value) -> str:
    """A field's value as the audit trail shows it; None, "" and an empty file are all "nothing"."""
    if value is None or value == "":
        return ""
    return value.name if isinstance(value, FieldFile) else str(value)


@transaction.atomic
def site_nominate(
    *, organization, year: int, by, level: str = SiteLevel.CITY, name: str = "", reason: str = "", **profile
) -> Site:
    """Put an organization forward as a creating unit for `year` (state 已推荐). Like every manual act on a
    site's lifecycle, it needs a reason."""
    if not reason.strip():
        raise ValidationError(_("推荐必须填写推荐理由"))
    site = Site(
        name=name or organization.name,
        organization=organization,
        domain=organization.domain,
        region_id=organization.region_id,
        level=level,
        nomination_year=year,
        state=SiteState.NOMINATED,
        **profile,
    )
    site.full_clean()
    site.save()
    StateChange.objects.create(
        site=site,
        from_state="",
        to_state=SiteState.NOMINATED,
        action=gettext_noop("推荐"),  # stored untranslated, shown translated (see rules.Transition.name)
        reason=reason,
        by=by if getattr(by, "is_authenticated", False) else None,
    )
    audit_record(actor=by, action="site_nominate", target=site, reason=reason)
    return site


@transaction.atomic
def site_update(*, site: Site, by, allowed: list[str], **fields) -> Site:
    """Change profile fields, only those in `allowed`; every changed field is recorded with old and new value."""
    if "state" in fields:
        raise ValidationError(_("状态只能通过“办理状态变更”修改"))
    refused = set(fields) - set(allowed)
    if refused:
        raise ValidationError(_("无权修改：%(fields)s") % {"fields": "、".join(sorted(refused))})
    changes = {}
    for name, value in fields.items():
        old = getattr(site, name)
        if _display(old) != _display(value):
            changes[name] = [_display(old), _display(value)]
        setattr(site, name, value)
    if not changes:
        return site  # an unchanged form changes nothing and records nothing
    if "organization" in changes:  # region and domain follow the organization
        site.domain, site.region_id = site.organization.domain, site.organization.region_id
    site.full_clean()
    site.save()
    audit_record(actor=by, action="site_update", target=site, changes=changes)
    return site


@transaction.atomic
def site_transition(*, site: Site, to_state: str, by, reason: str = "", manual: bool = True, cause=None) -> StateChange:
    """The one way a site's state changes. By hand (manual) it needs a reason; a round passes itself as cause."""
    site = Site.objects.select_for_update().get(pk=site.pk)
    try:
        transition = rules.find_transition(site.state, to_state, manual=manual)
    except rules.TransitionNotAllowed as error:
        raise ValidationError(str(error)) from error
    if manual and not reason.strip():
        raise ValidationError(_("手工变更状态必须填写原因"))
    change = StateChange(
        site=site,
        from_state=site.state,
        to_state=to_state,
        action=transition.name,
        reason=reason.strip(),
        by=by if getattr(by, "is_authenticated", False) else None,
    )
    if cause is not None:
        change.cause, change.cause_label = cause, str(cause)[:200]
    change.save()
    site.state = to_state
    site.save(update_fields=["state", "updated_at"])
    audit_record(
        actor=by, action="site_transition", target=site, changes={"state": [change.from_state, to_state]}, reason=reason
    )
    return change


@transaction.atomic
def subsidy_add(*, site: Site, by, year: int, amount, source: str = "市管党费", note: str = "") -> Subsidy:
    subsidy = Subsidy(site=site, year=year, amount=amount, source=source, note=note)
    subsidy.full_clean()
    subsidy.save()
    audit_record(actor=by, action="subsidy_add", target=site, changes={"subsidy": [None, f"{year} ¥{amount}"]})
    return subsidy


@transaction.atomic
def batch_name_sites(*, batch: Batch, sites, by) -> int:
    """Record that these (formal) sites were named in `batch`."""
    named = 0
    for site in sites:
        if site.state not in (SiteState.FORMAL, SiteState.IMPROVING):
            raise ValidationError(_("“%(site)s”还不是正式示范点，不能授牌") % {"site": site})
        site_update(site=site, by=by, allowed=["batch"], batch=batch)
        named += 1
    return named


@transaction.atomic
def related_save(*, site: Site, by, formset, what: str) -> None:
    """Save an inline formset (creation group, narrators, tour stops) and record what changed."""
    instances = formset.save(commit=False)
    for instance in instances:
        instance.site = site
        instance.full_clean()
        instance.save()
    for instance in formset.deleted_objects:
        instance.delete()
    changed = [str(obj) for obj in instances] + [f"删除 {obj}" for obj in formset.deleted_objects]
    if changed:
        audit_record(actor=by, action=f"site_{what}", target=site, changes={what: [None, "；".join(changed)]})


@transaction.atomic
def site_set_supervisors(*, site: Site, by, instructors, liaisons) -> None:
    """Assign the site's instructors (督查指导员) and liaisons (联络员); recorded like any field change."""
    changes = {}
    for field, people in (("instructors", instructors), ("liaisons", liaisons)):
        manager = getattr(site, field)
        before = sorted(str(user) for user in manager.all())
        after = sorted(str(user) for user in people)
        if before != after:
            manager.set(people)
            changes[field] = ["、".join(before), "、".join(after)]
    if changes:
        audit_record(actor=by, action="site_update", target=site, changes=changes)


@transaction.atomic
def sites_import(*, rows, by) -> int:
    """Create the sites of a checked import; any row with a problem, or any failure, imports nothing."""
    if any(row.errors for row in rows):
        raise ValidationError(_("文件有错误，未导入任何示范点。"))
    for row in rows:
        v = row.values
        site = Site(
            name=v["示范点名称"],
            organization=v["_organization"],
            domain=v["_domain"],
            region_id=v["_organization"].region_id,
            level=v["_level"],
            nomination_year=v["_year"],
            state=v["_state"],
            secretary_name=v.get("党组织书记", ""),
            secretary_phone=v.get("书记电话", ""),
            contact_name=v.get("联系人", ""),
            contact_phone=v.get("联系电话", ""),
            address=v.get("地址", ""),
            brand_name=v.get("党建品牌", ""),
            highlights=v.get("特色亮点", ""),
        )
        try:
            site.full_clean()
        except ValidationError as error:
            raise ValidationError([f"第 {row.number} 行：{message}" for message in error.messages]) from error
        site.save()
        StateChange.objects.create(
            site=site,
            from_state="",
            to_state=site.state,
            action=gettext_noop("导入"),
            by=by if getattr(by, "is_authenticated", False) else None,
        )
        audit_record(actor=by, action="site_import", target=site)
    return len(rows)


def _names(sites) -> str:
    return "、".join(sorted(str(site) for site in sites))


@transaction.atomic
def user_sites_set(*, by, person, instructed=None, liaised=None) -> dict:
    """Choose, among the sites `by` may see, those where `person` is instructor (督查指导员) or liaison (联络员).

    Assignments to sites outside `by`'s scope are kept as they are: a district's staff can neither see nor undo
    what the city assigned elsewhere. Recorded on the person and on every site that changed. None: unchanged."""
    visible = sites_visible_to(by)
    changes = {}
    for field, site_field, chosen in (
        ("instructed_sites", "instructors", instructed),
        ("liaison_sites", "liaisons", liaised),
    ):
        if chosen is None:
            continue
        chosen_ids = {site.pk for site in chosen}
        if visible.filter(pk__in=chosen_ids).count() != len(chosen_ids):
            raise ValidationError(_("只能指派您数据范围内的示范点"))
        related = getattr(person, field)
        current = {site.pk: site for site in related.all()}
        in_scope = set(visible.filter(pk__in=current).values_list("pk", flat=True))
        after = (set(current) - in_scope) | chosen_ids
        if after == set(current):
            continue
        related.set(after)
        after_sites = list(Site.objects.filter(pk__in=after))
        changes[field] = [_names(current.values()), _names(after_sites)]
        for site in Site.objects.filter(pk__in=set(current) ^ after).prefetch_related(site_field):
            now = sorted(str(user) for user in getattr(site, site_field).all())
            was = sorted(set(now) - {str(person)}) if site.pk in after else sorted([*now, str(person)])
            audit_record(
                actor=by, action="site_update", target=site, changes={site_field: ["、".join(was), "、".join(now)]}
            )
    if changes:
        audit_record(actor=by, action="user_sites_set", target=person, changes=changes)
    return changes


@transaction.atomic
def member_account_open(*, by, member: CreationGroupMember, username: str):
    """Give a creation-group member an account: a site leader (示范点负责人) of the site's organization with an
    assigned scope, linked to the member, so that they see exactly the sites whose group they are in.

    Returns the user and the one-time password (shown once to the manager, never stored)."""
    site = member.site
    if not sites_visible_to(by).filter(pk=site.pk).exists():
        raise ValidationError(_("只能为您数据范围内的示范点开通账号"))
    if member.user_id:
        raise ValidationError(_("该成员已关联系统用户"))
    user, password = user_create(
        by=by,
        username=username,
        full_name=member.name,
        phone=member.phone,
        unit=site.organization.name,
        organization=site.organization,
        roles=[Role.LEADER],
        scope=DataScope.ASSIGNED,
    )
    member.user = user
    member.save(update_fields=["user"])
    audit_record(
        actor=by,
        action="site_member_account",
        target=site,
        changes={"group": ["", _("%(member)s 开通账号 %(username)s") % {"member": member, "username": user.username}]},
    )
    return user, password
