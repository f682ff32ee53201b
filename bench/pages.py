"""The pages `make bench` measures: one list, CASES, that later issues append their pages to.

A Case names a page by its URL name, the user it is requested as (a key of the build's handles: "staff",
"district", "instructor", "leader", "scorer", "teamlead", "viewer", "admin") and its arguments and query, whose
values may name a handle ("@site" is the id the build stored under "site"). `kind` says which target applies
(TARGETS); `baseline` names the Django admin changelist measured in alternate blocks with the page, so the
ratio to Django's own code on the same data and machine is printed next to it.

To add a page: append a Case (and, if the page needs data the build does not make yet, a handle in
bench/country.py). tests/bench checks that every case answers 200 on a tiny programme.
"""

import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

# kind -> (p95 limit in seconds, query limit): the targets of issue 12.
TARGETS = {
    "page": (0.150, 20),  # every list, detail and form page
    "json": (0.150, 20),  # the pickers' search endpoints
    "autosave": (0.050, 20),  # the score sheet's autosave round trip
    "baseline": (None, None),  # the admin changelists: no target, a yardstick
}

SITE_ADMIN = "admin:sites_site_changelist"
ORGANIZATION_ADMIN = "admin:accounts_partyorganization_changelist"
REGION_ADMIN = "admin:accounts_region_changelist"
MATERIAL_ADMIN = "admin:archives_material_changelist"
USER_ADMIN = "admin:accounts_user_changelist"
BASELINES = {
    SITE_ADMIN: "admin changelist: Site",
    ORGANIZATION_ADMIN: "admin changelist: PartyOrganization",
    REGION_ADMIN: "admin changelist: Region",
    MATERIAL_ADMIN: "admin changelist: Material",
}
LAST = 10**6  # a page number past the end: the paginator answers the last page


@dataclass(frozen=True)
class Case:
    label: str
    user: str
    url: str
    args: tuple = ()
    params: dict = field(default_factory=dict)
    kind: str = "page"
    baseline: str | None = None
    group: str = ""


