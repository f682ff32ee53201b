"""The district (区县, the depth-1 region above a site's region) that each standing on a task and each
rectification item is counted under on the board's districts tab.

It is copied onto the rows (AssignmentSite.district, Rectification.district) so that the tab groups a country's
hundreds of thousands of standings by a column of their own, off an index, instead of joining every one to its
site and region and cutting the region's path. It is a copy of what the site's region path says, so every change
that can alter it refills it here: a row created (the services that create them), a site moved to another region
(sites.site_update, accounts.sites_follow and the site admin send accounts.signals.sites_moved), a region moved
in the tree (accounts.Region.save sends the same signal for the sites under it). tests/supervision/
test_board_districts.py checks the copy against the path after each of them."""

from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import StrIndex, Substr

from accounts.models import Region
from sites.models import Site


def district_path(path):
    """The path of the district-level node above a region, from the region's path (an expression) in SQL: its
    first two ids ("/1/4/" of "/1/4/17/"; the city's own "/1/" stays as it is and is no district's path)."""
    second = StrIndex(Substr(path, 2), Value("/")) + 1  # the position of the path's second "/"
    third = second + StrIndex(Substr(path, second + 1), Value("/"))
    return Substr(path, 1, third)


def district_of_site(site_ref: str = "site_id"):
    """The district's id of the site the outer row points at (`site_ref`), as a subquery: NULL for a site at the
    city level. Two index lookups per row (the site by id, the district by path)."""
    # Used inside the district's subquery: the site is the outer row's, two levels up.
    region_path = Subquery(Site.objects.filter(pk=OuterRef(OuterRef(site_ref))).values("region__path")[:1])
    return Subquery(Region.objects.filter(depth=1, path=district_path(region_path)).values("pk")[:1])


def district_id_of(region) -> int | None:
    """The same in Python, for a region at hand (None: the city itself)."""
    if region is None or region.depth < 1:
        return None
    return int(region.path.strip("/").split("/")[1])


def fill_district(row) -> None:
    """A standing or item created on its own without its district (a direct create) takes its site's, so that no
    row is left out of its district's pages and tab. The services that create rows in bulk fill theirs in one UPDATE
    (or set it), and districts_refill follows every later move."""
    if row._state.adding and row.district_id is None and row.site_id is not None:
        row.district_id = district_id_of(row.site.region)


def districts_refill(**site_lookups) -> None:
    """Refill the district of every standing and rectification item of the sites matching `site_lookups`
    (Site field lookups, e.g. pk__in=…, organization=…, region__path__startswith=…): one UPDATE per table."""
    from .models import AssignmentSite, Rectification

    sites = Site.objects.filter(**site_lookups).values("pk")
    for model in (AssignmentSite, Rectification):
        model.objects.filter(site__in=sites).update(district_id=district_of_site())
