"""Every write to sites. State changes go only through site_transition, which consults rules.py."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.choices import DataScope
from accounts.roles import Role
from accounts.selectors import organizations_visible_to
from accounts.services import user_create
from accounts.signals import sites_moved
from core.audit import field_changes
from core.services import audit_record

from . import rules
from .choices import SiteLevel, SiteState, ZoneKind
from .models import Batch, CreationGroupMember, Site, StateChange, Subsidy, Target, Zone, ZoneSite
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
    moved = False
    if "organization" in changes:  # region and domain follow the organization
        moved = site.region_id != site.organization.region_id
        site.domain, site.region_id = site.organization.domain, site.organization.region_id
    site.full_clean()
    site.save()
    if moved:
        sites_moved.send(sender=Site, site_lookups={"pk": site.pk})
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
def site_transition_undo(*, change: StateChange, by, reason: str) -> StateChange:
    """Take back a change of state a round made (an administrator undoing a finalized round): the site returns to
    the state it came from, recorded as a new change “撤销考评结果” with the reason and the same cause. The
    transition table says what may happen to a site, not how to take back what did, so it is not consulted; the
    site must still be in the state the change left it in (nothing has happened to it since)."""
    if not reason.strip():
        raise ValidationError(_("撤销须填写原因"))
    site = Site.objects.select_for_update().get(pk=change.site_id)
    if not change.from_state:
        raise ValidationError(_("“%(site)s”的这条记录没有原状态，不能撤销") % {"site": site})
    if site.state != change.to_state:
        raise ValidationError(
            _("“%(site)s”的状态已变为“%(state)s”，不能撤销这次变更") % {"site": site, "state": site.get_state_display()}
        )
    undo = StateChange(
        site=site,
        from_state=site.state,
        to_state=change.from_state,
        action=gettext_noop("撤销考评结果"),
        reason=reason.strip(),
        by=by if getattr(by, "is_authenticated", False) else None,
        cause_type_id=change.cause_type_id,
        cause_id=change.cause_id,
        cause_label=change.cause_label,
    )
    undo.save()
    site.state = change.from_state
    site.save(update_fields=["state", "updated_at"])
    audit_record(
        actor=by,
        action="site_transition_undo",
        target=site,
        changes={"state": [undo.from_state, undo.to_state]},
        reason=reason.strip(),
    )
    return undo


@transaction.atomic
def subsidy_add(*, site: Site, by, year: int, amount, source: str = "市管党费", note: str = "") -> Subsidy:
    subsidy = Subsidy(site=site, year=year, amount=amount, source=source, note=note)
    subsidy.full_clean()
    subsidy.save()
    audit_record(actor=by, action="subsidy_add", target=site, changes={"subsidy": [None, f"{year} ¥{amount}"]})
    return subsidy


@transaction.atomic
def subsidy_remove(*, subsidy: Subsidy, by, reason: str) -> None:
    """Delete a subsidy recorded by mistake or by an act since undone; the audit trail keeps what it was."""
    if not reason.strip():
        raise ValidationError(_("删除补贴须填写原因"))
    audit_record(
        actor=by,
        action="subsidy_remove",
        target=subsidy.site,
        changes={"subsidy": [f"{subsidy.year} ¥{subsidy.amount}", None]},
        reason=reason.strip(),
    )
    subsidy.delete()


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
    """Create the sites of a checked import; any row with a problem, or any failure, imports nothing.

    Every row's organization must be in the importer's data scope: a district's staff cannot create sites
    in another district by import (checked again here, whatever the preview said)."""
    if any(row.errors for row in rows):
        raise ValidationError(_("文件有错误，未导入任何示范点。"))
    organizations = [row.values["_organization"] for row in rows]
    allowed = set(
        organizations_visible_to(by).filter(pk__in=[o.pk for o in organizations]).values_list("pk", flat=True)
    )
    sites, errors = [], []
    for row, organization in zip(rows, organizations, strict=True):
        v = row.values
        site = Site(
            name=v["示范点名称"],
            organization=organization,
            domain=v["_domain"],
            region_id=organization.region_id,
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
        if organization.pk not in allowed:
            errors.append(f"第 {row.number} 行：「党组织」“{organization}”不在您的数据范围内，不能导入")
        try:
            site.full_clean()
        except ValidationError as error:
            errors.extend(f"第 {row.number} 行：{message}" for message in error.messages)
        sites.append(site)
    if errors:
        raise ValidationError(errors)
    for site in sites:
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


def _site_names(ids: list[int], separator: str) -> str:
    names = dict(Site.objects.filter(pk__in=ids).values_list("pk", "name"))
    return separator.join(names.get(pk, str(pk)) for pk in ids)


def _keep_hidden(old_ids: list[int], chosen_ids: list[int], editable_ids: set[int]) -> list[int]:
    """The chosen members, with the old members the editor may not see (and so could not choose) kept at
    their place: a district's staff editing a belt never drops another district's stops from it."""
    result = list(dict.fromkeys(chosen_ids))
    for index, pk in enumerate(old_ids):
        if pk in editable_ids or pk in result:
            continue
        before = next((old for old in reversed(old_ids[:index]) if old in result), None)
        result.insert(result.index(before) + 1 if before is not None else 0, pk)
    return result


@transaction.atomic
def zone_save(
    *, zone: Zone | None, by, name: str, kind: str, region, description: str = "", sites, editable_sites
) -> Zone:
    """Create (zone None) or change a 示范区/示范带 and its member sites. `sites` are in route order (a belt's
    visiting order); `editable_sites` are the sites the editor may see: other members stay as they are.
    An unchanged form records nothing."""
    before = Zone.objects.get(pk=zone.pk) if zone is not None else None
    zone = zone if zone is not None else Zone()
    zone.name, zone.kind, zone.region, zone.description = name, kind, region, description
    zone.full_clean()
    zone.save()
    memberships = {m.site_id: m for m in zone.memberships.all()}
    old_ids = [m.site_id for m in sorted(memberships.values(), key=lambda m: (m.order, m.id))]
    editable = set(editable_sites.filter(pk__in=old_ids).values_list("pk", flat=True))
    new_ids = _keep_hidden(old_ids, [site.pk for site in sites], editable)
    changes = field_changes(before, zone, ["name", "kind", "region", "description"])
    if new_ids != old_ids:
        zone.memberships.exclude(site_id__in=new_ids).delete()
        for order, site_id in enumerate(new_ids, start=1):
            membership = memberships.get(site_id)
            if membership is None:
                ZoneSite.objects.create(zone=zone, site_id=site_id, order=order)
            elif membership.order != order:
                membership.order = order
                membership.save(update_fields=["order"])
        separator = " → " if zone.kind == ZoneKind.BELT else "、"
        changes["zone_sites"] = [_site_names(old_ids, separator), _site_names(new_ids, separator)]
    if before is None or changes:
        audit_record(actor=by, action="zone_create" if before is None else "zone_update", target=zone, changes=changes)
    return zone


@transaction.atomic
def zone_delete(*, zone: Zone, by) -> None:
    """Delete a zone or belt; its sites stay, only their membership goes."""
    members = list(zone.memberships.order_by("order", "id").values_list("site_id", flat=True))
    audit_record(actor=by, action="zone_delete", target=zone, changes={"zone_sites": [_site_names(members, "、"), ""]})
    zone.delete()


@transaction.atomic
def batch_save(
    *, batch: Batch | None, by, name: str, named_on, note: str = "", sites=None, editable_sites=None
) -> Batch:
    """Create (batch None) or change a 授牌批次; with `sites`, also which sites were named in it.

    A site joins only when it is a named site (batch_name_sites); one that leaves keeps no batch. Each
    site's change is recorded on the site, the batch records its list; sites the editor may not see stay."""
    before = Batch.objects.get(pk=batch.pk) if batch is not None else None
    batch = batch if batch is not None else Batch()
    batch.name, batch.named_on, batch.note = name, named_on, note
    batch.full_clean()
    batch.save()
    changes = field_changes(before, batch, ["name", "named_on", "note"])
    if sites is not None:
        old_ids = list(batch.sites.order_by("name", "id").values_list("pk", flat=True))
        editable = set(editable_sites.filter(pk__in=old_ids).values_list("pk", flat=True))
        new_ids = _keep_hidden(old_ids, [site.pk for site in sites], editable)
        if set(new_ids) != set(old_ids):
            for site in Site.objects.filter(pk__in=set(old_ids) - set(new_ids)):
                site_update(site=site, by=by, allowed=["batch"], batch=None)
            batch_name_sites(batch=batch, sites=Site.objects.filter(pk__in=set(new_ids) - set(old_ids)), by=by)
            changes["batch_sites"] = [_site_names(old_ids, "、"), _site_names(new_ids, "、")]
    if before is None or changes:
        audit_record(
            actor=by, action="batch_create" if before is None else "batch_update", target=batch, changes=changes
        )
    return batch


