"""Site pages per role: scope, filters, sorting, export = list, import preview, edits, state changes."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from accounts.choices import Domain
from sites import exports
from sites.choices import GroupRole, SiteState
from sites.models import Batch, CreationGroupMember, Site, StateChange, Zone, ZoneSite
from tests.factories import PartyOrganizationFactory, SiteFactory
from tests.utils import queries_for


@pytest.fixture
def sites(city, cast):
    """A site in each district and one in the city's organs; the leader leads the one in district A."""
    a = SiteFactory(name="甲村示范点", organization=city.org_a, state=SiteState.FORMAL, brand_name="红色甲村")
    a_town = SiteFactory(name="甲镇示范点", organization=city.org_a_town, state=SiteState.CANDIDATE)
    b = SiteFactory(name="乙镇企业示范点", organization=city.org_b, state=SiteState.CANDIDATE, nomination_year=2025)
    organ = SiteFactory(name="财政局示范点", organization=city.org_city, state=SiteState.IMPROVING, level="district")
    CreationGroupMember.objects.create(site=a, role=GroupRole.LEADER, name="刘芳", user=cast.leader)
    a.instructors.add(cast.instructor)
    return {"a": a, "a_town": a_town, "b": b, "organ": organ}


def names(response):
    return {site.name for site in response.context["page_obj"].object_list}


ALL = {"甲村示范点", "甲镇示范点", "乙镇企业示范点", "财政局示范点"}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", ALL),
        ("staff", ALL),
        ("viewer", ALL),
        ("district", {"甲村示范点", "甲镇示范点"}),
        ("outsider", {"乙镇企业示范点"}),
        ("instructor", {"甲村示范点"}),
        ("scorer", set()),
        ("teamlead", set()),
    ],
)
def test_list_shows_exactly_the_scope(client, cast, sites, role, expected):
    client.force_login(getattr(cast, role))
    assert names(client.get("/sites/")) == expected


def test_leader_goes_straight_to_their_site_and_others_are_404(client, cast, sites):
    client.force_login(cast.leader)
    response = client.get("/sites/")
    assert response.status_code == 302 and response.url == f"/sites/{sites['a'].pk}/"
    assert client.get(f"/sites/{sites['a'].pk}/").status_code == 200
    for other in ("a_town", "b", "organ"):
        assert client.get(f"/sites/{sites[other].pk}/").status_code == 404
        assert client.get(f"/sites/{sites[other].pk}/edit/").status_code == 404


def test_outsider_cannot_open_a_site_of_another_district(client, cast, sites):
    client.force_login(cast.outsider)
    assert client.get(f"/sites/{sites['a'].pk}/").status_code == 404


def test_nobody_and_anonymous(client, cast, sites):
    client.force_login(cast.nobody)
    assert client.get("/sites/").status_code == 403
    client.logout()
    assert client.get("/sites/").status_code == 302


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"domain": Domain.TWO_NEW}, {"乙镇企业示范点"}),
        ({"state": SiteState.FORMAL}, {"甲村示范点"}),
        ({"level": "district"}, {"财政局示范点"}),
        ({"year": 2025}, {"乙镇企业示范点"}),
        ({"q": "红色"}, {"甲村示范点"}),  # brand
        ({"q": "财政局"}, {"财政局示范点"}),  # name and organization
        ({"state": "formal", "domain": "rural"}, {"甲村示范点"}),
    ],
)
def test_filters(client, cast, sites, params, expected):
    client.force_login(cast.staff)
    assert names(client.get("/sites/", params)) == expected


def test_region_filter_takes_any_level(client, cast, sites, city):
    client.force_login(cast.staff)
    assert names(client.get("/sites/", {"region": city.district_a.pk})) == {"甲村示范点", "甲镇示范点"}
    assert names(client.get("/sites/", {"region": city.village_a.pk})) == {"甲村示范点"}


def test_batch_zone_and_instructor_filters(client, cast, sites):
    batch = Batch.objects.create(name="2025年第一批", named_on="2025-12-20")
    Site.objects.filter(pk=sites["a"].pk).update(batch=batch)
    zone = Zone.objects.create(name="示范带")
    ZoneSite.objects.create(zone=zone, site=sites["organ"], order=1)
    client.force_login(cast.staff)
    assert names(client.get("/sites/", {"batch": batch.pk})) == {"甲村示范点"}
    assert names(client.get("/sites/", {"zone": zone.pk})) == {"财政局示范点"}
    assert names(client.get("/sites/", {"instructor": cast.instructor.pk})) == {"甲村示范点"}


def test_sorting(client, cast, sites):
    client.force_login(cast.staff)
    ordered = [s.name for s in client.get("/sites/", {"sort": "name"}).context["page_obj"].object_list]
    assert ordered == sorted(ordered)
    assert [s.name for s in client.get("/sites/", {"sort": "-name"}).context["page_obj"].object_list] == ordered[::-1]