CASES = [
    # The registry (issue 12's table).
    Case("/sites/ first page", "staff", "sites:list", baseline=SITE_ADMIN, group="registry"),
    Case("/sites/ last page", "staff", "sites:list", params={"page": LAST}, baseline=SITE_ADMIN, group="registry"),
    Case(
        "/sites/?q=杨柳 (2 characters)",
        "staff",
        "sites:list",
        params={"q": "杨柳"},
        baseline=SITE_ADMIN,
        group="registry",
    ),
    Case(
        "/sites/?q=杨柳村 (3 characters)",
        "staff",
        "sites:list",
        params={"q": "杨柳村"},
        baseline=SITE_ADMIN,
        group="registry",
    ),
    Case("/sites/?q=杨柳&page=last", "staff", "sites:list", params={"q": "杨柳", "page": LAST}, group="registry"),
    Case("/sites/ district user, first page", "district", "sites:list", baseline=SITE_ADMIN, group="registry"),
    Case("/sites/ district user, page 200 (or last)", "district", "sites:list", params={"page": 200}, group="registry"),
    Case("/sites/ district user, last page", "district", "sites:list", params={"page": LAST}, group="registry"),
    Case("/sites/?region=<district>", "staff", "sites:list", params={"region": "@district_region"}, group="registry"),
    Case("/sites/?region=<town>", "staff", "sites:list", params={"region": "@town_region"}, group="registry"),
    Case(
        "/sites/?region=<district>&page=last",
        "staff",
        "sites:list",
        params={"region": "@district_region", "page": LAST},
        group="registry",
    ),
    Case("/sites/ instructor (assigned sites)", "instructor", "sites:list", group="registry"),
    Case("targets & coverage, staff", "staff", "sites:targets", group="registry"),
    Case("targets & coverage, district user", "district", "sites:targets", group="registry"),
    Case("site detail, staff", "staff", "sites:detail", args=("@site",), group="registry"),
    Case("site detail, site leader", "leader", "sites:detail", args=("@leader_site",), group="registry"),
    Case("site edit form, staff", "staff", "sites:edit", args=("@site",), group="registry"),
    Case("home (dashboard), staff", "staff", "home", group="registry"),
    Case("home (dashboard), district user", "district", "home", group="registry"),
    # Organizations and users.
    Case(
        "organizations, first page",
        "staff",
        "accounts:organization_list",
        baseline=ORGANIZATION_ADMIN,
        group="accounts",
    ),
    Case(
        "organizations, last page",
        "staff",
        "accounts:organization_list",
        params={"page": LAST},
        baseline=ORGANIZATION_ADMIN,
        group="accounts",
    ),
    Case(
        "organizations ?q=杨柳",
        "staff",
        "accounts:organization_list",
        params={"q": "杨柳"},
        baseline=ORGANIZATION_ADMIN,
        group="accounts",
    ),
    Case("organizations, district user", "district", "accounts:organization_list", group="accounts"),
    Case("users, first page", "staff", "accounts:user_list", group="accounts"),
    Case("users, last page", "staff", "accounts:user_list", params={"page": LAST}, group="accounts"),
    Case("users ?q=王", "staff", "accounts:user_list", params={"q": "王"}, group="accounts"),
    Case("users ?role=leader", "staff", "accounts:user_list", params={"role": "leader"}, group="accounts"),
    # Pickers: searched as one types.
    Case(
        "picker: regions ?q=杨柳",
        "staff",
        "accounts:pick_regions",
        params={"q": "杨柳"},
        kind="json",
        baseline=REGION_ADMIN,
        group="pickers",
    ),
    Case("picker: regions, no term", "staff", "accounts:pick_regions", kind="json", group="pickers"),
    Case(
        "picker: regions ?q=杨柳, district user",
        "district",
        "accounts:pick_regions",
        params={"q": "杨柳"},
        kind="json",
        group="pickers",
    ),
    Case(
        "picker: organizations ?q=杨柳",
        "staff",
        "accounts:pick_organizations",
        params={"q": "杨柳"},
        kind="json",
        group="pickers",
    ),
    Case("picker: users ?q=王", "staff", "accounts:pick_users", params={"q": "王"}, kind="json", group="pickers"),
    Case("picker: sites ?q=杨柳", "staff", "sites:pick", params={"q": "杨柳"}, kind="json", group="pickers"),
    Case(
        "picker: sites ?q=杨柳, district user",
        "district",
        "sites:pick",
        params={"q": "杨柳"},
        kind="json",
        group="pickers",
    ),
    # Materials (a material has no page of its own: it is shown on its site's archive page).
    Case(
        "archive of a site (its materials), staff",
        "staff",
        "archives:site",
        args=("@site",),
        baseline=MATERIAL_ADMIN,
        group="archives",
    ),
    Case(
        "archive of a site, by item",
        "staff",
        "archives:site",
        args=("@site",),
        params={"group": "item"},
        group="archives",
    ),
    Case("archive, site leader's own", "leader", "archives:site", args=("@leader_site",), group="archives"),
    Case("photos of a site", "staff", "archives:gallery", args=("@site",), group="archives"),
    Case(
        "review inbox, staff, first page", "staff", "archives:review_inbox", baseline=MATERIAL_ADMIN, group="archives"
    ),
    Case(
        "review inbox, staff, last page",
        "staff",
        "archives:review_inbox",
        params={"page": LAST},
        baseline=MATERIAL_ADMIN,
        group="archives",
    ),
    Case("review inbox, district user", "district", "archives:review_inbox", group="archives"),
    Case("ledgers, staff", "staff", "archives:ledgers", group="archives"),
    # Scoring, results (issues 9 and 10).
    Case("score sheet, 60 items, scorer", "scorer", "evaluations:sheet", args=("@sheet",), group="evaluations"),
    Case(
        "score-sheet autosave, 1 change",
        "scorer",
        "evaluations:sheet_sync",
        args=("@sheet",),
        kind="autosave",
        group="evaluations",
    ),
    Case("my sheets, scorer", "scorer", "evaluations:my_sheets", group="evaluations"),
    Case("rounds, staff", "staff", "evaluations:rounds", group="evaluations"),
    Case("round page, staff", "staff", "evaluations:round", args=("@round_scored",), group="evaluations"),
    Case("round progress, staff", "staff", "evaluations:progress", args=("@round_scored",), group="evaluations"),
    Case(
        "round progress, last page",
        "staff",
        "evaluations:progress",
        args=("@round_scored",),
        params={"page": LAST},
        group="evaluations",
    ),
    Case(
        "round progress, team leader", "teamlead", "evaluations:progress", args=("@round_scoring",), group="evaluations"
    ),
    Case("round sites, staff", "staff", "evaluations:round_sites", args=("@round_scored",), group="evaluations"),
    Case("round results, staff", "staff", "evaluations:results", args=("@round_scored",), group="evaluations"),
    Case(
        "round results, last page",
        "staff",
        "evaluations:results",
        args=("@round_scored",),
        params={"page": LAST},
        group="evaluations",
    ),
    Case("explanation of a site's result", "staff", "evaluations:explain", args=("@entry",), group="evaluations"),
    Case("rankings page, staff", "staff", "evaluations:rankings", args=("@round_scored",), group="evaluations"),
    # Supervision (issue 11).
    Case("supervision board, staff", "staff", "supervision:board", group="supervision"),
    Case("supervision board, district user", "district", "supervision:board", group="supervision"),
    Case(
        "supervision board, sites behind, last page",
        "staff",
        "supervision:board",
        params={"tab": "sites", "page": LAST},
        group="supervision",
    ),
    Case(
        "supervision board, districts", "staff", "supervision:board", params={"tab": "districts"}, group="supervision"
    ),
    Case("supervision board, red only", "staff", "supervision:board", params={"light": "red"}, group="supervision"),
]


