"""A site's sheets side by side: staff and the team leader always, a scorer only after submitting their own
(blindness), site leaders never; the item-by-item table, the links, and constant queries."""

import pytest

from evaluations import services
from evaluations.models import ScoreSheet
from standards.models import Item
from tests.evaluations.conftest import fill
from tests.factories import ItemFactory, UserFactory
from tests.utils import queries_for

ROLES = ["admin", "staff", "district", "instructor", "leader", "scorer", "teamlead", "viewer", "outsider", "nobody"]


def entry_url(entry):
    return f"/evaluations/entries/{entry.pk}/"


@pytest.mark.parametrize("role", ROLES)
def test_entry_page_per_role_before_any_submission(client, cast, scoring, role):
    client.force_login(getattr(cast, role))
    assert client.get(entry_url(scoring.entry_a)).status_code == (
        200 if role in {"admin", "staff", "teamlead"} else 404
    )


def test_anonymous_goes_to_login(client, scoring):
    assert client.get(entry_url(scoring.entry_a)).status_code == 302


def test_a_scorer_opens_it_only_after_submitting_their_own_sheet(client, cast, scoring):
    client.force_login(scoring.scorer)
    fill(scoring.sheet, scoring.scorer)
    assert client.get(entry_url(scoring.entry_a)).status_code == 404  # scored, not submitted
    services.sheet_submit(sheet=scoring.sheet, by=scoring.scorer)
    assert client.get(entry_url(scoring.entry_a)).status_code == 200
    assert client.get(entry_url(scoring.entry_b)).status_code == 404  # their sheet for the other site is open
    services.sheet_return(sheet=scoring.sheet, by=cast.teamlead, reason="复核")
    assert client.get(entry_url(scoring.entry_a)).status_code == 404  # returned: blind again


def test_a_site_leader_never_opens_it(client, cast, scoring):
    for sheet in scoring.entry_a.sheets.all():
        fill(sheet, sheet.scorer)
        services.sheet_submit(sheet=sheet, by=sheet.scorer)
    client.force_login(cast.leader)
    assert client.get(entry_url(scoring.entry_a)).status_code == 404


def test_unknown_entry_is_404(client, cast, scoring):
    client.force_login(cast.staff)
    assert client.get("/evaluations/entries/999999/").status_code == 404


def test_item_by_item_table_with_every_sheet_and_the_self_assessment(client, cast, scoring):
    fill(scoring.sheet, scoring.scorer)
    services.sheet_submit(sheet=scoring.sheet, by=scoring.scorer)
    fill(scoring.sheet2, scoring.scorer2, {"SY-01": {"score": "3.5"}, "LY-01": {"present": False}})
    own = ScoreSheet.objects.create(entry=scoring.entry_a, kind="self", scorer=cast.leader)
    fill(own, cast.leader, {"SY-01": {"score": "5"}})  # no edit check here: written through the service directly
    client.force_login(cast.teamlead)
    response = client.get(entry_url(scoring.entry_a))
    columns = response.context["columns"]
    assert [sheet.kind for sheet in columns] == ["onsite", "onsite", "self"]
    cells = {
        item.code: [None if cell is None or cell.score is None else cell.score for cell in row]
        for block in response.context["sections"]
        for item, row in block["rows"]
    }
    by_scorer = {sheet.scorer_id: index for index, sheet in enumerate(columns)}
    assert cells["SY-01"][by_scorer[scoring.scorer.pk]] == 4.5
    assert cells["SY-01"][by_scorer[scoring.scorer2.pk]] == 3.5
    assert cells["LY-01"][by_scorer[scoring.scorer2.pk]] == 0
    assert cells["SY-02"][by_scorer[scoring.scorer2.pk]] is None  # not scored yet
    page = response.content.decode()
    assert "自评" in page and "不计入得分" in page
    assert (
        f"/evaluations/sheets/{scoring.sheet.pk}/" in page and f"/evaluations/sheets/{scoring.sheet.pk}/print/" in page
    )
    assert "/key-in/" not in page  # keying in is for staff


def test_staff_get_the_key_in_link_for_open_sheets(client, cast, scoring):
    fill(scoring.sheet, scoring.scorer)
    services.sheet_submit(sheet=scoring.sheet, by=scoring.scorer)
    client.force_login(cast.staff)
    page = client.get(entry_url(scoring.entry_a)).content.decode()
    assert f"/evaluations/sheets/{scoring.sheet2.pk}/key-in/" in page
    assert f"/evaluations/sheets/{scoring.sheet.pk}/key-in/" not in page  # submitted


def test_entry_page_queries_are_constant_as_items_and_sheets_grow(client, cast, scoring):
    client.force_login(cast.staff)
    client.get(entry_url(scoring.entry_a))
    one = queries_for(client, entry_url(scoring.entry_a))
    section = scoring.items[0].section
    for number in range(6):
        ItemFactory(section=section, code=f"SY-9{number}", max_score=1)
    for _ in range(4):
        ScoreSheet.objects.create(entry=scoring.entry_a, scorer=UserFactory(roles=["scorer"]))
    fill(scoring.sheet, scoring.scorer)
    assert Item.objects.filter(standard=scoring.standard).count() == 10
    assert queries_for(client, entry_url(scoring.entry_a)) == one
