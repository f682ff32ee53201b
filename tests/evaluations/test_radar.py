"""The section-score radar chart: its data for ECharts, its table fallback, and the vendored library (no database)."""

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string

from evaluations.radar import Radar

ROOT = Path(settings.BASE_DIR)
RADAR = Radar(
    indicators=[("组织建设", Decimal("30")), ("阵地建设", Decimal("20.5")), ("活动开展", Decimal("25"))],
    series=[
        ("本点得分", [Decimal("27.50"), Decimal("18"), None]),
        ("领域平均", [Decimal("24.25"), Decimal("16.33"), Decimal("20")]),
    ],
)


def render(radar, **context):
    return render_to_string("evaluations/_radar.html", {"radar": radar, "chart_id": "site-radar", **context})


def payload(html, element_id="site-radar-data"):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no json_script #{element_id}"
    return json.loads(match.group(1))


def test_the_echarts_data_has_floats_and_keeps_missing_scores_as_none():
    data = RADAR.as_echarts()
    assert data == {
        "indicators": [
            {"name": "组织建设", "max": 30.0},
            {"name": "阵地建设", "max": 20.5},
            {"name": "活动开展", "max": 25.0},
        ],
        "series": [
            {"name": "本点得分", "values": [27.5, 18.0, None]},
            {"name": "领域平均", "values": [24.25, 16.33, 20.0]},
        ],
    }
    assert all(isinstance(v, float) for s in data["series"] for v in s["values"] if v is not None)
    assert json.loads(json.dumps(data)) == data


def test_rows_give_each_section_its_maximum_and_one_value_per_series():
    assert RADAR.rows() == [
        ("组织建设", Decimal("30"), [Decimal("27.50"), Decimal("24.25")]),
        ("阵地建设", Decimal("20.5"), [Decimal("18"), Decimal("16.33")]),
        ("活动开展", Decimal("25"), [None, Decimal("20")]),
    ]
    assert RADAR.series_names == ["本点得分", "领域平均"]


def test_a_radar_with_a_missing_score_is_incomplete():
    assert RADAR.incomplete
    assert not Radar(indicators=[("组织建设", Decimal("30"))], series=[("本点得分", [Decimal("1")])]).incomplete


def test_a_series_must_have_one_value_per_section():
    with pytest.raises(ValueError, match="本点得分"):
        Radar(indicators=[("组织建设", Decimal("30"))], series=[("本点得分", [Decimal("1"), Decimal("2")])])


@pytest.mark.parametrize(
    "radar",
    [
        Radar(indicators=[], series=[]),
        Radar(indicators=[("组织建设", Decimal("30"))], series=[]),
        Radar(indicators=[("组织建设", Decimal("30"))], series=[("本点得分", [None])]),
    ],
)
def test_a_radar_with_no_score_has_nothing_to_draw(radar):
    assert not radar


def test_the_partial_renders_the_table_fallback_with_every_value():
    html = render(RADAR)
    table = html[html.index("<table") : html.index("</table>")]
    for text in ("部分", "满分", "本点得分", "领域平均", "组织建设", "阵地建设", "活动开展"):
        assert text in table
    # As the rest of the product writes scores (floatformat "-2"), a missing score as a dash.
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table)
    assert cells == ["30", "27.50", "24.25", "20.50", "18", "16.33", "25", "—", "20"]
    assert "各部分得分与本领域平均" in html and 'id="site-radar-table"' in html


def test_a_missing_score_gets_a_note_that_the_chart_reveals():
    assert re.search(r"<p [^>]*data-radar-note hidden>部分数据暂缺", render(RADAR))
    complete = Radar(indicators=[("组织建设", Decimal("30"))], series=[("本点得分", [Decimal("27")])])
    assert "data-radar-note" not in render(complete)


def test_the_partial_hands_the_chart_its_data_as_json_script():
    html = render(RADAR)
    assert '<div class="radar-chart" id="site-radar" data-radar="site-radar-data"' in html
    assert payload(html) == RADAR.as_echarts()


def test_the_partial_takes_a_title_and_keeps_ids_apart():
    html = render(RADAR, title="2026 年度各部分得分", chart_id="radar-2026")
    assert "2026 年度各部分得分" in html and "各部分得分与本领域平均" not in html
    assert payload(html, "radar-2026-data") == RADAR.as_echarts()


def test_the_partial_loads_echarts_and_the_chart_script_itself():
    html = render(RADAR)
    assert re.search(r'<script src="/static/vendor/echarts/echarts\.min\.js"[^>]* defer>', html)
    assert re.search(r'<script src="/static/js/radar\.js"[^>]* defer>', html)
    assert "<script>" not in html  # no inline script (CSP)


@pytest.mark.parametrize("radar", [None, Radar(indicators=[], series=[])])
def test_without_scores_the_partial_says_so_and_loads_no_chart(radar):
    html = render(radar)
    assert "暂无评分数据" in html and "各部分得分与本领域平均" in html
    assert "<table" not in html and "echarts" not in html and "data-radar=" not in html


def test_echarts_is_vendored_with_its_licence_and_listed():
    vendored = ROOT / "static/vendor/echarts"
    assert (vendored / "echarts.min.js").stat().st_size > 500_000
    assert "Apache License" in (vendored / "LICENSE").read_text()
    listed = (ROOT / "static/vendor/VERSIONS.txt").read_text()
    assert re.search(r"^echarts@\d+\.\d+\.\d+$", listed, re.M)
    assert re.search(r'^\s*"echarts@\d+\.\d+\.\d+"$', (ROOT / "scripts/vendor.sh").read_text(), re.M)


def test_the_chart_script_draws_with_the_vendored_echarts_in_party_colours():
    script = (ROOT / "static/js/radar.js").read_text()
    assert "window.echarts" in script and '"#C8161D", "#D4A017"' in script
    assert "appRadarLoaded" in script  # loaded once per partial: runs once
