"""Settings load in each mode from the environment alone (each in a fresh interpreter, as a deployment would)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'debug': settings.DEBUG, 'engine': settings.DATABASES['default']['ENGINE'], "
    "'options': {k: str(v) for k, v in settings.DATABASES['default'].get('OPTIONS', {}).items()}, "
    "'broker': settings.CELERY_BROKER_URL, 'tz': settings.TIME_ZONE, 'lang': settings.LANGUAGE_CODE, "
    "'hosts': settings.ALLOWED_HOSTS, 'ssl': getattr(settings, 'SECURE_SSL_REDIRECT', False), "
    "'session_secure': settings.SESSION_COOKIE_SECURE, 'mailer': settings.MAILERS['default'], "
    "'media': str(settings.MEDIA_ROOT), 'sites_app': 'django.contrib.sites' in settings.INSTALLED_APPS}))"
)
# Variables a developer's shell may have set that would change what a mode does by default.
# DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests in this process; a deployment never has it.
CLEARED = [
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DEBUG",
    "MEDIA_ROOT",
    "EMAIL_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
]


def load(module: str, **env) -> dict:
    environment = {k: v for k, v in os.environ.items() if k not in CLEARED}
    environment.update(DJANGO_SETTINGS_MODULE=module, **env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_dev_defaults_to_the_embedded_setup():
    config = load("config.settings.dev")
    assert config["debug"] is True
    assert config["engine"] == "django.db.backends.sqlite3"
    assert config["broker"] == "filesystem://"
    assert config["tz"] == "Asia/Shanghai" and config["lang"] == "zh-hans"
    assert config["mailer"]["BACKEND"].endswith("console.EmailBackend")
    assert config["sites_app"] is False


def test_dev_honours_database_and_redis_urls():
    config = load(
        "config.settings.dev",
        DATABASE_URL="postgres://someone@db.example:5432/demo",
        REDIS_URL="redis://cache.example:6379/1",
        MEDIA_ROOT="/srv/media",
    )
    assert config["engine"] == "django.db.backends.postgresql"
    assert "min_size" in config["options"]["pool"]  # Django's connection pool on PostgreSQL
    assert config["broker"] == "redis://cache.example:6379/1"
    assert config["media"] == "/srv/media"


def test_test_mode_runs_tasks_eagerly():
    config = load("config.settings.test")
    assert config["debug"] is False
    assert config["mailer"]["BACKEND"].endswith("locmem.EmailBackend")


def test_prod_requires_a_secret_key():
    environment = {k: v for k, v in os.environ.items() if k not in CLEARED}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.prod", ALLOWED_HOSTS="demo.example")
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_prod_is_secure_with_only_the_required_variables():
    config = load(
        "config.settings.prod",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="dsm.example.gov.cn",
        DATABASE_URL="postgres://app@127.0.0.1:5432/app",
        EMAIL_URL="smtp+tls://mailer:secret@mail.example.gov.cn:587",
    )
    assert config["debug"] is False
    assert config["hosts"] == ["dsm.example.gov.cn"]
    assert config["ssl"] is True and config["session_secure"] is True
    assert config["mailer"]["OPTIONS"]["host"] == "mail.example.gov.cn"
    assert config["mailer"]["OPTIONS"]["use_tls"] is True


@pytest.mark.slow
def test_prod_deploy_check_passes_without_warnings():
    environment = {k: v for k, v in os.environ.items() if k not in CLEARED}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        SECRET_KEY="k3y-" + "q8Zr7Lm2Xv9Tn4Bw6Pc1Hd5Js0Fg3Ya8Ke2Ru7Wo4Qi6Ul9Sx1Mz5Nb0Vt3Cy7" * 2,
        ALLOWED_HOSTS="dsm.example.gov.cn",
        DATABASE_URL="postgres://app@127.0.0.1:5432/app",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def evaluate(module: str, expression: str, **env):
    """The JSON value of `expression` (about `settings`) in a fresh interpreter with `module` loaded."""
    environment = {k: v for k, v in os.environ.items() if k not in CLEARED}
    environment.update(DJANGO_SETTINGS_MODULE=module, **env)
    script = f"import json, django; from django.conf import settings; django.setup(); print(json.dumps({expression}))"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_job_queue_keeps_every_folder_under_var():
    options = evaluate("config.settings.dev", "settings.CELERY_BROKER_TRANSPORT_OPTIONS")
    folders = {key: value for key, value in options.items() if "folder" in key}
    # control_folder defaults to ./control, which put the broadcast exchange files in the project root.
    assert set(folders) == {"data_folder_in", "data_folder_out", "processed_folder", "control_folder"}
    for path in folders.values():
        assert Path(path).is_relative_to(ROOT / "var"), path
        assert Path(path).is_dir(), path


LOCAL_PROBE = (
    "{'debug': settings.DEBUG, 'key': settings.SECRET_KEY, 'hosts': settings.ALLOWED_HOSTS, "
    "'ssl': settings.SECURE_SSL_REDIRECT, 'session_secure': settings.SESSION_COOKIE_SECURE, "
    "'csrf_secure': settings.CSRF_COOKIE_SECURE, 'session_cookie': settings.SESSION_COOKIE_NAME, "
    "'hsts': settings.SECURE_HSTS_SECONDS, 'middleware': settings.MIDDLEWARE, "
    "'static': settings.STORAGES['staticfiles']['BACKEND']}"
)


def test_local_is_production_like_over_plain_http(tmp_path):
    key_file = tmp_path / "var" / "secret_key"
    config = evaluate("config.settings.local", LOCAL_PROBE, SECRET_KEY_FILE=str(key_file))
    assert config["debug"] is False
    assert config["hosts"] == ["127.0.0.1", "localhost"]
    # Plain HTTP on one machine: none of prod's HTTPS-only settings, or no browser would keep the session.
    assert config["ssl"] is False and config["session_secure"] is False and config["csrf_secure"] is False
    assert config["session_cookie"] == "sessionid" and config["hsts"] == 0
    security = config["middleware"].index("django.middleware.security.SecurityMiddleware")
    assert config["middleware"][security + 1] == "whitenoise.middleware.WhiteNoiseMiddleware"
    assert config["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    # A secret key generated once, readable only by its owner, and reused by the next start.
    assert len(config["key"]) >= 50
    assert key_file.read_text().strip() == config["key"]
    assert key_file.stat().st_mode & 0o777 == 0o600
    again = evaluate("config.settings.local", LOCAL_PROBE, SECRET_KEY_FILE=str(key_file))
    assert again["key"] == config["key"]
    assert [path.name for path in key_file.parent.iterdir()] == ["secret_key"]  # no temporary file left behind


def test_local_takes_the_secret_key_from_the_environment_when_given(tmp_path):
    key_file = tmp_path / "secret_key"
    config = evaluate("config.settings.local", LOCAL_PROBE, SECRET_KEY="k" * 60, SECRET_KEY_FILE=str(key_file))
    assert config["key"] == "k" * 60 and not key_file.exists()


def test_prod_serves_the_same_hashed_static_files_through_whitenoise():
    config = evaluate(
        "config.settings.prod",
        "[settings.MIDDLEWARE, settings.STORAGES['staticfiles']['BACKEND']]",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="dsm.example.gov.cn",
    )
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in config[0]
    assert config[1] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


LOCAL_PAGES = """
import json, django
from django.conf import settings
django.setup()
from django.core.management import call_command
from django.test import Client
call_command("collectstatic", interactive=False, verbosity=0)
client = Client(HTTP_HOST="127.0.0.1:8000")
static = client.get("/static/css/app.css")
missing = client.get("/no-such-page/")
print(json.dumps({
    "static": static.status_code, "static_body": b"".join(static.streaming_content).decode()[:200],
    "missing": missing.status_code, "missing_html": missing.content.decode(),
}))
"""


@pytest.mark.slow
def test_local_serves_static_files_and_the_products_own_error_pages(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k not in CLEARED}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        SECRET_KEY_FILE=str(tmp_path / "secret_key"),
        STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    result = subprocess.run(
        [sys.executable, "-c", LOCAL_PAGES], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    pages = json.loads(result.stdout.strip().splitlines()[-1])
    assert pages["static"] == 200 and pages["static_body"].strip()  # WhiteNoise, from what collectstatic gathered
    assert pages["missing"] == 404
    html = pages["missing_html"]
    assert "页面不存在" in html and "Page not found" not in html  # templates/404.html, not Django's debug page
    assert "/static/css/app." in html and "/static/css/app.css" not in html  # hashed names in the pages
