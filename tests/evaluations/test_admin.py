"""Evaluations in the admin: staff may look at everything and change or delete nothing (scores change only in the
app, so every change stays in the record)."""

import pytest
from django.urls import reverse

from evaluations.models import ItemScore, Round, RoundSite, ScoreChange, ScoreSheet, SheetPhoto, Team
from tests.evaluations.conftest import fill

MODELS = [Round, Team, RoundSite, ScoreSheet, ItemScore, ScoreChange, SheetPhoto]


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS)
def test_staff_see_every_evaluation_model_in_the_admin(client, cast, scoring, model):
    fill(scoring.sheet, scoring.scorer)
    client.force_login(cast.staff)
    assert client.get(url(model, "changelist")).status_code == 200
    assert client.get(url(model, "add")).status_code == 403


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_sheets_and_scores_cannot_be_changed_or_deleted_in_the_admin(client, cast, scoring, role):
    fill(scoring.sheet, scoring.scorer)
    score = ItemScore.objects.filter(sheet=scoring.sheet).first()
    change = ScoreChange.objects.filter(sheet=scoring.sheet).first()
    client.force_login(getattr(cast, role))
    for model, obj in ((ScoreSheet, scoring.sheet), (ItemScore, score), (ScoreChange, change), (Round, scoring.round)):
        page = client.get(url(model, "change", obj.pk))
        assert page.status_code == 200  # viewable
        assert 'name="_save"' not in page.content.decode()  # but no save button
        assert client.post(url(model, "change", obj.pk), {"total": "100", "score": "5"}).status_code == 403
        assert client.get(url(model, "delete", obj.pk)).status_code == 403
        assert client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    scoring.sheet.refresh_from_db()
    score.refresh_from_db()
    assert scoring.sheet.total != 100 and score.score != 5
    assert ScoreSheet.objects.filter(pk=scoring.sheet.pk).exists() and ItemScore.objects.filter(pk=score.pk).exists()


def test_no_bulk_delete_action(client, cast, scoring):
    client.force_login(cast.staff)
    response = client.post(
        url(ScoreSheet, "changelist"),
        {"action": "delete_selected", "_selected_action": [scoring.sheet.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert ScoreSheet.objects.filter(pk=scoring.sheet.pk).exists()


@pytest.mark.parametrize("role", ["scorer", "teamlead", "viewer"])
def test_other_roles_do_not_enter_the_admin(client, cast, scoring, role):
    client.force_login(getattr(cast, role))
    response = client.get(url(ScoreSheet, "changelist"))
    assert response.status_code == 302 and "/login/" in response.url