def test_export_equals_the_filtered_list(client, cast, sites):
    client.force_login(cast.district)
    params = {"state": "formal"}
    listed = names(client.get("/sites/", params))
    response = client.get("/sites/export.xlsx", params)
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "名称"
    assert {row[0] for row in rows[1:]} == listed == {"甲村示范点"}
    assert "filename*=UTF-8''" in response["Content-Disposition"]


def test_export_tells_same_named_sites_apart(client, cast, sites):
    client.force_login(cast.staff)
    workbook = load_workbook(BytesIO(b"".join(client.get("/sites/export.xlsx").streaming_content)))
    rows = {row[0]: row for row in workbook.active.iter_rows(min_row=2, values_only=True)}
    assert rows["甲村示范点"][1] == sites["a"].code and rows["甲村示范点"][5] == "甲区 · 甲镇 · 甲村"


def test_export_respects_scope(client, cast, sites):
    client.force_login(cast.outsider)
    workbook = load_workbook(BytesIO(b"".join(client.get("/sites/export.xlsx").streaming_content)))
    assert [row[0] for row in workbook.active.iter_rows(min_row=2, values_only=True)] == ["乙镇企业示范点"]


@pytest.mark.parametrize("role", ["staff", "district"])
def test_list_query_count_is_constant_from_1_to_50_rows(client, cast, city, role):
    SiteFactory(organization=city.org_a)
    client.force_login(getattr(cast, role))
    baseline = queries_for(client, "/sites/")
    for _n in range(50):
        SiteFactory(organization=PartyOrganizationFactory(region=city.village_a))
    assert queries_for(client, "/sites/") == baseline


def test_detail_query_count_is_constant(client, cast, sites):
    client.force_login(cast.staff)
    url = f"/sites/{sites['a'].pk}/"
    baseline = queries_for(client, url)
    for n in range(50):
        CreationGroupMember.objects.create(site=sites["a"], name=f"成员{n}")
        StateChange.objects.create(site=sites["a"], from_state="candidate", to_state="formal", action="测试")
    assert queries_for(client, url) == baseline


def test_leader_edits_brand_but_not_state_level_or_people(client, cast, sites):
    client.force_login(cast.leader)
    site = sites["a"]
    page = client.get(f"/sites/{site.pk}/edit/").content.decode()
    assert 'name="brand_name"' in page and 'name="level"' not in page and 'name="batch"' not in page
    response = client.post(f"/sites/{site.pk}/edit/", {"brand_name": "甲村红", "level": "district", "name": "改名"})
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.brand_name == "甲村红" and site.level == "city" and site.name == "甲村示范点"
    assert client.get(f"/sites/{site.pk}/people/group/").status_code == 403
    assert client.get(f"/sites/{site.pk}/people/route/").status_code == 200
    assert client.post(f"/sites/{site.pk}/state/", {"to_state": "eliminated", "reason": "x"}).status_code == 403


def test_instructor_and_viewer_cannot_edit(client, cast, sites):
    for role in ("instructor", "viewer"):
        client.force_login(getattr(cast, role))
        assert client.get(f"/sites/{sites['a'].pk}/edit/").status_code == 403


def test_staff_edit_is_audited_and_shown(client, cast, sites):
    client.force_login(cast.staff)
    site = sites["a"]
    data = {
        "name": "甲村示范点",
        "organization": site.organization_id,
        "level": "district",
        "nomination_year": 2026,
        "brand_name": "新品牌",
        "instructors": [cast.instructor.pk],
    }
    assert client.post(f"/sites/{site.pk}/edit/", data).status_code == 302
    html = client.get(f"/sites/{site.pk}/").content.decode()
    assert "修改记录" in html and "党建品牌名称" in html and "新品牌" in html


def test_staff_changes_state_with_a_reason(client, cast, sites):
    client.force_login(cast.staff)
    site = sites["a"]
    response = client.post(f"/sites/{site.pk}/state/", {"to_state": "eliminated", "reason": "严重违纪"}, follow=True)
    assert "已办理“摘牌”" in response.content.decode()
    site.refresh_from_db()
    assert site.state == SiteState.ELIMINATED
    assert "严重违纪" in client.get(f"/sites/{site.pk}/").content.decode()


def test_forbidden_state_change_is_refused_with_a_message(client, cast, sites):
    client.force_login(cast.staff)
    site = sites["a_town"]  # a creating unit: passing it is a round's decision
    response = client.post(f"/sites/{site.pk}/state/", {"to_state": "formal", "reason": "直接授牌"}, follow=True)
    assert "选择一个有效的选项" in response.content.decode() or "只能由考评结果决定" in response.content.decode()
    site.refresh_from_db()
    assert site.state == SiteState.CANDIDATE


