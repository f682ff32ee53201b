"""Helpers shared by tests."""

from django.db import connection
from django.db.models.fields.files import FieldFile
from django.test.utils import CaptureQueriesContext


def queries_for(client, url, **params) -> int:
    """How many SQL queries one GET of `url` makes (house style rule 4: constant as rows grow)."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return len(context.captured_queries)


def unchanged_post_data(form_or_formset) -> dict:
    """What a browser posts when the user presses save without changing anything on a rendered form."""
    forms = getattr(form_or_formset, "forms", None)
    data = {}
    if forms is not None:  # a formset: its management form, then each form
        data.update(unchanged_post_data(form_or_formset.management_form))
        for form in forms:
            data.update(unchanged_post_data(form))
        return data
    for bound in form_or_formset:
        value = bound.value()
        if value is None or isinstance(value, FieldFile):
            continue  # empty fields and file inputs send nothing
        if isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
            continue
        if isinstance(value, list | tuple):
            data[bound.html_name] = [getattr(v, "pk", v) for v in value]
        else:
            data[bound.html_name] = getattr(value, "pk", value)
    return data
