"""A round being scored, built through the services: what most evaluations tests start from.

`scoring` holds: a published standard (a points item, a level item, a required 六个有-style presence item and a
0-point veto item, in two sections), a site in district A (the cast's leader is in its creation group), a
second site in district B, a team led by the cast's team leader with the cast's scorer and a second scorer, the
sites assigned to that team, and the round moved to `scoring`, so every scorer has a sheet per site.
"""

from dataclasses import dataclass
from datetime import date

import pytest

from accounts.roles import Role
from evaluations import services
from sites.models import CreationGroupMember
from tests.factories import (
    ItemFactory,
    PartyOrganizationFactory,
    SectionFactory,
    SiteFactory,
    StandardFactory,
    UserFactory,
)


@dataclass
class Scoring:
    round: object
    standard: object
    items: list  # points, levels, required, veto
    site_a: object
    site_b: object
    entry_a: object
    entry_b: object
    team: object
    scorer: object  # the cast's scorer (organization in district B's town)
    scorer2: object
    sheet: object  # the cast scorer's sheet for site A
    sheet2: object  # scorer2's sheet for site A


def build_standard(year=2026):
    standard = StandardFactory(year=year, total_score=10, status="published")
    general = SectionFactory(standard=standard, code="SY", title="十有", max_score=8, order=1, kind="ten_haves")
    venue = SectionFactory(standard=standard, code="LY", title="六个有", max_score=2, order=2, kind="six_haves")
    veto = SectionFactory(standard=standard, code="FJ", title="一票否决", max_score=0, order=3, kind="veto")
    items = [
        ItemFactory(section=general, code="SY-01", title="有过硬的领导班子", max_score=5, kind="points", order=1),
        ItemFactory(section=general, code="SY-02", title="有党员活动室", max_score=3, kind="levels", order=2),
        ItemFactory(
            section=venue, code="LY-01", title="有醒目的标识牌", max_score=2, kind="presence", is_required=True, order=1
        ),
        ItemFactory(section=veto, code="FJ-01", title="无严重违纪违法问题", max_score=0, kind="presence", is_veto=True),
    ]
    return standard, items


def fill(sheet, by, values=None):
    """Score every item of `sheet` (the default: a complete, passing sheet) through the sync service."""
    import uuid

    from evaluations.models import ItemScore

    values = values or {
        "SY-01": {"score": "4.5"},
        "SY-02": {"level": "较好"},
        "LY-01": {"present": True},
        "FJ-01": {"present": True},
    }
    items = {item.code: item for item in services.sheet_items(sheet)}
    changes = []
    for seq, (code, value) in enumerate(values.items(), start=1):
        current = ItemScore.objects.filter(sheet=sheet, item=items[code]).first()
        changes.append(
            {
                "client_id": str(uuid.uuid4()),
                "seq": seq,
                "item": items[code].pk,
                "base": current.version if current else 0,
                **value,
            }
        )
    return services.sheet_apply_changes(sheet=sheet, by=by, changes=changes)


@pytest.fixture
def scoring(cast, city) -> Scoring:
    return build_scoring(cast, city)


def build_scoring(cast, city, *, more_items=(), site_names=("甲村示范点", "甲镇示范点")) -> Scoring:
    """The `scoring` round (see the module's docstring); `more_items` are ItemFactory keywords of points items added
    to the first section. The browser journeys call it under `transactional_db`."""
    standard, items = build_standard()
    items += [ItemFactory(section=items[0].section, kind="points", **fields) for fields in more_items]
    site_a = SiteFactory(organization=city.org_a, name=site_names[0], state="candidate")
    site_b = SiteFactory(organization=city.org_a_town, name=site_names[1], state="formal")
    CreationGroupMember.objects.create(site=site_a, name=cast.leader.full_name or "负责人", user=cast.leader)
    scorer2 = UserFactory(
        username="t-scorer2",
        full_name="第二评分人",
        organization=PartyOrganizationFactory(region=city.district_b),
        roles=[Role.SCORER],
    )
    round_ = services.round_create(
        by=cast.staff,
        name="2026年度验收",
        year=2026,
        standard=standard,
        self_assessment_start=date(2026, 10, 1),
        self_assessment_end=date(2026, 10, 31),
        scoring_start=date(2026, 11, 1),
        scoring_end=date(2026, 12, 15),
    )
    services.round_add_sites(round=round_, sites=[site_a, site_b], by=cast.staff)
    team = services.team_save(
        round=round_, by=cast.staff, name="第一验收组", leader=cast.teamlead, members=[cast.scorer, scorer2]
    )
    entries = list(round_.entries.order_by("site__name"))
    services.assign_sites(round=round_, team=team, entries=entries, by=cast.staff)
    services.round_open(round=round_, by=cast.staff)
    services.round_start_scoring(round=round_, by=cast.staff)
    round_.refresh_from_db()
    entry_a = round_.entries.get(site=site_a)
    entry_b = round_.entries.get(site=site_b)
    return Scoring(
        round=round_,
        standard=standard,
        items=items,
        site_a=site_a,
        site_b=site_b,
        entry_a=entry_a,
        entry_b=entry_b,
        team=team,
        scorer=cast.scorer,
        scorer2=scorer2,
        sheet=entry_a.sheets.get(scorer=cast.scorer),
        sheet2=entry_a.sheets.get(scorer=scorer2),
    )


def build_scored(cast, city, values=None) -> Scoring:
    """The `scoring` round with every sheet filled (by `values`: {(site letter, scorer index): fill values}, the
    default a passing sheet), submitted, and scoring closed: results can be computed."""
    scoring = build_scoring(cast, city)
    values = values or {}
    for letter, entry in (("a", scoring.entry_a), ("b", scoring.entry_b)):
        for index, scorer in enumerate((scoring.scorer, scoring.scorer2)):
            sheet = entry.sheets.get(scorer=scorer, kind="onsite")
            fill(sheet, scorer, values.get((letter, index)))
            services.sheet_submit(sheet=sheet, by=scorer)
    services.round_close_scoring(round=scoring.round, by=cast.staff)
    scoring.round.refresh_from_db()
    return scoring


@pytest.fixture
def scored(cast, city) -> Scoring:
    return build_scored(cast, city)