@transaction.atomic
def batch_delete(*, batch: Batch, by) -> None:
    """Delete a batch that has no named sites: a batch with sites is part of their history."""
    count = batch.sites.count()
    if count:
        raise ValidationError(
            _("“%(batch)s”已有 %(count)s 个授牌示范点，不能删除。") % {"batch": batch, "count": count}
        )
    audit_record(actor=by, action="batch_delete", target=batch)
    batch.delete()


@transaction.atomic
def targets_save(*, year: int, region, values: dict, by) -> int:
    """Set one year's targets of the city (region None) or of a district: `values` is {domain: (creating
    units, named sites)}. A domain set to 0 and 0 has no target (its row goes); an unchanged value records
    nothing. Returns how many domains changed."""
    rows = Target.objects.select_for_update().filter(year=year)
    rows = rows.filter(region=region) if region is not None else rows.filter(region__isnull=True)
    existing = {target.domain: target for target in rows}
    changed = 0
    for domain, (creating, named) in values.items():
        target = existing.get(domain)
        old = (target.creating_units, target.named_sites) if target else (0, 0)
        if old == (creating, named):
            continue
        changes = {
            field: [before, after]
            for field, before, after in (("creating_units", old[0], creating), ("named_sites", old[1], named))
            if before != after
        }
        if target is None:
            target = Target(year=year, domain=domain, region=region)
        target.creating_units, target.named_sites = creating, named
        target.full_clean()
        if creating == 0 and named == 0:
            audit_record(actor=by, action="target_update", target=target, changes=changes)
            target.delete()
        else:
            target.save()
            audit_record(actor=by, action="target_update", target=target, changes=changes)
        changed += 1
    return changed
