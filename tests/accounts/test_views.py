"""The Party-organization list: permissions per role, scope, filters, and constant queries."""

import pytest

from accounts.choices import Domain
from tests.factories import PartyOrganizationFactory
from tests.utils import queries_for

URL = "/accounts/organizations/"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("staff", 200),
        ("district", 200),
        ("instructor", 200),
        ("leader", 200),
        ("scorer", 200),
        ("teamlead", 200),
        ("viewer", 200),
        ("outsider", 200),
        ("nobody", 403),
    ],
)
def test_who_may_open_the_organization_list(client, cast, role, status):
    client.force_login(getattr(cast, role))
    assert client.get(URL).status_code == status


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_district_user_lists_only_their_subtree(client, cast):
    client.force_login(cast.district)
    html = client.get(URL).content.decode()
    assert "甲村党支部" in html and "甲镇党委" in html
    assert "乙镇企业党支部" not in html and "市财政局机关党委" not in html


def test_region_filter_includes_everything_below_the_region(client, cast, city):
    client.force_login(cast.staff)
    html = client.get(URL, {"region": city.district_a.pk}).content.decode()
    assert "甲村党支部" in html and "甲镇党委" in html and "乙镇企业党支部" not in html


def test_region_outside_the_scope_cannot_be_chosen(client, cast, city):
    client.force_login(cast.district)
    response = client.get(URL, {"region": city.district_b.pk})
    html = response.content.decode()
    assert "乙镇企业党支部" not in html
    assert "选择一个有效的选项" in html or "有效" in html


def test_keyword_and_domain_filters(client, cast):
    client.force_login(cast.staff)
    html = client.get(URL, {"q": "财政", "domain": Domain.ORGAN}).content.decode()
    assert "市财政局机关党委" in html and "甲村党支部" not in html


def test_empty_result_says_what_to_do(client, cast):
    client.force_login(cast.staff)
    html = client.get(URL, {"q": "不存在的组织"}).content.decode()
    assert "没有符合条件的党组织" in html and "重置" in html


def test_list_paginates(client, cast, city):
    PartyOrganizationFactory.create_batch(40, region=city.village_a)
    client.force_login(cast.staff)
    response = client.get(URL, {"page": 2})
    assert response.context["page_obj"].number == 2
    assert "第 2 / 2 页" in response.content.decode()


@pytest.mark.parametrize("role", ["staff", "district"])
def test_query_count_is_constant_as_rows_grow(client, cast, city, role):
    client.force_login(getattr(cast, role))
    baseline = queries_for(client, URL)
    PartyOrganizationFactory.create_batch(50, region=city.village_a)
    assert queries_for(client, URL) == baseline
