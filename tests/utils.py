"""Helpers shared by tests."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_for(client, url, **params) -> int:
    """How many SQL queries one GET of `url` makes (house style rule 4: constant as rows grow)."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return len(context.captured_queries)
