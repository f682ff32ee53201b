from decimal import Decimal

from evaluations.results import inputs_fingerprint, round_results


def test_scored_round_computes_results(scored, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        results = round_results(scored.round)
    assert [r.site_name for r in results] == ["甲村示范点", "甲镇示范点"] or len(results) == 2
    first = results[0]
    # 4.5 + 3×0.8 + 2 + 0 = 8.9 on every sheet
    assert first.onsite == Decimal("8.90")
    assert first.ten_haves == Decimal("6.90")
    assert not first.passed and first.rank == 1
    assert len(inputs_fingerprint(scored.round)) == 64
