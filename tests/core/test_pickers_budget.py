"""TreePicker's budget (issue 12): the levels that fit whole in the page, never more than the budget, plus the chosen
value; one query (two when the chosen value lies deeper)."""

from django import forms

from accounts.models import Region
from core.widgets import TreePicker, bounded_options


def _options(queryset, value=None, budget=5, max_depth=2):
    field = forms.ModelChoiceField(
        queryset=queryset, widget=TreePicker(source="accounts:pick_regions", budget=budget, max_depth=max_depth)
    )
    html = field.widget.render("region", value)
    return html.split("<option")[1:]


def test_the_levels_that_fit_whole(city, django_assert_num_queries):
    regions = Region.objects.all()  # 测试市; 市直, 甲区, 乙县; 甲镇, 乙镇; 甲村
    with django_assert_num_queries(1):
        assert len(_options(regions, budget=7)) == 1 + 6  # blank + every node down to the towns
    with django_assert_num_queries(1):
        assert len(_options(regions, budget=5)) == 1 + 4  # the towns do not fit whole: the city and its districts
    with django_assert_num_queries(1):
        assert len(_options(regions, budget=0)) == 1  # nothing fits: search only


def test_the_chosen_value_is_always_there(city, django_assert_num_queries):
    with django_assert_num_queries(2):
        options = _options(Region.objects.all(), value=city.village_a.pk, budget=5)
    chosen = [option for option in options if "selected" in option]
    assert len(chosen) == 1 and str(city.village_a) in chosen[0] and len(options) == 1 + 5


def test_bounded_options_lists_all_or_only_the_chosen(city):
    districts = Region.objects.filter(depth=1).order_by("path")
    assert len(bounded_options(districts, budget=3)) == 3
    assert bounded_options(districts, budget=2) == []
    assert bounded_options(districts, city.district_b, budget=2) == [city.district_b]
