"""通报批评 (DOMAIN.md §7): staff record a notice of criticism against a Party organization (every site of it) or
one site; it carries the round policy's deduction in that year's evaluation. A notice recorded in error is revoked
with a reason, never deleted. The sites' people are told."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import DataScope
from accounts.selectors import organizations_visible_to
from core.services import audit_record, notify
from sites.models import Site
from sites.selectors import sites_visible_to

from .attachments import attach
from .models import Notice
from .permissions import may_manage_supervision
from .selectors import site_people

NOTIFY_KIND = "supervision_notice"


def notices_visible_to(user) -> QuerySet[Notice]:
    """Staff and city-wide users see every notice; others those against a site they see, or against the
    organization of a site they see, or an organization in their region."""
    if not getattr(user, "is_authenticated", False):
        return Notice.objects.none()
    if user.is_superuser or user.scope == DataScope.CITY:
        return Notice.objects.all()
    sites = sites_visible_to(user)
    condition = Q(site__in=sites) | Q(organization__in=sites.values("organization"))
    if user.scope == DataScope.REGION:
        condition |= Q(organization__in=organizations_visible_to(user))
    return Notice.objects.filter(condition)


def notice_list(user) -> QuerySet[Notice]:
    return notices_visible_to(user).select_related("site", "site__region", "organization", "created_by")


def notices_of_site(site) -> QuerySet[Notice]:
    """A site's notices: its own and its organization's (revoked ones too: the page strikes them through)."""
    return (
        Notice.objects.filter(Q(site=site) | Q(organization_id=site.organization_id))
        .select_related("organization", "site")
        .order_by("-issued_on", "-id")
    )


def _affected_site_ids(notice: Notice) -> list[int]:
    if notice.site_id:
        return [notice.site_id]
    return list(Site.objects.filter(organization_id=notice.organization_id).values_list("pk", flat=True))


def _tell(notice: Notice, *, by, title: str, body: str) -> None:
    people = site_people(_affected_site_ids(notice))
    told = set()
    for users in people.values():
        for person in users:
            if person.pk in told:
                continue
            told.add(person.pk)
            notify(recipient=person, actor=by, title=title, body=body, url=notice.get_absolute_url(), kind=NOTIFY_KIND)


@transaction.atomic
def notice_record(
    *, by, issued_on, reason: str, number: str = "", organization=None, site=None, checked_files=()
) -> Notice:
    """Staff record a notice against exactly one of an organization or a site, both within their scope; the date
    may not lie in the future."""
    if not may_manage_supervision(by):
        raise PermissionDenied
    if (organization is None) == (site is None):
        raise ValidationError(_("请选择被通报的单位或示范点（二者选一）"))
    if organization is not None and not organizations_visible_to(by).filter(pk=organization.pk).exists():
        raise ValidationError({"organization": _("只能选择您管辖范围内的单位")})
    if site is not None and not sites_visible_to(by).filter(pk=site.pk).exists():
        raise ValidationError({"site": _("只能选择您管辖范围内的示范点")})
    if issued_on and issued_on > timezone.localdate():
        raise ValidationError({"issued_on": _("通报日期不能晚于今天")})
    notice = Notice(
        issued_on=issued_on,
        number=(number or "").strip(),
        reason=(reason or "").strip(),
        organization=organization,
        site=site,
        created_by=by,
    )
    notice.full_clean()
    notice.save()
    attach(owner=notice, checked=list(checked_files), by=by)
    target = str(site or organization)
    target_field = "site" if site is not None else "organization"
    audit_record(
        actor=by,
        action="notice_record",
        target=notice,
        changes={
            target_field: [None, target],
            "issued_on": [None, str(issued_on)],
            "number": [None, notice.number],
        },
        reason=notice.reason,
    )
    _tell(
        notice,
        by=by,
        title=_("通报批评：%(target)s") % {"target": target},
        body=notice.reason,
    )
    return notice


@transaction.atomic
def notice_revoke(*, notice: Notice, by, reason: str) -> Notice:
    """Revoke a notice recorded in error (it stays on record, struck through, and carries no deduction)."""
    if not may_manage_supervision(by):
        raise PermissionDenied
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写撤销原因")})
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.revoked_at is not None:
        raise ValidationError(_("该通报已撤销"))
    notice.revoked_at = timezone.now()
    notice.revoked_by = by
    notice.revoke_reason = reason.strip()
    notice.full_clean()
    notice.save()
    audit_record(
        actor=by,
        action="notice_revoke",
        target=notice,
        changes={"revoked_at": [None, f"{notice.revoked_at:%Y-%m-%d %H:%M}"]},
        reason=reason,
    )
    _tell(
        notice,
        by=by,
        title=_("通报批评已撤销：%(target)s") % {"target": notice.site or notice.organization},
        body=notice.revoke_reason,
    )
    return notice
