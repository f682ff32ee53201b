"""The site leader's self-assessment: who opens it, editing only during its window, materials limited to the
site's own evidence for the item, handing it in, and that it never counts."""

from datetime import date

import pytest
from django.template.loader import render_to_string

from archives.models import Material
from core.models import AuditEntry
from evaluations import selectors, services
from evaluations.choices import RoundStatus, SheetKind, SheetStatus
from evaluations.models import ItemScore, ScoreChange, ScoreSheet
from sites.models import CreationGroupMember
from tests.evaluations.conftest import build_standard, fill
from tests.factories import ItemFactory, SiteFactory
from tests.utils import queries_for

pytestmark = pytest.mark.django_db

ROLES = ["admin", "staff", "district", "instructor", "leader", "scorer", "teamlead", "viewer", "outsider", "nobody"]


class Window:
    """A round in its self-assessment window: site A (the cast's leader in its creation group) and site B, both
    sent to a team led by the cast's team leader with the cast's scorer."""

    def __init__(self, cast, city):
        self.standard, self.items = build_standard()
        self.site_a = SiteFactory(organization=city.org_a, name="甲村示范点", state="candidate")
        self.site_b = SiteFactory(organization=city.org_a_town, name="甲镇示范点", state="formal")
        CreationGroupMember.objects.create(site=self.site_a, name="负责人", user=cast.leader)
        self.round = services.round_create(
            by=cast.staff,
            name="2026年度验收",
            year=2026,
            standard=self.standard,
            self_assessment_start=date(2026, 10, 1),
            self_assessment_end=date(2026, 10, 31),
            scoring_start=date(2026, 11, 1),
            scoring_end=date(2026, 12, 15),
        )
        services.round_add_sites(round=self.round, sites=[self.site_a, self.site_b], by=cast.staff)
        team = services.team_save(
            round=self.round, by=cast.staff, name="第一验收组", leader=cast.teamlead, members=[cast.scorer]
        )
        services.assign_sites(round=self.round, team=team, entries=list(self.round.entries.all()), by=cast.staff)
        services.round_open(round=self.round, by=cast.staff)
        self.round.refresh_from_db()
        self.entry = self.round.entries.get(site=self.site_a)
        self.entry_b = self.round.entries.get(site=self.site_b)

    @property
    def url(self):
        return f"/evaluations/entries/{self.entry.pk}/self/"

    def item(self, code):
        return next(item for item in self.items if item.code == code)


@pytest.fixture
def window(cast, city) -> Window:
    return Window(cast, city)


def save(client, entry, item, value="", remark="", materials=(), base=0, **headers):
    data = {"item": item.pk, f"i{item.pk}-value": value, f"i{item.pk}-remark": remark, f"i{item.pk}-base": base}
    data[f"i{item.pk}-materials"] = [m.pk for m in materials]
    return client.post(f"/evaluations/entries/{entry.pk}/self/save/", data, **headers)


def material(site, *items, title="党员活动室照片", state="accepted"):
    made = Material.objects.create(site=site, category="photos", title=title, year=2026, state=state)
    made.items.set(items)
    return made


def self_sheet(entry):
    return ScoreSheet.objects.get(entry=entry, kind=SheetKind.SELF)


# --- who sees what ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_list_shows_a_leader_their_own_sites_only(client, cast, window, role):
    client.force_login(getattr(cast, role))
    response = client.get("/evaluations/self/")
    html = response.content.decode()
    assert response.status_code == 200
    if role == "leader":
        assert "甲村示范点" in html and "开始自评" in html and "2026-10-01" in html
        assert "甲镇示范点" not in html
    else:
        assert "甲村示范点" not in html and "还没有需要自评的考评轮次" in html


def test_the_list_needs_a_login(client, window):
    assert client.get("/evaluations/self/").status_code == 302


def test_the_list_is_offered_in_the_leaders_navigation(client, cast, window):
    client.force_login(cast.leader)
    assert 'href="/evaluations/self/"' in client.get("/").content.decode()
    client.force_login(cast.scorer)
    assert 'href="/evaluations/self/"' not in client.get("/").content.decode()


