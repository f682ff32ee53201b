"""Teams and bulk assignment: pickers, conflict-of-interest refusals surfaced with their reason, deletes, and
assignment by page or by every site matching the filter."""

from datetime import date

import pytest

from accounts.roles import Role
from core.models import AuditEntry
from evaluations import services
from evaluations.models import RoundSite, ScoreSheet, Team
from sites.choices import SiteState
from tests.evaluations.conftest import build_standard
from tests.factories import PartyOrganizationFactory, SiteFactory, UserFactory
from tests.utils import queries_for


@pytest.fixture
def draft(cast, city):
    """A draft round with a site in district A (city.org_a) and one in district B, and no team yet."""
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
        state=SiteState.CANDIDATE,
    )
    services.round_add_sites(round=round_, sites=[site_a, site_b], by=cast.staff)
    return round_


@pytest.fixture
def local_scorer(city):
    """A scorer from district A's town: may not score the village site under it."""
    return UserFactory(username="t-local", full_name="本地评分人", organization=city.org_a_town, roles=[Role.SCORER])


# --- teams ---------------------------------------------------------------------------------------------


def test_team_list_shows_leader_members_and_site_count(client, cast, scoring):
    client.force_login(cast.staff)
    response = client.get(f"/evaluations/{scoring.round.pk}/teams/")
    team = next(iter(response.context["teams"]))
    assert team.site_count == 2
    page = response.content.decode()
    assert cast.teamlead.get_full_name() in page and "第二评分人" in page
    assert "删除验收组“第一验收组”" in page  # the delete asks first


def test_team_list_empty_state(client, cast, draft):
    client.force_login(cast.staff)
    page = client.get(f"/evaluations/{draft.pk}/teams/").content.decode()
    assert "还没有验收组" in page and f"/evaluations/{draft.pk}/teams/new/" in page


def test_team_form_uses_server_searched_pickers_limited_to_the_roles(client, cast, draft):
    client.force_login(cast.staff)
    form = client.get(f"/evaluations/{draft.pk}/teams/new/").context["form"]
    assert form.fields["members"].widget.source == "accounts:pick_users"
    assert form.fields["members"].widget.source_query == "role=scorer"
    assert form.fields["leader"].widget.source_query == "role=teamlead&role=scorer"
    assert cast.scorer in form.fields["members"].queryset
    assert cast.viewer not in form.fields["members"].queryset
    assert cast.teamlead in form.fields["leader"].queryset and cast.teamlead not in form.fields["members"].queryset


def test_the_user_picker_offers_only_the_role_asked(client, cast, draft):
    client.force_login(cast.staff)
    names = {row["value"] for row in client.get("/accounts/pick/users/", {"role": "scorer"}).json()["results"]}
    assert str(cast.scorer.pk) in names and str(cast.teamlead.pk) not in names


def test_create_team_and_its_sheets(client, cast, draft):
    services.assign_sites(round=draft, team=None, entries=[], by=cast.staff)
    client.force_login(cast.staff)
    response = client.post(
        f"/evaluations/{draft.pk}/teams/new/",
        {"name": "第一验收组", "leader": cast.teamlead.pk, "members": [cast.scorer.pk]},
    )
    assert response.status_code == 302 and response.url == f"/evaluations/{draft.pk}/teams/"
    team = Team.objects.get(round=draft)
    assert team.leader == cast.teamlead and list(team.members.all()) == [cast.scorer]
    assert AuditEntry.objects.filter(action="team_create").exists()


def test_conflict_of_interest_is_refused_with_the_reason(client, cast, scoring, local_scorer):
    """The team already has site A (甲村, under 甲镇): a scorer of 甲镇党委 may not join it."""
    client.force_login(cast.staff)
    url = f"/evaluations/{scoring.round.pk}/teams/{scoring.team.pk}/edit/"
    response = client.post(
        url,
        {"name": "第一验收组", "leader": cast.teamlead.pk, "members": [cast.scorer.pk, local_scorer.pk]},
        follow=True,
    )
    assert response.status_code == 200 and response.context["form"]  # back on the form
    shown = [str(m) for m in response.context["messages"]]
    assert any("本地评分人" in m and "甲村示范点" in m and "须回避" in m for m in shown)
    assert local_scorer not in scoring.team.members.all()
    assert not ScoreSheet.objects.filter(scorer=local_scorer).exists()


def test_a_non_scorer_member_is_refused_on_the_field(client, cast, draft):
    client.force_login(cast.staff)
    response = client.post(f"/evaluations/{draft.pk}/teams/new/", {"name": "组", "members": [cast.viewer.pk]})
    assert response.status_code == 200 and "members" in response.context["form"].errors
    assert not Team.objects.exists()


def test_duplicate_name_is_refused(client, cast, scoring):
    client.force_login(cast.staff)
    response = client.post(f"/evaluations/{scoring.round.pk}/teams/new/", {"name": "第一验收组"})
    assert response.status_code == 200 and "本轮已有同名的验收组" in response.content.decode()


def test_edit_team_changes_members_and_their_sheets(client, cast, scoring):
    client.force_login(cast.staff)
    client.post(
        f"/evaluations/{scoring.round.pk}/teams/{scoring.team.pk}/edit/",
        {"name": "第一验收组", "leader": cast.teamlead.pk, "members": [cast.scorer.pk]},
    )
    assert list(scoring.team.members.all()) == [cast.scorer]
    assert not ScoreSheet.objects.filter(scorer=scoring.scorer2).exists()  # unscored sheets go with them


