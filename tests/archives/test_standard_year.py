"""A standard belongs to a year: publishing next year's version early changes nothing for this year, and
evidence tied to an item's code counts for the same code in every later version."""

import pytest
from django.utils import timezone

from archives import services
from archives.selectors import completeness
from standards import defaults
from standards import services as standard_services
from standards.selectors import current_evaluation_standard, standard_for_year
from tests.archives import samples
from tests.archives.conftest import upload

THIS_YEAR = timezone.localdate().year


@pytest.fixture
def this_year(db):
    return defaults.build_evaluation_standard(THIS_YEAR)


@pytest.fixture
def evidenced(site, cast, this_year):
    items = {item.code: item for item in this_year.items.all()}
    material = services.material_upload(
        site=site,
        by=cast.leader,
        category="structure",
        year=THIS_YEAR,
        files=[upload("党建资料目录.pdf", samples.pdf_bytes())],
        items=[items["SY-03"]],
    ).materials[0]
    services.material_review(material=material, by=cast.staff, accept=True)
    return material


@pytest.fixture
def next_year(this_year, cast):
    copy = standard_services.standard_copy(standard=this_year, by=cast.staff, year=THIS_YEAR + 1)
    return standard_services.standard_publish(standard=copy, by=cast.staff)


def test_next_years_version_published_early_does_not_replace_this_years(this_year, next_year):
    assert standard_for_year(THIS_YEAR) == this_year
    assert current_evaluation_standard() == this_year
    assert standard_for_year(THIS_YEAR + 1) == next_year
    assert standard_for_year(THIS_YEAR + 5) == next_year  # a year without its own keeps the latest earlier one
    assert standard_for_year(THIS_YEAR - 1) is None  # never a later year's


def test_completeness_is_unchanged_by_next_years_version(site, evidenced, this_year, next_year, client, cast):
    before = completeness(site, this_year)
    assert before.accepted == 1
    client.force_login(cast.leader)
    page = client.get(f"/archives/sites/{site.pk}/")
    panel = page.context["completeness"]
    assert panel.standard == this_year and panel.accepted == 1
    assert str(this_year) in page.content.decode()  # the panel names the version it measures against
    item_ids = {int(pk) for pk, _label in page.context["upload_form"].fields["items"].choices}
    assert item_ids and item_ids <= set(this_year.items.values_list("pk", flat=True))
    assert not item_ids & set(next_year.items.values_list("pk", flat=True))  # leaders are offered this year's


def test_evidence_counts_for_the_same_code_in_a_later_version(site, evidenced, next_year, client, cast):
    later = completeness(site, next_year)
    covered = [row.item.code for row in later.rows if row.state == "accepted"]
    assert covered == ["SY-03"]
    assert later.rows[[row.item.code for row in later.rows].index("SY-03")].item.standard == next_year
    client.force_login(cast.leader)
    page = client.get(f"/archives/sites/{site.pk}/", {"against": THIS_YEAR + 1})
    assert page.context["completeness"].standard == next_year and page.context["completeness"].accepted == 1
