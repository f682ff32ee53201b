"""The materials panel of the site page (sites cannot import archives; templates may load its tags)."""

from django import template
from django.db.models import Count

from archives.models import Material

register = template.Library()


@register.inclusion_tag("archives/_site_panel.html")
def site_materials_panel(site):
    counts = dict(
        Material.objects.filter(site=site, deleted_at__isnull=True)
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return {"site": site, "counts": counts, "total": sum(counts.values())}
