"""Logging: a refused request is an everyday event, logged as one line, not as an error with a traceback."""

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from core.logs import ForbiddenWithoutTraceback


def request_records(caplog):
    return [record for record in caplog.records if record.name == "django.request"]


def test_a_403_is_logged_once_as_a_warning_without_traceback(client, cast, caplog):
    client.force_login(cast.viewer)
    with caplog.at_level(logging.INFO):
        response = client.get("/standards/new/")  # require_permission raises PermissionDenied
    assert response.status_code == 403
    [record] = request_records(caplog)
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "Forbidden: GET /standards/new/ user=t-viewer status=403"
    assert record.exc_info is None
    assert "Traceback" not in caplog.text and "PermissionDenied" not in caplog.text


def test_a_403_of_a_post_names_the_method(client, cast, caplog, db):
    client.force_login(cast.viewer)
    with caplog.at_level(logging.INFO):
        assert client.post("/standards/new/", {"name": "x"}).status_code == 403
    [record] = request_records(caplog)
    assert record.getMessage() == "Forbidden: POST /standards/new/ user=t-viewer status=403"


def test_the_logged_path_cannot_forge_log_lines():
    request = RequestFactory().get("/a\nFAKE LINE")
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "x", (), None)
    record.status_code, record.request = 403, request
    ForbiddenWithoutTraceback().filter(record)
    assert "\n" not in record.getMessage() and "user=anonymous" in record.getMessage()


@pytest.mark.parametrize("status", [404, 500])
def test_other_statuses_are_left_as_django_logs_them(status):
    try:
        raise PermissionDenied
    except PermissionDenied:
        import sys

        exc_info = sys.exc_info()
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Error: %s", ("/x",), exc_info)
    record.status_code, record.request = status, RequestFactory().get("/x")
    assert ForbiddenWithoutTraceback().filter(record) is True
    assert record.exc_info is exc_info and record.getMessage() == "Error: /x"
