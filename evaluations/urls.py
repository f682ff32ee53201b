"""URLs of evaluations. Each part of the views lives in its own module (views/…)."""

from django.urls import path

from .views import (
    adjustments,
    entries,
    paper,
    policy,
    progress,
    publication,
    rankings,
    results,
    rounds,
    selfassess,
    sheets,
)

app_name = "evaluations"

urlpatterns = [
    # Rounds, sites, teams, assignment (views/rounds.py)
    path("", rounds.round_list, name="rounds"),
    path("new/", rounds.round_create, name="round_create"),
    path("<int:pk>/", rounds.round_detail, name="round"),
    path("<int:pk>/edit/", rounds.round_edit, name="round_edit"),
    path("<int:pk>/step/", rounds.round_step, name="round_step"),
    path("<int:pk>/sites/", rounds.round_sites, name="round_sites"),
    path("<int:pk>/sites/add/", rounds.round_sites_add, name="round_sites_add"),
    path("<int:pk>/sites/remove/", rounds.round_sites_remove, name="round_sites_remove"),
    path("<int:pk>/teams/", rounds.team_list, name="teams"),
    path("<int:pk>/teams/new/", rounds.team_create, name="team_create"),
    path("<int:pk>/teams/<int:team_pk>/edit/", rounds.team_edit, name="team_edit"),
    path("<int:pk>/teams/<int:team_pk>/delete/", rounds.team_delete, name="team_delete"),
    path("<int:pk>/assign/", rounds.assign, name="assign"),
    # Progress, reminders, export, excusals, a site's sheets side by side (views/progress.py, views/entries.py)
    path("<int:pk>/progress/", progress.progress, name="progress"),
    path("<int:pk>/progress.xlsx", progress.progress_export, name="progress_export"),
    path("<int:pk>/pick/teams/", progress.pick_teams, name="pick_teams"),
    path("<int:pk>/pick/scorers/", progress.pick_scorers, name="pick_scorers"),
    path("<int:pk>/remind/", progress.remind, name="remind"),
    path("sheets/<int:pk>/excuse/", progress.sheet_excuse, name="sheet_excuse"),
    path("sheets/<int:pk>/reinstate/", progress.sheet_reinstate, name="sheet_reinstate"),
    path("entries/<int:pk>/", entries.entry_detail, name="entry"),
    # The scorer's phone pages (views/sheets.py)
    path("mine/", sheets.my_sheets, name="my_sheets"),
    path("sheets/sw.js", sheets.service_worker, name="service_worker"),
    path("sheets/<int:pk>/", sheets.sheet_detail, name="sheet"),
    path("sheets/<int:pk>/sync/", sheets.sheet_sync, name="sheet_sync"),
    path("sheets/<int:pk>/photos/", sheets.sheet_photo_upload, name="sheet_photo_upload"),
    path("sheets/<int:pk>/submit/", sheets.sheet_submit, name="sheet_submit"),
    path("sheets/<int:pk>/conflict/", sheets.sheet_conflict, name="sheet_conflict"),
    path("sheets/<int:pk>/return/", sheets.sheet_return, name="sheet_return"),
    path("sheets/<int:pk>/evidence/<int:version_pk>/", sheets.evidence_file, name="evidence_file"),
    path("photos/<int:pk>/", sheets.photo_file, name="photo"),
    path("photos/<int:pk>/thumbnail/", sheets.photo_file, {"thumbnail": True}, name="photo_thumbnail"),
    # Self-assessment by the site leader (views/selfassess.py)
    path("self/", selfassess.self_assessment_list, name="self_assessments"),
    path("entries/<int:pk>/self/", selfassess.self_assessment, name="self_assessment"),
    path("entries/<int:pk>/self/save/", selfassess.self_assessment_save, name="self_assessment_save"),
    path("entries/<int:pk>/self/submit/", selfassess.self_assessment_submit, name="self_assessment_submit"),
    # Paper fallback (views/paper.py)
    path("sheets/<int:pk>/print/", paper.sheet_print, name="sheet_print"),
    path("sheets/<int:pk>/key-in/", paper.sheet_key_in, name="sheet_key_in"),
    path("<int:pk>/import/", paper.paper_import, name="paper_import"),
    path("<int:pk>/import/template.xlsx", paper.paper_import_template, name="paper_import_template"),
    path("<int:pk>/import/confirm/", paper.paper_import_confirm, name="paper_import_confirm"),
    # Policy with its what-if preview, deduction and bonus lines (views/policy.py, views/adjustments.py)
    path("<int:pk>/policy/", policy.policy_edit, name="policy"),
    path("<int:pk>/adjustments/", adjustments.adjustment_list, name="adjustments"),
    path("adjustments/<int:pk>/withdraw/", adjustments.adjustment_withdraw, name="adjustment_withdraw"),
    path("adjustments/entries/", adjustments.adjustment_entries, name="adjustment_entries"),
    # Publication, objections, reopening a sheet, finalization (views/publication.py)
    path("<int:pk>/published/", publication.published, name="published"),
    path("<int:pk>/publish/", publication.publish, name="publish"),
    path("<int:pk>/objections/", publication.objection_list, name="objections"),
    path("entries/<int:pk>/objection/", publication.objection_create, name="objection_create"),
    path("objections/<int:pk>/", publication.objection_detail, name="objection"),
    path("objection-files/<int:pk>/", publication.objection_file, name="objection_file"),
    path("sheets/<int:pk>/reopen/", publication.sheet_reopen, name="sheet_reopen"),
    path("<int:pk>/finalize/", publication.finalize, name="finalize"),
    path("<int:pk>/finalize/undo/", publication.finalize_undo, name="finalize_undo"),
    # Results, explanation, scorer calibration (views/results.py — helper "pages")
    path("<int:pk>/results/", results.results, name="results"),
    path("entries/<int:pk>/explain/", results.explain, name="explain"),
    path("<int:pk>/calibration/", results.scorer_calibration, name="calibration"),
    # Ranking workbook and certificates of a closed round (views/rankings.py)
    path("<int:pk>/rankings/", rankings.rankings_page, name="rankings"),
    path("<int:pk>/rankings.xlsx", rankings.rankings_download, name="rankings_download"),
    path("<int:pk>/rankings/build/", rankings.rankings_build, name="rankings_build"),
    path("rankings/<int:export_pk>/", rankings.rankings_status, name="rankings_status"),
    path("rankings/<int:export_pk>/download/", rankings.rankings_file, name="rankings_file"),
    path("<int:pk>/certificates.pdf", rankings.round_certificates, name="round_certificates"),
    path("entries/<int:pk>/certificate.pdf", rankings.entry_certificate, name="entry_certificate"),
]