WINDOW_ACCESS = {
    "admin": 200,
    "staff": 200,
    "leader": 200,
    "teamlead": 200,
    "scorer": 404,  # scorers see their sites once on-site scoring starts
    "district": 404,
    "instructor": 404,
    "viewer": 404,
    "outsider": 404,
    "nobody": 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_who_opens_a_self_assessment_during_the_window(client, cast, window, role):
    client.force_login(getattr(cast, role))
    response = client.get(window.url)
    assert response.status_code == WINDOW_ACCESS[role]
    if response.status_code == 200:
        html = response.content.decode()
        assert "不计入考评成绩" in html
        assert ("保存本项" in html) == (role == "leader")  # only the site's leader edits


SCORING_ACCESS = {**WINDOW_ACCESS, "scorer": 200}


@pytest.mark.parametrize("role", ROLES)
def test_who_opens_a_self_assessment_while_scoring(client, cast, scoring, role):
    client.force_login(getattr(cast, role))
    response = client.get(f"/evaluations/entries/{scoring.entry_a.pk}/self/")
    assert response.status_code == SCORING_ACCESS[role]
    if response.status_code == 200:
        assert "保存本项" not in response.content.decode()  # the window is over: nobody edits


def test_a_scorer_of_another_team_or_an_excused_scorer_does_not_see_it(client, cast, scoring):
    services.sheet_excuse(sheet=scoring.sheet, by=cast.staff, reason="生病")
    client.force_login(cast.scorer)
    assert client.get(f"/evaluations/entries/{scoring.entry_a.pk}/self/").status_code == 404
    client.force_login(scoring.scorer2)
    assert client.get(f"/evaluations/entries/{scoring.entry_a.pk}/self/").status_code == 200


def test_a_leader_of_another_site_gets_404(client, cast, window):
    client.force_login(cast.leader)
    assert client.get(f"/evaluations/entries/{window.entry_b.pk}/self/").status_code == 404


def test_a_draft_round_has_no_self_assessment(client, cast, city):
    standard, _items = build_standard()
    site = SiteFactory(organization=city.org_a)
    CreationGroupMember.objects.create(site=site, name="负责人", user=cast.leader)
    round_ = services.round_create(by=cast.staff, name="筹备", year=2026, standard=standard)
    services.round_add_sites(round=round_, sites=[site], by=cast.staff)
    client.force_login(cast.leader)
    assert client.get(f"/evaluations/entries/{round_.entries.get().pk}/self/").status_code == 404


def test_the_sheet_is_created_when_the_leader_first_opens_it(client, cast, window):
    client.force_login(cast.staff)
    assert "示范点尚未自评" in client.get(window.url).content.decode()
    assert not ScoreSheet.objects.filter(kind=SheetKind.SELF).exists()  # staff reading creates nothing
    client.force_login(cast.leader)
    client.get(window.url)
    sheet = self_sheet(window.entry)
    assert sheet.scorer == cast.leader and sheet.status == SheetStatus.NOT_STARTED


# --- editing during the window ------------------------------------------------------------------------


def test_the_leader_saves_an_item_with_a_remark(client, cast, window):
    client.force_login(cast.leader)
    client.get(window.url)
    response = save(client, window.entry, window.item("SY-01"), value="4.50", remark="班子健全")
    assert response.status_code == 302 and response.url.endswith(f"#item-{window.item('SY-01').pk}")
    score = ItemScore.objects.get(sheet__entry=window.entry, item=window.item("SY-01"))
    assert score.score == 4.5 and score.remark == "班子健全" and score.version == 1
    change = ScoreChange.objects.get(sheet=score.sheet)
    assert change.by == cast.leader and change.new["score"] == "4.50"
    sheet = self_sheet(window.entry)
    assert sheet.total == 4.5 and sheet.status == SheetStatus.IN_PROGRESS


def test_each_kind_takes_its_own_input(client, cast, window):
    client.force_login(cast.leader)
    client.get(window.url)
    save(client, window.entry, window.item("SY-02"), value="较好")
    save(client, window.entry, window.item("LY-01"), value="0")
    save(client, window.entry, window.item("FJ-01"), value="1")
    scores = {s.item.code: s for s in ItemScore.objects.filter(sheet__entry=window.entry).select_related("item")}
    assert scores["SY-02"].level == "较好" and scores["SY-02"].score > 0
    assert scores["LY-01"].present is False and scores["LY-01"].score == 0
    assert scores["FJ-01"].present is True


def test_saving_with_htmx_swaps_the_row_and_updates_the_total(client, cast, window):
    client.force_login(cast.leader)
    client.get(window.url)
    item = window.item("SY-01")
    response = save(client, window.entry, item, value="3.00", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="item-{item.pk}"' in html and "已保存" in html
    assert 'id="self-total" class="fw-semibold" hx-swap-oob="true">3<' in html
    assert f'id="section-{item.section_id}-subtotal" hx-swap-oob="true">3<' in html
    assert "<html" not in html


def test_clearing_an_item_unscores_it(client, cast, window):
    client.force_login(cast.leader)
    client.get(window.url)
    item = window.item("SY-01")
    save(client, window.entry, item, value="3.00")
    save(client, window.entry, item, value="", base=1)
    assert ItemScore.objects.get(sheet__entry=window.entry, item=item).score is None
    assert self_sheet(window.entry).total == 0


def test_a_stale_save_is_refused_with_the_servers_value(client, cast, window):
    client.force_login(cast.leader)
    client.get(window.url)
    item = window.item("SY-01")
    save(client, window.entry, item, value="3.00")
    response = save(client, window.entry, item, value="5.00", base=0, HTTP_HX_REQUEST="true")
    assert "已在别处修改" in response.content.decode()
    assert ItemScore.objects.get(sheet__entry=window.entry, item=item).score == 3


def test_no_one_but_the_sites_leader_saves(client, cast, window):
    client.force_login(cast.leader)
    client.get(window.url)
    for role in ("staff", "teamlead"):
        client.force_login(getattr(cast, role))
        response = save(client, window.entry, window.item("SY-01"), value="5.00")
        assert response.status_code == 302
    client.force_login(cast.outsider)
    assert save(client, window.entry, window.item("SY-01"), value="5.00").status_code == 404
    assert not ItemScore.objects.filter(sheet__entry=window.entry).exists()


def test_after_the_window_the_leader_can_no_longer_edit(client, cast, scoring):
    sheet = services.self_assessment_for(scoring.entry_a, cast.leader)
    client.force_login(cast.leader)
    html = client.get(f"/evaluations/entries/{scoring.entry_a.pk}/self/").content.decode()
    assert "自评已截止" in html and "保存本项" not in html
    response = save(client, scoring.entry_a, scoring.items[0], value="4.00")
    assert response.status_code == 302
    assert not ItemScore.objects.filter(sheet=sheet).exists()
    assert client.post(f"/evaluations/entries/{scoring.entry_a.pk}/self/submit/").status_code == 302
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.NOT_STARTED


def test_saving_needs_a_post(client, cast, window):
    client.force_login(cast.leader)
    assert client.get(f"/evaluations/entries/{window.entry.pk}/self/save/").status_code == 405
    assert client.get(f"/evaluations/entries/{window.entry.pk}/self/submit/").status_code == 405


# --- materials ----------------------------------------------------------------------------------------


def test_materials_offered_are_the_sites_own_linked_to_the_item(client, cast, window):
    item, other_item = window.item("SY-01"), window.item("SY-02")
    own = material(window.site_a, item, title="班子分工文件")
    unlinked = material(window.site_a, other_item, title="活动室平面图")
    foreign = material(window.site_b, item, title="别的示范点的文件")
    client.force_login(cast.leader)
    html = client.get(window.url).content.decode()
    assert f'value="{own.pk}" id="m-{item.pk}-{own.pk}"' in html
    assert f'id="m-{item.pk}-{unlinked.pk}"' not in html and "别的示范点的文件" not in html
    response = save(client, window.entry, item, value="4.00", materials=[own, foreign], HTTP_HX_REQUEST="true")
    assert "有效" in response.content.decode()  # a material that is not offered is refused by the form…
    assert not ItemScore.objects.filter(sheet__entry=window.entry).exists()
    sheet = self_sheet(window.entry)
    sheet.entry = window.entry
    services.self_assessment_save(
        sheet=sheet, by=cast.leader, item=item, change=None, material_ids=[own.pk, unlinked.pk, foreign.pk]
    )  # …and by the service
    score = ItemScore.objects.get(sheet__entry=window.entry, item=item)
    assert list(score.materials.all()) == [own]


def test_materials_can_be_chosen_without_a_score_and_unchosen(client, cast, window):
    item = window.item("SY-01")
    own = material(window.site_a, item)
    client.force_login(cast.leader)
    client.get(window.url)
    save(client, window.entry, item, materials=[own])
    score = ItemScore.objects.get(sheet__entry=window.entry, item=item)
    assert score.score is None and list(score.materials.all()) == [own]
    save(client, window.entry, item, materials=[])
    assert not score.materials.exists()


def test_deleted_materials_are_not_offered(client, cast, window):
    from django.utils import timezone

    item = window.item("SY-01")
    gone = material(window.site_a, item, title="已删除的材料")
    gone.deleted_at = timezone.now()
    gone.save()
    client.force_login(cast.leader)
    assert "已删除的材料" not in client.get(window.url).content.decode()


# --- handing in --------------------------------------------------------------------------------------


def test_an_incomplete_self_assessment_is_not_handed_in(client, cast, window):
    client.force_login(cast.leader)
    client.get(window.url)
    save(client, window.entry, window.item("SY-01"), value="4.00")
    response = client.post(f"/evaluations/entries/{window.entry.pk}/self/submit/", follow=True)
    assert "项未评分" in response.content.decode()
    assert self_sheet(window.entry).status == SheetStatus.IN_PROGRESS


def test_a_complete_self_assessment_is_handed_in_and_may_still_change(client, cast, window):
    client.force_login(cast.leader)
    client.get(window.url)
    for code, value in (("SY-01", "4.00"), ("SY-02", "好"), ("LY-01", "1"), ("FJ-01", "1")):
        save(client, window.entry, window.item(code), value=value)
    response = client.post(f"/evaluations/entries/{window.entry.pk}/self/submit/", follow=True)
    assert "自评已提交" in response.content.decode()
    sheet = self_sheet(window.entry)
    assert sheet.status == SheetStatus.SUBMITTED and sheet.submitted_at
    assert AuditEntry.objects.filter(action="self_assessment_submit", object_id=str(sheet.pk)).exists()
    save(client, window.entry, window.item("SY-01"), value="5.00", base=1)
    assert self_sheet(window.entry).status == SheetStatus.SUBMITTED  # still complete
    save(client, window.entry, window.item("SY-01"), value="", base=2)
    assert self_sheet(window.entry).status == SheetStatus.IN_PROGRESS  # must be handed in again


def test_the_self_assessment_never_counts(cast, scoring):
    sheet = services.self_assessment_for(scoring.entry_a, cast.leader)
    ItemScore.objects.create(sheet=sheet, item=scoring.items[0], score=1)
    for each in ScoreSheet.objects.filter(entry__round=scoring.round, kind=SheetKind.ONSITE):
        fill(each, each.scorer)
        services.sheet_submit(sheet=each, by=each.scorer)
    assert sheet.kind == SheetKind.SELF
    assert services.close_problems(scoring.round) == []  # an unsubmitted self-assessment holds nothing up
    assert sheet not in selectors.progress_sheets(scoring.round, cast.staff)
    assert selectors.sheet_status_counts(scoring.round, cast.staff)[SheetStatus.IN_PROGRESS] == 0
    assert not selectors.scorer_sheets(cast.leader).exists()
    services.round_close_scoring(round=scoring.round, by=cast.staff)
    scoring.round.refresh_from_db()
    assert scoring.round.status == RoundStatus.SCORED


# --- the panel beside the on-site sheet ---------------------------------------------------------------


def test_the_panel_shows_the_self_assessment_read_only(cast, scoring, django_assert_max_num_queries):
    sheet = services.self_assessment_for(scoring.entry_a, cast.leader)
    score = ItemScore.objects.create(sheet=sheet, item=scoring.items[0], score=4, remark="自评说明文字")
    score.materials.set([material(scoring.site_a, scoring.items[0], title="佐证文件甲")])
    items = services.sheet_items(scoring.sheet)
    with django_assert_max_num_queries(3):
        panel = selectors.self_assessment_panel(scoring.entry_a, items)
        html = render_to_string("evaluations/_self_assessment_panel.html", panel)
    assert "示范点自评" in html and "自评说明文字" in html and "佐证文件甲" in html and "不计入考评成绩" in html
    empty = render_to_string(
        "evaluations/_self_assessment_panel.html", selectors.self_assessment_panel(scoring.entry_b, items)
    )
    assert "示范点尚未自评" in empty


# --- query counts ------------------------------------------------------------------------------------


def test_the_page_query_count_holds_as_items_grow(client, cast, window):
    client.force_login(cast.leader)
    client.get(window.url)
    item = window.item("SY-01")
    save(client, window.entry, item, value="4.00", materials=[material(window.site_a, item)])
    baseline = queries_for(client, window.url)
    section = item.section
    for n in range(30):
        extra = ItemFactory(section=section, code=f"SY-X{n:02d}", kind="points", max_score=2)
        material(window.site_a, extra, title=f"材料{n}")
    sheet = self_sheet(window.entry)
    for extra in section.items.exclude(pk=item.pk)[:20]:
        ItemScore.objects.create(sheet=sheet, item=extra, score=1, remark="说明").materials.set(
            Material.objects.filter(items=extra)
        )
    assert queries_for(client, window.url) == baseline
    client.force_login(cast.staff)
    staff_baseline = queries_for(client, window.url)
    ItemFactory(section=section, code="SY-Y01", kind="presence", max_score=1)
    assert queries_for(client, window.url) == staff_baseline


def test_the_list_query_count_holds_as_rounds_grow(client, cast, window, city):
    client.force_login(cast.leader)
    baseline = queries_for(client, "/evaluations/self/")
    for n in range(5):
        standard, _items = build_standard()
        round_ = services.round_create(
            by=cast.staff,
            name=f"第{n}轮",
            year=2026,
            standard=standard,
            self_assessment_start=date(2026, 10, 1),
            self_assessment_end=date(2026, 10, 31),
        )
        services.round_add_sites(round=round_, sites=[window.site_a], by=cast.staff)
        services.round_open(round=round_, by=cast.staff)
        services.self_assessment_for(round_.entries.get(), cast.leader)
    assert queries_for(client, "/evaluations/self/") == baseline
