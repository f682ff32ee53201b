"""Every model of ours is in the admin, with a list that searches and filters, for an administrator."""

import pytest
from django.contrib import admin
from django.urls import reverse

OUR_APPS = {"core", "accounts", "sites", "standards", "archives", "supervision", "evaluations"}
REGISTERED = [model for model in admin.site._registry if model._meta.app_label in OUR_APPS]


def test_every_model_of_our_apps_is_registered():
    from django.apps import apps

    ours = {model for model in apps.get_models() if model._meta.app_label in OUR_APPS}
    assert ours == set(REGISTERED)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_admin_list_searches_and_filters(client, cast, model):
    model_admin = admin.site._registry[model]
    assert model_admin.list_display != ("__str__",)
    assert model_admin.search_fields and model_admin.list_filter
    client.force_login(cast.admin)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert client.get(url, {"q": "甲"}).status_code == 200


@pytest.mark.parametrize("role", ["district", "leader", "scorer", "viewer"])
def test_admin_is_closed_to_other_roles(client, cast, role):
    client.force_login(getattr(cast, role))
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response.url


EVIDENCE = ["archives.Material", "archives.MaterialVersion", "archives.Ledger", "sites.StateChange", "core.AuditEntry"]


@pytest.mark.parametrize("label", EVIDENCE)
def test_what_the_product_only_soft_deletes_or_keeps_as_evidence_cannot_be_deleted_here(rf, cast, label):
    from django.apps import apps

    model_admin = admin.site._registry[apps.get_model(label)]
    request = rf.get("/admin/")
    request.user = cast.admin
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)
    for inline in model_admin.get_inline_instances(request):
        assert not inline.has_delete_permission(request)