def test_delete_team_unassigns_its_sites(client, cast, scoring):
    client.force_login(cast.staff)
    url = f"/evaluations/{scoring.round.pk}/teams/{scoring.team.pk}/delete/"
    assert client.get(url).status_code == 405
    client.post(url)
    assert not Team.objects.filter(pk=scoring.team.pk).exists()
    assert not RoundSite.objects.filter(round=scoring.round, team__isnull=False).exists()


def test_delete_refused_once_a_sheet_holds_scores(client, cast, scoring):
    from tests.evaluations.conftest import fill

    fill(scoring.sheet, scoring.scorer)
    client.force_login(cast.staff)
    response = client.post(f"/evaluations/{scoring.round.pk}/teams/{scoring.team.pk}/delete/", follow=True)
    assert Team.objects.filter(pk=scoring.team.pk).exists()
    assert any("不能移出" in str(m) for m in response.context["messages"])


def test_team_of_another_round_is_404(client, cast, scoring, draft):
    other = services.team_save(round=draft, by=cast.staff, name="别的组")
    client.force_login(cast.staff)
    assert client.get(f"/evaluations/{scoring.round.pk}/teams/{other.pk}/edit/").status_code == 404
    assert client.post(f"/evaluations/{scoring.round.pk}/teams/{other.pk}/delete/").status_code == 404


@pytest.mark.parametrize(("role", "expected"), [("viewer", 403), ("teamlead", 403), ("outsider", 404)])
def test_only_staff_change_teams(client, cast, scoring, role, expected):
    client.force_login(getattr(cast, role))
    base = f"/evaluations/{scoring.round.pk}/teams/{scoring.team.pk}"
    assert client.get(f"{base}/edit/").status_code == expected
    assert client.post(f"{base}/delete/").status_code == expected
    assert Team.objects.filter(pk=scoring.team.pk).exists()


def test_team_list_queries_are_constant(client, cast, scoring):
    client.force_login(cast.staff)
    url = f"/evaluations/{scoring.round.pk}/teams/"
    client.get(url)
    one = queries_for(client, url)
    for number in range(5):
        members = [UserFactory(roles=[Role.SCORER]) for _ in range(3)]
        services.team_save(round=scoring.round, by=cast.staff, name=f"第{number}组", leader=members[0], members=members)
    assert queries_for(client, url) == one


# --- bulk assignment ------------------------------------------------------------------------------------


def test_assign_ticked_sites_reports_each_refusal_with_its_reason(client, cast, draft, local_scorer):
    team = services.team_save(round=draft, by=cast.staff, name="本地组", members=[local_scorer])
    entries = {entry.site.name: entry for entry in draft.entries.select_related("site")}
    client.force_login(cast.staff)
    response = client.post(
        f"/evaluations/{draft.pk}/assign/",
        {"team": team.pk, "entries": [entries["甲村示范点"].pk, entries["乙村示范点"].pk]},
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert "已将 1 个示范点分配给“本地组”。" in shown
    assert any(m.startswith("未分配：") and "甲村示范点" in m and "须回避" in m for m in shown)
    assert RoundSite.objects.get(pk=entries["乙村示范点"].pk).team == team
    assert RoundSite.objects.get(pk=entries["甲村示范点"].pk).team is None
    assert ScoreSheet.objects.filter(scorer=local_scorer).count() == 1


def test_assign_all_matching_the_filter_across_pages(client, cast, draft, city):
    team = services.team_save(round=draft, by=cast.staff, name="乙组", members=[cast.scorer])
    more = [
        SiteFactory(organization=PartyOrganizationFactory(region=city.town_a), state=SiteState.CANDIDATE)
        for _ in range(55)
    ]
    services.round_add_sites(round=draft, sites=more, by=cast.staff)
    client.force_login(cast.staff)
    url = f"/evaluations/{draft.pk}/assign/?region={city.district_a.pk}"
    page = client.get(url)
    assert page.context["page_obj"].paginator.count == 56 and len(page.context["page_obj"].object_list) == 50
    client.post(url, {"team": team.pk, "all_matching": "on"})
    assert draft.entries.filter(team=team).count() == 56
    assert draft.entries.get(site__name="乙村示范点").team is None  # outside the filter
    assert ScoreSheet.objects.filter(scorer=cast.scorer).count() == 56


def test_unassign(client, cast, scoring):
    fill_free = scoring.entry_b
    client.force_login(cast.staff)
    client.post(f"/evaluations/{scoring.round.pk}/assign/", {"team": "none", "entries": [fill_free.pk]})
    fill_free.refresh_from_db()
    assert fill_free.team is None and not fill_free.sheets.exists()


def test_assign_needs_a_choice(client, cast, draft):
    team = services.team_save(round=draft, by=cast.staff, name="组")
    client.force_login(cast.staff)
    response = client.post(f"/evaluations/{draft.pk}/assign/", {"team": team.pk}, follow=True)
    assert any("请勾选要分配的示范点" in str(m) for m in response.context["messages"])
    assert not draft.entries.filter(team=team).exists()


def test_assign_queries_are_constant(client, cast, scoring, city):
    client.force_login(cast.staff)
    url = f"/evaluations/{scoring.round.pk}/assign/"
    client.get(url)
    one = queries_for(client, url)
    sites = [SiteFactory(organization=PartyOrganizationFactory(region=city.town_a), state="formal") for _ in range(15)]
    services.round_add_sites(round=scoring.round, sites=sites, by=cast.staff)
    services.team_save(round=scoring.round, by=cast.staff, name="第二组")
    assert queries_for(client, url) == one
