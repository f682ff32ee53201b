"""Round pages per role: the list, the form with its policy, the round page and its next step, the round's sites."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import AuditEntry
from evaluations import services
from evaluations.choices import RoundStatus, SheetStatus
from evaluations.models import Round, RoundSite
from sites.choices import SiteState
from standards.choices import StandardStatus
from tests.evaluations.conftest import build_standard, fill
from tests.factories import PartyOrganizationFactory, RoundFactory, SiteFactory
from tests.utils import queries_for

VISIBLE = {"admin", "staff", "viewer", "teamlead", "scorer", "leader"}  # take part in the scoring round, or city-wide
STAFF = {"admin", "staff"}


def status_of(client, cast, role, url, method="get", data=None):
    client.force_login(getattr(cast, role))
    return getattr(client, method)(url, data or {}).status_code


@pytest.fixture
def draft(cast, city):
    """A round in draft with two candidate sites (district A and district B) and no team yet."""
    standard, _items = build_standard(year=2027)
    round_ = services.round_create(
        by=cast.staff,
        name="2027年度验收",
        year=2027,
        standard=standard,
        self_assessment_start=date(2027, 10, 1),
        self_assessment_end=date(2027, 10, 31),
    )
    site_a = SiteFactory(name="甲村示范点", organization=city.org_a, state=SiteState.CANDIDATE, nomination_year=2027)
    site_b = SiteFactory(
        name="乙村示范点",
        organization=PartyOrganizationFactory(name="乙村党支部", region=city.town_b),
        state=SiteState.NOMINATED,
    )
    return round_, site_a, site_b


# --- the list -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "staff", "district", "instructor", "leader", "scorer", "teamlead", "viewer"])
def test_round_list_shows_the_rounds_each_role_takes_part_in(client, cast, scoring, role):
    client.force_login(getattr(cast, role))
    response = client.get("/evaluations/")
    assert response.status_code == 200
    listed = {round_.pk for round_ in response.context["page_obj"].object_list}
    assert listed == ({scoring.round.pk} if role in VISIBLE else set())
    assert ("新建考评轮次" in response.content.decode()) == (role in STAFF)


def test_round_list_counts_sites_and_sheets(client, cast, scoring):
    fill(scoring.sheet, scoring.scorer)
    services.sheet_submit(sheet=scoring.sheet, by=scoring.scorer)
    client.force_login(cast.staff)
    row = client.get("/evaluations/").context["page_obj"].object_list[0]
    assert (row.site_count, row.sheets_total, row.sheets_done) == (2, 4, 1)
    assert "1 / 4" in client.get("/evaluations/").content.decode()


def test_round_list_empty_state_says_what_to_do(client, cast, db):
    client.force_login(cast.staff)
    page = client.get("/evaluations/").content.decode()
    assert "还没有考评轮次" in page and reverse("evaluations:round_create") in page
    client.force_login(cast.scorer)
    assert "您参加的考评轮次会显示在这里" in client.get("/evaluations/").content.decode()


def test_anonymous_goes_to_login(client, scoring):
    for url in ("/evaluations/", f"/evaluations/{scoring.round.pk}/", "/evaluations/new/"):
        assert client.get(url).status_code == 302


def test_round_list_queries_are_constant(client, cast, scoring):
    client.force_login(cast.staff)
    client.get("/evaluations/")
    one = queries_for(client, "/evaluations/")
    for year in range(2020, 2026):
        standard, _items = build_standard(year=year)
        RoundFactory(year=year, standard=standard)
    # the first view after a change counts the round's sheets again and keeps the counts (2 queries), then not
    assert queries_for(client, "/evaluations/") == one + 2
    assert queries_for(client, "/evaluations/") == one


# --- create and edit ----------------------------------------------------------------------------------


def round_post(std, **extra):
    data = {
        "name": "2026年度复评",
        "year": 2026,
        "standard": std.pk,
        "self_assessment_start": "2026-10-01",
        "self_assessment_end": "2026-10-20",
        "scoring_start": "",
        "scoring_end": "",
        "notes": "",
        "pass_threshold": "85",
        "grade_excellent": "90",
        "grade_pass": "85",
        "aggregation": "trimmed",
        "disagreement_threshold": "8",
        "deduction_criticism": "2",
        "deduction_late_answer": "0.5",
        "deduction_overdue_rectification": "1",
        "bonus_experience": "1",
        "bonus_cap": "5",
        "publication_days": "5",
        "inspection_interval": "1",
        "subsidy_amount": "10000",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize(
    ("role", "expected"),
    [("admin", 200), ("staff", 200), ("viewer", 403), ("teamlead", 403), ("scorer", 403), ("district", 403)],
)
def test_only_staff_create_rounds(client, cast, db, role, expected):
    assert status_of(client, cast, role, "/evaluations/new/") == expected


def test_the_form_offers_the_domain_defaults_and_the_years_standard(client, cast, db):
    standard, _items = build_standard(year=2026)
    draft_standard, _items = build_standard(year=2026)
    draft_standard.status = StandardStatus.DRAFT
    draft_standard.name = "草稿标准"
    draft_standard.save()
    client.force_login(cast.staff)
    form = client.get("/evaluations/new/").context["form"]
    assert form["pass_threshold"].value() == Decimal("85")
    assert form["grade_excellent"].value() == Decimal("90") and form["grade_pass"].value() == Decimal("85")
    assert form["aggregation"].value() == "trimmed" and form["publication_days"].value() == 5
    assert form["standard"].value() == standard.pk  # standard_for_year(this year)
    assert draft_standard not in form.fields["standard"].queryset  # drafts are not offered


def test_create_stores_the_policy_and_the_bands(client, cast, db):
    standard, _items = build_standard(year=2026)
    client.force_login(cast.staff)
    response = client.post("/evaluations/new/", round_post(standard, grade_excellent="92.5", bonus_cap="3"))
    round_ = Round.objects.get(name="2026年度复评")
    assert response.status_code == 302 and response.url == f"/evaluations/{round_.pk}/"
    assert round_.status == RoundStatus.DRAFT and round_.created_by == cast.staff
    assert round_.grade_bands == [{"label": "优秀", "min": "92.5"}, {"label": "合格", "min": "85"}]
    assert round_.bonus_cap == Decimal("3") and round_.deduction_late_answer == Decimal("0.5")
    assert AuditEntry.objects.filter(action="round_create", object_id=str(round_.pk)).exists()


def test_an_empty_standard_takes_the_years_published_one(client, cast, db):
    standard, _items = build_standard(year=2025)
    client.force_login(cast.staff)
    client.post("/evaluations/new/", round_post(standard, standard="", year=2026))
    assert Round.objects.get(name="2026年度复评").standard == standard  # the latest earlier year's
    response = client.post("/evaluations/new/", round_post(standard, standard="", year=2020, name="早年"))
    assert response.status_code == 200 and "2020 年没有已发布的评分标准" in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"grade_excellent": "80"}, "grade_pass"),  # bands must fall
        ({"self_assessment_end": "2026-09-01"}, "self_assessment_end"),  # the model's own check
        ({"pass_threshold": "120"}, None),  # the policy constraint
    ],
)
def test_create_refuses_a_bad_policy(client, cast, db, changes, field):
    standard, _items = build_standard(year=2026)
    client.force_login(cast.staff)
    response = client.post("/evaluations/new/", round_post(standard, **changes))
    assert response.status_code == 200 and not Round.objects.exists()
    form = response.context["form"]
    assert form.errors and (field is None or field in form.errors)


def test_a_policy_error_opens_the_folded_section(client, cast, db):
    standard, _items = build_standard(year=2026)
    client.force_login(cast.staff)
    closed = client.get("/evaluations/new/").content.decode()
    opened = client.post("/evaluations/new/", round_post(standard, grade_excellent="80")).content.decode()
    assert "评分规则" in closed and 'class="accordion-collapse collapse show"' not in closed
    assert 'class="accordion-collapse collapse show"' in opened


def test_edit_saves_through_the_service_and_an_unchanged_form_records_nothing(client, cast, draft):
    round_, _a, _b = draft
    client.force_login(cast.staff)
    form = client.get(f"/evaluations/{round_.pk}/edit/").context["form"]
    data = {name: ("" if form[name].value() is None else form[name].value()) for name in form.fields}
    data["standard"] = round_.standard_id
    before = AuditEntry.objects.filter(action="round_update").count()
    assert client.post(f"/evaluations/{round_.pk}/edit/", data).status_code == 302
    assert AuditEntry.objects.filter(action="round_update").count() == before
    data["publication_days"] = 7
    client.post(f"/evaluations/{round_.pk}/edit/", data)
    round_.refresh_from_db()
    assert round_.publication_days == 7
    assert AuditEntry.objects.filter(action="round_update").count() == before + 1


def test_standard_and_year_are_locked_once_the_round_opened(client, cast, scoring):
    other, _items = build_standard(year=2027)
    client.force_login(cast.staff)
    form = client.get(f"/evaluations/{scoring.round.pk}/edit/").context["form"]
    assert form.fields["standard"].disabled and form.fields["year"].disabled
    data = {name: ("" if form[name].value() is None else form[name].value()) for name in form.fields}
    data.update(standard=other.pk, year=2027, name="改名后的验收")
    assert client.post(f"/evaluations/{scoring.round.pk}/edit/", data).status_code == 302
    scoring.round.refresh_from_db()
    assert scoring.round.name == "改名后的验收"
    assert (scoring.round.standard, scoring.round.year) == (scoring.standard, 2026)


def test_a_scored_round_cannot_be_edited(client, cast, scoring):
    Round.objects.filter(pk=scoring.round.pk).update(status=RoundStatus.SCORED)
    client.force_login(cast.staff)
    response = client.get(f"/evaluations/{scoring.round.pk}/edit/")
    assert response.status_code == 302 and response.url == f"/evaluations/{scoring.round.pk}/"


# --- the round page and its next step ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "staff", "district", "instructor", "leader", "scorer", "teamlead", "viewer"])
def test_round_page_per_role(client, cast, scoring, role):
    client.force_login(getattr(cast, role))
    response = client.get(f"/evaluations/{scoring.round.pk}/")
    assert response.status_code == (200 if role in VISIBLE else 404)
    if response.status_code == 200:
        page = response.content.decode()
        assert ("下一步" in page) == (role in STAFF)
        assert ('id="audit"' in page) == (role in STAFF)
        assert (reverse("evaluations:progress", args=[scoring.round.pk]) in page) == (role in STAFF | {"teamlead"})


def test_round_page_points_each_participant_to_their_part(client, cast, scoring):
    client.force_login(cast.scorer)
    assert "打开我的评分" in client.get(f"/evaluations/{scoring.round.pk}/").content.decode()
    client.force_login(cast.leader)
    assert "打开示范点自评" in client.get(f"/evaluations/{scoring.round.pk}/").content.decode()


def test_round_page_shows_the_stepper_counts_and_the_standard(client, cast, scoring):
    client.force_login(cast.staff)
    response = client.get(f"/evaluations/{scoring.round.pk}/")
    steps = response.context["steps"]
    assert [step["label"] for step in steps] == ["筹备中", "自评中", "实地考评中", "评分完成", "结果公示中", "已定案"]
    assert [step["done"] for step in steps] == [True, True, False, False, False, False] and steps[2]["current"]
    counts = response.context["counts"]
    assert counts["sites"] == 2 and counts["teams"] == 1 and counts["unassigned"] == 0
    assert dict(counts["stages"]) == {"验收": 1, "复评": 1, "年检": 0}
    assert response.context["sheets"][SheetStatus.NOT_STARTED] == 4
    assert scoring.standard.get_absolute_url() in response.content.decode()


def test_next_step_lists_what_it_needs_and_disables_the_button(client, cast, draft):
    round_, _a, _b = draft
    client.force_login(cast.staff)
    response = client.get(f"/evaluations/{round_.pk}/")
    step = response.context["next_step"]
    assert step["to"] == RoundStatus.SELF_ASSESSMENT and "还没有参评示范点" in step["problems"]
    page = response.content.decode()
    assert "还没有参评示范点" in page and "disabled" in page.split('name="to"')[1].split("</form>")[0]


def test_refused_step_changes_nothing(client, cast, draft):
    round_, _a, _b = draft
    client.force_login(cast.staff)
    response = client.post(f"/evaluations/{round_.pk}/step/", {"to": "self_assessment"}, follow=True)
    round_.refresh_from_db()
    assert round_.status == RoundStatus.DRAFT
    assert "还没有参评示范点" in [str(m) for m in response.context["messages"]]


def test_opening_a_ready_round_freezes_its_standard(client, cast, draft):
    round_, site_a, site_b = draft
    services.round_add_sites(round=round_, sites=[site_a, site_b], by=cast.staff)
    client.force_login(cast.staff)
    assert client.get(f"/evaluations/{round_.pk}/").context["next_step"]["problems"] == []
    client.post(f"/evaluations/{round_.pk}/step/", {"to": "self_assessment"})
    round_.refresh_from_db()
    round_.standard.refresh_from_db()
    assert round_.status == RoundStatus.SELF_ASSESSMENT and round_.standard.status == StandardStatus.FROZEN
    site_b.refresh_from_db()
    assert site_b.state == SiteState.CANDIDATE  # nominated → candidate when the round opens
    # The page then asks what scoring needs: a team for every site and the on-site window.
    problems = client.get(f"/evaluations/{round_.pk}/").context["next_step"]["problems"]
    assert any("未分配验收组" in p for p in problems) and "请设置实地考评时间" in problems


def test_a_second_click_does_not_take_two_steps(client, cast, draft):
    round_, site_a, _b = draft
    services.round_add_sites(round=round_, sites=[site_a], by=cast.staff)
    client.force_login(cast.staff)
    client.post(f"/evaluations/{round_.pk}/step/", {"to": "self_assessment"})
    response = client.post(f"/evaluations/{round_.pk}/step/", {"to": "self_assessment"}, follow=True)
    round_.refresh_from_db()
    assert round_.status == RoundStatus.SELF_ASSESSMENT
    assert any("状态已经变化" in str(m) for m in response.context["messages"])


def test_scoring_completes_only_when_every_sheet_is_in(client, cast, scoring):
    client.force_login(cast.staff)
    url = f"/evaluations/{scoring.round.pk}/step/"
    problems = client.get(f"/evaluations/{scoring.round.pk}/").context["next_step"]["problems"]
    assert any("4 份评分表未提交" in p for p in problems)
    client.post(url, {"to": "scored"})
    scoring.round.refresh_from_db()
    assert scoring.round.status == RoundStatus.SCORING
    for sheet in scoring.round.entries.get(pk=scoring.entry_a.pk).sheets.all():
        fill(sheet, sheet.scorer)
        services.sheet_submit(sheet=sheet, by=sheet.scorer)
    fill(scoring.entry_b.sheets.get(scorer=scoring.scorer), scoring.scorer)
    services.sheet_submit(sheet=scoring.entry_b.sheets.get(scorer=scoring.scorer), by=scoring.scorer)
    services.sheet_excuse(sheet=scoring.entry_b.sheets.get(scorer=scoring.scorer2), by=cast.staff, reason="因病")
    assert client.get(f"/evaluations/{scoring.round.pk}/").context["next_step"]["problems"] == []
    client.post(url, {"to": "scored"})
    scoring.round.refresh_from_db()
    assert scoring.round.status == RoundStatus.SCORED and scoring.round.scored_at


@pytest.mark.parametrize(("role", "expected"), [("viewer", 403), ("teamlead", 403), ("district", 404)])
def test_only_staff_take_a_step(client, cast, scoring, role, expected):
    assert status_of(client, cast, role, f"/evaluations/{scoring.round.pk}/step/", "post", {"to": "scored"}) == (
        expected
    )


def test_step_is_post_only(client, cast, scoring):
    client.force_login(cast.staff)
    assert client.get(f"/evaluations/{scoring.round.pk}/step/").status_code == 405


def test_round_page_queries_are_constant(client, cast, scoring):
    client.force_login(cast.staff)
    url = f"/evaluations/{scoring.round.pk}/"
    client.get(url)
    one = queries_for(client, url)
    sites = [
        SiteFactory(organization=PartyOrganizationFactory(region=scoring.site_b.region), state="formal")
        for _ in range(8)
    ]
    services.round_add_sites(round=scoring.round, sites=sites, by=cast.staff)
    services.assign_sites(round=scoring.round, team=scoring.team, entries=scoring.round.entries.all(), by=cast.staff)
    # the first view after a change counts the round's sheets again and keeps the counts (2 queries), then not
    assert queries_for(client, url) == one + 2
    assert queries_for(client, url) == one


# --- the round's sites ----------------------------------------------------------------------------------


STAFF_PAGE_STATUS = {"admin": 200, "staff": 200, "viewer": 403, "teamlead": 403, "scorer": 403, "leader": 403}


@pytest.mark.parametrize("role", ["admin", "staff", "district", "instructor", "leader", "scorer", "teamlead", "viewer"])
@pytest.mark.parametrize("page", ["sites/", "sites/add/", "teams/", "teams/new/", "assign/", "edit/"])
def test_staff_pages_per_role(client, cast, scoring, role, page):
    expected = STAFF_PAGE_STATUS.get(role, 404)  # those who do not see the round: it does not exist
    assert status_of(client, cast, role, f"/evaluations/{scoring.round.pk}/{page}") == expected


def test_round_sites_lists_and_filters_the_entries(client, cast, scoring, city):
    client.force_login(cast.staff)
    url = f"/evaluations/{scoring.round.pk}/sites/"
    listed = client.get(url).context["page_obj"].object_list
    assert {entry.site.name for entry in listed} == {"甲村示范点", "甲镇示范点"}
    assert [e.site.name for e in client.get(url, {"region": city.village_a.pk}).context["page_obj"]] == ["甲村示范点"]
    assert [e.site.name for e in client.get(url, {"stage": "review"}).context["page_obj"]] == ["甲镇示范点"]
    assert [e.site.name for e in client.get(url, {"q": "甲镇"}).context["page_obj"]] == ["甲镇示范点"]
    assert list(client.get(url, {"team": "none"}).context["page_obj"]) == []
    page = client.get(url).content.decode()
    assert scoring.team.name in page and "移出勾选的示范点" not in page  # scoring: sites can no longer be removed


def test_round_sites_empty_state_offers_adding(client, cast, draft):
    round_, _a, _b = draft
    client.force_login(cast.staff)
    page = client.get(f"/evaluations/{round_.pk}/sites/").content.decode()
    assert "本轮还没有参评示范点" in page and reverse("evaluations:round_sites_add", args=[round_.pk]) in page


def test_add_previews_then_adds_every_matching_site_and_reports_the_skipped(client, cast, draft, city):
    round_, site_a, site_b = draft
    eliminated = SiteFactory(name="淘汰示范点", organization=city.org_a_town, state=SiteState.ELIMINATED)
    organ = SiteFactory(name="机关示范点", organization=city.org_city, state=SiteState.FORMAL)
    round_.standard.domains = ["rural"]
    round_.standard.save()
    services.round_add_sites(round=round_, sites=[site_a], by=cast.staff)
    client.force_login(cast.staff)
    url = f"/evaluations/{round_.pk}/sites/add/"
    assert client.get(url).context["preview"] is None  # no filter yet: nothing to add
    preview = client.get(url, {"q": "示范点"}).context["preview"]
    assert preview == {"total": 4, "addable": 1, "already": 1, "wrong_state": 1, "wrong_domain": 1}
    response = client.post(url, {"q": "示范点"}, follow=True)
    assert set(round_.entries.values_list("site__name", flat=True)) == {site_a.name, site_b.name}
    shown = " ".join(str(m) for m in response.context["messages"])
    assert "已添加 1 个示范点" in shown
    assert "已在本轮考评中" in shown and eliminated.name in shown and organ.name in shown
    entry = round_.entries.get(site=site_b)
    assert entry.stage == "acceptance"  # a nominated site is accepted in its creation year


def test_add_without_a_filter_adds_nothing(client, cast, draft):
    round_, _a, _b = draft
    client.force_login(cast.staff)
    client.post(f"/evaluations/{round_.pk}/sites/add/", {})
    assert not round_.entries.exists()


def test_remove_selected_entries_with_their_empty_sheets(client, cast, draft):
    round_, site_a, site_b = draft
    services.round_add_sites(round=round_, sites=[site_a, site_b], by=cast.staff)
    entry = round_.entries.get(site=site_a)
    client.force_login(cast.staff)
    page = client.get(f"/evaluations/{round_.pk}/sites/").content.decode()
    assert "移出勾选的示范点" in page and "data-confirm" in page
    response = client.post(
        f"/evaluations/{round_.pk}/sites/remove/", {"entries": [entry.pk], "back": "stage=acceptance"}
    )
    assert response.status_code == 302 and response.url.endswith("/sites/?stage=acceptance")
    assert list(round_.entries.values_list("site__name", flat=True)) == [site_b.name]


def test_remove_is_refused_once_scoring_started(client, cast, scoring):
    client.force_login(cast.staff)
    response = client.post(
        f"/evaluations/{scoring.round.pk}/sites/remove/", {"entries": [scoring.entry_a.pk]}, follow=True
    )
    assert RoundSite.objects.filter(pk=scoring.entry_a.pk).exists()
    assert any("实地考评已开始" in str(m) for m in response.context["messages"])


def test_round_sites_queries_are_constant(client, cast, scoring):
    client.force_login(cast.staff)
    url = f"/evaluations/{scoring.round.pk}/sites/"
    client.get(url)
    one = queries_for(client, url)
    sites = [SiteFactory(organization=PartyOrganizationFactory(), state="candidate") for _ in range(12)]
    services.round_add_sites(round=scoring.round, sites=sites, by=cast.staff)
    assert queries_for(client, url) == one