def test_missing_reason_is_refused(client, cast, sites):
    client.force_login(cast.staff)
    response = client.post(f"/sites/{sites['a'].pk}/state/", {"to_state": "eliminated", "reason": ""}, follow=True)
    assert "这个字段是必填项" in response.content.decode()
    assert Site.objects.get(pk=sites["a"].pk).state == SiteState.FORMAL


def test_staff_nominates(client, cast, city):
    client.force_login(cast.staff)
    response = client.post(
        "/sites/nominate/", {"organization": city.org_b.pk, "year": 2026, "level": "city", "reason": "区委推荐"}
    )
    site = Site.objects.get(organization=city.org_b)
    assert response.status_code == 302 and site.state == SiteState.NOMINATED


def _workbook(rows) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([label for label, _width in exports.IMPORT_COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("示范点.xlsx", buffer.getvalue())


def test_import_preview_reports_problems_and_imports_nothing(client, cast, city, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(cast.staff)
    upload = _workbook(
        [
            ["甲村示范点", "甲村党支部", "", "农村（村）", "市级", 2026, "", "", "", "", "", "", "", ""],
            ["无此组织示范点", "不存在的支部", "", "农村（村）", "市级", 2026, "", "", "", "", "", "", "", ""],
            ["领域不对", "乙镇企业党支部", "", "学校", "市级", 2026, "", "", "", "", "", "", "", ""],
            ["重复", "甲村党支部", "", "农村（村）", "市级", 2026, "", "", "", "", "", "", "", ""],
            ["坏领域", "甲镇党委", "", "火星", "市级", 2026, "", "", "", "", "", "", "", ""],
            ["坏电话", "乙镇企业党支部", "", "“两新”组织", "市级", 2024, "", "", "call me", "", "", "", "", ""],
        ]
    )
    html = client.post("/sites/import/", {"file": upload}).content.decode()
    assert "第 3 行：「党组织」系统中没有“不存在的支部”" in html
    assert "第 4 行：「领域」与党组织的领域（“两新”组织）不一致" in html
    assert "第 5 行：与第 2 行重复（同一党组织同一年度）" in html
    assert "第 6 行：「领域」“火星”不是有效的领域" in html
    assert "第 7 行：「书记电话」“call me”不是有效的电话号码" in html
    assert "确认导入" not in html
    assert not Site.objects.exists()


def test_import_confirm_imports_all_rows(client, cast, city, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(cast.staff)
    upload = _workbook(
        [
            ["甲村示范点", "甲村党支部", "甲村", "农村（村）", "市级", 2026, "创建单位", "张书记", *[""] * 4, "红", ""],
            ["乙镇示范点", "乙镇企业党支部", "", "“两新”组织", "区县级", 2025, "", "", "", "", "", "", "", ""],
        ]
    )
    response = client.post("/sites/import/", {"file": upload})
    token = response.context["preview"].token
    assert "确认导入" in response.content.decode()
    response = client.post("/sites/import/", {"token": token})
    assert response.status_code == 302
    assert set(Site.objects.values_list("name", "state")) == {("甲村示范点", "candidate"), ("乙镇示范点", "nominated")}
    assert StateChange.objects.filter(action="导入").count() == 2


def test_import_rejects_a_forged_token(client, cast):
    client.force_login(cast.staff)
    response = client.post("/sites/import/", {"token": "forged"}, follow=True)
    assert "导入已过期" in response.content.decode()


def test_import_template_downloads(client, cast):
    client.force_login(cast.staff)
    workbook = load_workbook(BytesIO(client.get("/sites/import/template.xlsx").content))
    assert [c.value for c in workbook.active[1]] == [label for label, _w in exports.IMPORT_COLUMNS]


def test_targets_page(client, cast, sites):
    from sites.models import Target

    Target.objects.create(year=2026, domain=Domain.RURAL, creating_units=20, named_sites=10)
    client.force_login(cast.staff)
    response = client.get("/sites/targets/", {"year": 2026})
    rural = next(row for row in response.context["summary"].rows if row.domain == Domain.RURAL)
    assert (rural.creating.actual, rural.creating.target, rural.named.actual, rural.named.target) == (2, 20, 1, 10)
    html = response.content.decode()
    assert "覆盖率" in html and "<progress" in html


def test_zones_page_lists_belts_in_order(client, cast, sites):
    belt = Zone.objects.create(name="红色观摩带", kind="belt")
    ZoneSite.objects.create(zone=belt, site=sites["organ"], order=2)
    ZoneSite.objects.create(zone=belt, site=sites["a"], order=1)
    client.force_login(cast.staff)
    html = client.get("/sites/zones/").content.decode()
    assert html.index("甲村示范点") < html.index("财政局示范点")


def test_emblem_is_served_only_to_those_who_see_the_site(client, cast, sites, settings, tmp_path):
    from django.core.files.base import ContentFile

    from tests.sites.images import png_bytes

    settings.MEDIA_ROOT = tmp_path
    site = sites["a"]
    site.brand_emblem.save("emblem.png", ContentFile(png_bytes()), save=True)
    client.force_login(cast.leader)
    assert client.get(f"/sites/{site.pk}/emblem/").status_code == 200
    client.force_login(cast.outsider)
    assert client.get(f"/sites/{site.pk}/emblem/").status_code == 404
    client.logout()
    assert client.get(f"/sites/{site.pk}/emblem/").status_code == 302


def test_emblem_upload_is_checked_by_content(client, cast, sites, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(cast.leader)
    fake = SimpleUploadedFile("logo.png", b"<html>not an image</html>", content_type="image/png")
    html = client.post(f"/sites/{sites['a'].pk}/edit/", {"brand_emblem": fake}).content.decode()
    assert "请上传一张有效的图片" in html


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("staff", 200),
        ("district", 200),
        ("viewer", 200),
        ("scorer", 403),
        ("teamlead", 403),
        ("leader", 403),
        ("instructor", 403),
    ],
)
def test_targets_are_for_those_who_steer_the_programme(client, cast, sites, role, status):
    client.force_login(getattr(cast, role))
    assert client.get("/sites/targets/").status_code == status
    pages = client.get("/sites/", follow=True).content.decode()  # the site pages' tabs (a leader: their site)
    assert ("/sites/targets/" in pages) == (status == 200)  # offered only to those it opens for


def test_an_empty_list_says_why_it_is_empty(client, cast, city):
    from tests.factories import UserFactory

    newcomer = UserFactory(username="new-leader", organization=city.org_a, roles=["leader"])
    client.force_login(newcomer)
    html = client.get("/sites/").content.decode()
    assert "还没有关联示范点" in html and "放宽筛选条件" not in html
    html = client.get("/sites/", {"state": "formal"}).content.decode()
    assert "没有符合条件的示范点" in html


def test_the_instructor_filter_names_only_instructors_of_sites_in_scope(client, cast, sites):
    from accounts.roles import Role
    from tests.factories import UserFactory

    other = UserFactory(username="instructor-b", full_name="乙县指导员", roles=[Role.INSTRUCTOR])
    sites["b"].instructors.add(other)
    client.force_login(cast.district)
    # The filter is searched on the server (the page holds only the chosen name), within the user's scope.
    names = [row["text"] for row in client.get("/sites/pick/instructors/").json()["results"]]
    assert any(cast.instructor.full_name in name for name in names) and not any("乙县指导员" in n for n in names)
    html = client.get("/sites/", {"instructor": cast.instructor.pk}).content.decode()
    assert cast.instructor.full_name in html and "乙县指导员" not in html
    html = client.get("/sites/", {"instructor": other.pk}).content.decode()
    assert "乙县指导员" not in html  # a name from outside the scope is refused, not shown


def _more_of_everything(site, n):
    """n more rows in every list the site page shows (its own and its panels')."""
    from decimal import Decimal

    from django.utils import timezone

    from supervision.choices import RectificationStatus
    from tests.factories import AssignmentSiteFactory, RectificationFactory, UserFactory

    for index in range(n):
        CreationGroupMember.objects.create(site=site, name=f"成员{index}")
        StateChange.objects.create(site=site, from_state="candidate", to_state="formal", action="测试")
        site.narrators.create(name=f"解说员{index}")
        site.tour_stops.create(title=f"站点{index}", order=index)
        site.subsidies.create(year=2025, amount=Decimal("1000.50"))
        ZoneSite.objects.create(zone=Zone.objects.create(name=f"示范区{Zone.objects.count()}"), site=site)
        site.instructors.add(UserFactory())
        site.liaisons.add(UserFactory())
        AssignmentSiteFactory(site=site, assignment__status="published")
        RectificationFactory(site=site)
        RectificationFactory(site=site, status=RectificationStatus.CLOSED, closed_at=timezone.now())


# The site page's queries, pinned per role (issue 12's target is at most 20): the site's lists are one query and
# the supervision panels' another (core.together). With no round here the evaluations results panel is one of
# them; tests/sites/test_detail_queries.py pins every role with a round's results too.
SITE_PAGE_QUERIES = {"staff": 9, "leader": 10}


@pytest.mark.parametrize("role", ["staff", "leader"])
def test_the_site_page_makes_a_pinned_number_of_queries_at_1_and_50_rows(client, cast, sites, role):
    site = sites["a"]
    _more_of_everything(site, 1)
    client.force_login(getattr(cast, role))
    url = f"/sites/{site.pk}/"
    few = queries_for(client, url)
    _more_of_everything(site, 50)
    assert (few, queries_for(client, url)) == (SITE_PAGE_QUERIES[role],) * 2