def _value(value, handles: dict):
    if isinstance(value, str) and value.startswith("@"):
        return handles[value[1:]]
    return value


def url_of(case: Case, handles: dict) -> tuple[str, dict]:
    from django.urls import reverse

    args = [_value(arg, handles) for arg in case.args]
    return reverse(case.url, args=args), {key: _value(value, handles) for key, value in case.params.items()}


class Get:
    """A GET of the page; `size` is the length of its last answer (HTML or JSON), in bytes."""

    def __init__(self, client, url: str, params: dict):
        self.client, self.url, self.params, self.size = client, url, params, None

    def __call__(self):
        response = self.client.get(self.url, self.params)
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
        if hasattr(response, "streaming_content"):
            self.size = sum(len(chunk) for chunk in response.streaming_content)
        else:
            self.size = len(response.content)
        return None


class Autosave:
    """The phone's autosave: one change to one item, each on the version the last answer gave, the score
    going back and forth between two allowed values (as bench/evaluations_bench.py sends them)."""

    def __init__(self, client, url: str, sheet: int, item: int):
        from evaluations.models import ItemScore

        self.client, self.url, self.item = client, url, item
        row = ItemScore.objects.filter(sheet_id=sheet, item_id=item).values_list("score", "version").first()
        self.score, self.version = (str(row[0]) if row[0] is not None else None, row[1]) if row else (None, 0)

    def __call__(self):
        value = "2.0" if self.score is not None and Decimal(self.score) == Decimal("1.5") else "1.5"
        change = {"client_id": str(uuid.uuid4()), "seq": 1, "item": self.item, "base": self.version, "score": value}
        response = self.client.post(self.url, json.dumps({"changes": [change]}), content_type="application/json")
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
        result = (response.json().get("results") or [{}])[0]
        if result.get("outcome") != "applied":
            return f"outcome {result.get('outcome')}: {result.get('message') or ''}".strip()
        state = result.get("state") or {}
        self.score, self.version = state.get("score"), state.get("version", self.version + 1)
        return None


def runner(case: Case, client, handles: dict):
    """A callable that requests the case's page once: None if it answered as it should, else what went wrong."""
    url, params = url_of(case, handles)
    if case.kind == "autosave":
        return Autosave(client, url, handles["sheet"], handles["sheet_items"][0])
    return Get(client, url, params)


def clients(handles: dict, users=None) -> dict:
    """A logged-in test Client per user the cases are requested as (and the admin, for the baselines)."""
    from django.test import Client

    from accounts.models import User

    names = set(users or {case.user for case in CASES}) | {"admin"}
    made = {}
    for name in sorted(names):
        client = Client()
        client.force_login(User.objects.get(pk=handles[name]))
        made[name] = client
    return made
