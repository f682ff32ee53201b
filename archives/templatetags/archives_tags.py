"""The materials panel of the site page (sites cannot import archives; templates may load its tags)."""

from django import template
from django.db.models import Count

from archives.models import Material
from archives.permissions import may_upload
from archives.selectors import evidence_percents as _evidence_percents

register = template.Library()


@register.inclusion_tag("archives/_site_panel.html", takes_context=True)
def site_materials_panel(context, site):
    """Counts by review state, for those who may read the site's materials (not a viewer: §8)."""
    user = context["request"].user
    if not user.has_perm("archives.view_material"):
        return {"hidden": True}
    counts = dict(
        Material.objects.filter(site=site, deleted_at__isnull=True)
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return {"site": site, "counts": counts, "total": sum(counts.values()), "can_upload": may_upload(user, site)}


@register.simple_tag
def evidence_percents(sites) -> dict:
    """For the site list (sites cannot import archives): site id -> share (%) of this year's applicable items with
    an accepted material, for a whole page of sites in three queries. Use as
    {% evidence_percents page_obj.object_list as evidence %} and {{ evidence|percent_of:site }}."""
    return _evidence_percents(sites)


@register.filter
def percent_of(percents: dict | None, site):
    return (percents or {}).get(site.pk)
