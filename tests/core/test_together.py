"""core.together.read_together: several small lists in one query give the very instances plain ORM loading gives
(every field's value and type, select_related objects, annotations, order and slices) — on SQLite and, with
DATABASE_URL, on PostgreSQL."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import AuditEntry
from core.together import attach, read_together
from sites.models import Site, StateChange, Subsidy, TourStop, Zone, ZoneSite
from supervision.models import GuidanceVisit, Rectification
from tests.factories import RectificationFactory, SiteFactory


def snapshot(instance, related=()):
    """Every concrete field's value and type, and those of the select_related objects named in `related`."""
    if instance is None:
        return None
    fields = {
        field.attname: (getattr(instance, field.attname), type(getattr(instance, field.attname)))
        for field in instance._meta.concrete_fields
        if field.attname in instance.__dict__
    }
    for name in related:
        fields[name] = snapshot(getattr(instance, name))
    return fields


@pytest.fixture
def world(city, cast):
    site = SiteFactory(organization=city.org_a, name="甲村示范点", brand_name="红色甲村")
    other = SiteFactory(organization=city.org_b, name="乙镇示范点")
    for year, amount in ((2024, Decimal("1000.5")), (2025, Decimal("0.10")), (2026, Decimal("123456.78"))):
        Subsidy.objects.create(site=site, year=year, amount=amount, note=f"备注{year}")
    Subsidy.objects.create(site=other, year=2026, amount=Decimal("7"))
    StateChange.objects.create(site=site, from_state="", to_state="candidate", action="推荐", by=cast.staff)
    StateChange.objects.create(site=site, from_state="candidate", to_state="formal", action="命名", by=None)
    TourStop.objects.create(site=site, title="第一站", order=2, photo="sites/1/a.jpg")
    TourStop.objects.create(site=site, title="第二站", order=1)
    ZoneSite.objects.create(zone=Zone.objects.create(name="红色示范带", region=city.district_a), site=site)
    ZoneSite.objects.create(zone=Zone.objects.create(name="甲区示范区"), site=site)
    AuditEntry.objects.create(
        actor=cast.staff,
        action="update",
        content_type=ContentType.objects.get_for_model(Site),
        object_id=str(site.pk),
        object_repr=site.name,
        changes={"name": ["旧", "新"], "score": [1.5, None], "nested": {"a": [1, "二"]}},
    )
    visit = GuidanceVisit.objects.create(
        site=site, visited_on=datetime.date(2026, 3, 1), participants="张", findings="x"
    )
    RectificationFactory(site=site, visit=visit)
    RectificationFactory(site=site, status="closed", closed_at=timezone.now(), due_on=None)
    return site


def lists(site):
    owing = Q(status__in=("open", "submitted"))
    return {
        "subsidies": Subsidy.objects.filter(site=site).order_by("-year", "-id"),
        "changes": StateChange.objects.filter(site=site).select_related("by").order_by("-at", "-id"),
        "stops": TourStop.objects.filter(site=site).order_by("order", "id"),
        "zones": ZoneSite.objects.filter(site=site).select_related("zone__region").order_by("zone__name", "id"),
        "audit": AuditEntry.objects.filter(object_id=str(site.pk))
        .select_related("actor", "content_type")
        .order_by("-at", "-id")[:50],
        "sites": Site.objects.select_related("organization", "region").order_by("name")[:1],
        "narrow": Site.objects.only("name", "region__name").select_related("region").order_by("-name"),
        "visits": GuidanceVisit.objects.filter(site=site)
        .annotate(
            open_count=Coalesce(
                Subquery(
                    Rectification.objects.filter(owing, visit=OuterRef("pk"))
                    .order_by()
                    .values("visit")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            )
        )
        .order_by("-visited_on", "-id"),
        "rectifications": Rectification.objects.filter(site=site)
        .select_related("visit")
        .annotate(owed=Case(When(owing, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("owed", "-id"),
        "empty": Subsidy.objects.filter(pk=-1).order_by("id"),
    }


RELATED = {
    "changes": ("by",),
    "zones": ("zone",),
    "audit": ("actor", "content_type"),
    "sites": ("organization", "region"),
    "narrow": ("region",),
    "rectifications": ("visit",),
}
ANNOTATIONS = {"visits": ("open_count",), "rectifications": ("owed",)}


def test_every_list_comes_back_as_the_orm_loads_it_in_one_query(world):
    with CaptureQueriesContext(connection) as queries:
        together = read_together(lists(world))
    assert len(queries) == 1
    for name, queryset in lists(world).items():
        expected = list(queryset)
        got = together[name]
        assert [snapshot(row, RELATED.get(name, ())) for row in got] == [
            snapshot(row, RELATED.get(name, ())) for row in expected
        ], name
        for alias in ANNOTATIONS.get(name, ()):
            assert [getattr(row, alias) for row in got] == [getattr(row, alias) for row in expected], name
        assert all(not row._state.adding and row._state.db == "default" for row in got)
    assert together["empty"] == []
    assert together["audit"][0].changes["score"] == [1.5, None] and isinstance(together["audit"][0].changes, dict)
    assert together["stops"][1].photo.name == "sites/1/a.jpg" and not together["stops"][0].photo
    assert [zone.zone.region for zone in together["zones"]].count(None) == 1
    assert {zone.zone.name: zone.zone.region and zone.zone.region.name for zone in together["zones"]} == {
        "红色示范带": "甲区",
        "甲区示范区": None,
    }
    assert together["subsidies"][0].amount == Decimal("123456.78")
    assert str(together["subsidies"][1].amount) == "0.10"


def test_a_slice_keeps_the_first_rows_in_order(world):
    for n in range(8):
        StateChange.objects.create(site=world, from_state="formal", to_state="formal", action=f"记{n}")
    queryset = StateChange.objects.filter(site=world).order_by("action", "id")[2:5]
    assert [row.pk for row in read_together({"x": queryset})["x"]] == [row.pk for row in queryset]


def test_attached_rows_answer_the_accessor_without_a_query(world):
    rows = read_together({"subsidies": world.subsidies.order_by("-year", "-id")})["subsidies"]
    attach(world, "subsidies", rows)
    with CaptureQueriesContext(connection) as queries:
        assert list(world.subsidies.all()) == rows
        assert rows[0].site is world
    assert len(queries) == 0


@pytest.mark.parametrize(
    "queryset",
    [
        lambda: Subsidy.objects.all(),  # no order
        lambda: Subsidy.objects.order_by("id").distinct(),
        lambda: Subsidy.objects.order_by("id").prefetch_related("site"),
        lambda: Site.objects.annotate(n=Count("subsidies")).order_by("id"),
    ],
)
def test_what_it_cannot_keep_is_refused(db, queryset):
    with pytest.raises(ValueError, match="read_together"):
        read_together({"x": queryset()})
