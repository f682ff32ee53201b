"""The round's team and scorer filters at a country's scale (issue 12): a round of 100,000 sites has thousands of
teams and ten thousand scorers, so the filters put only the chosen one in the page and search the rest on the
server, within what the user may follow; a team or scorer outside it is still refused."""

import sys
from pathlib import Path

import pytest
from django.urls import reverse

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import evaluations_data  # bench/ holds scripts, not a package: importable through the path above

from evaluations.models import Team
from tests.utils import queries_for


@pytest.fixture
def bench(db):
    return evaluations_data.build(sites=12, scorers=2, filled=0.5)


def _options(html: str) -> int:
    return html.count("<option")


PAGES = [
    ("evaluations:progress", ""),
    ("evaluations:progress", "?view=sheets"),
    ("evaluations:round_sites", ""),
    ("evaluations:assign", ""),
]


def test_team_and_scorer_filters_do_not_grow_with_the_round(client, bench):
    client.force_login(bench.staff)
    urls = [reverse(name, args=[bench.round.pk]) + query for name, query in PAGES]
    before = {url: (_options(client.get(url).content.decode()), queries_for(client, url)) for url in urls}
    Team.objects.bulk_create([Team(round=bench.round, name=f"补充验收组{n:03d}") for n in range(200)])
    for url in urls:
        html = client.get(url).content.decode()
        assert _options(html) <= before[url][0], url
        assert queries_for(client, url) == before[url][1], url
        assert "补充验收组199" not in html, url


def test_a_team_found_by_search_filters_the_list(client, bench):
    client.force_login(bench.staff)
    extra = Team.objects.bulk_create([Team(round=bench.round, name=f"补充验收组{n:03d}") for n in range(200)])
    found = client.get(reverse("evaluations:pick_teams", args=[bench.round.pk]), {"q": "补充验收组150"}).json()
    assert [row["value"] for row in found["results"]] == [str(extra[150].pk)]
    response = client.get(reverse("evaluations:progress", args=[bench.round.pk]), {"team": extra[150].pk})
    html = response.content.decode()
    assert response.status_code == 200 and f'value="{extra[150].pk}" selected' in html
    assert list(response.context["rows"]) == []  # a team with no sites
    unassigned = client.get(reverse("evaluations:round_sites", args=[bench.round.pk]), {"team": "none"})
    assert 'value="none" selected' in unassigned.content.decode()


def test_the_searches_keep_to_what_the_user_may_follow(client, bench):
    client.force_login(bench.teamlead)
    own = Team.objects.get(round=bench.round, leader=bench.teamlead)
    other = Team.objects.create(round=bench.round, name="另一验收组")
    teams = client.get(reverse("evaluations:pick_teams", args=[bench.round.pk])).json()["results"]
    assert [row["value"] for row in teams] == [str(own.pk)]
    scorers = client.get(reverse("evaluations:pick_scorers", args=[bench.round.pk])).json()["results"]
    own_scorers = {str(pk) for pk in own.members.values_list("pk", flat=True)}
    assert scorers and {row["value"] for row in scorers} <= own_scorers
    # Another team's id is refused by the filter, so the list is not narrowed to it.
    response = client.get(reverse("evaluations:progress", args=[bench.round.pk]), {"team": other.pk})
    assert f'value="{other.pk}" selected' not in response.content.decode()
    client.force_login(bench.scorer)
    assert client.get(reverse("evaluations:pick_teams", args=[bench.round.pk])).status_code == 404
    assert client.get(reverse("evaluations:pick_scorers", args=[bench.round.pk])).status_code == 404


def test_a_scorer_found_by_search_filters_the_sheets(client, bench):
    client.force_login(bench.staff)
    url = reverse("evaluations:pick_scorers", args=[bench.round.pk])
    found = client.get(url, {"q": bench.scorer.username}).json()["results"]
    assert [row["value"] for row in found] == [str(bench.scorer.pk)]
    response = client.get(
        reverse("evaluations:progress", args=[bench.round.pk]), {"view": "sheets", "scorer": bench.scorer.pk}
    )
    sheets = list(response.context["page_obj"].object_list)
    assert sheets and all(sheet.scorer_id == bench.scorer.pk for sheet in sheets)
