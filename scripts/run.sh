#!/usr/bin/env bash
# `make run` and `make dev`: prepare the database and serve the product at http://127.0.0.1:8000 with
# background jobs.
#   run (default): the product as it is on one machine (config.settings.local): gunicorn, static files through
#                  WhiteNoise, DEBUG off, a secret key generated once into var/secret_key.
#   dev:           Django's auto-reloading development server with DEBUG on (config.settings.dev).
# Without REDIS_URL the jobs go through kombu's filesystem queue under var/jobs (no server needed) and one
# worker runs them with the scheduler embedded; with REDIS_URL a worker and one beat use Redis.
# Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${VENV:-.venv}/bin/python
MODE=${1:-run}
case "$MODE" in
  run) export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local} ;;
  dev) export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.dev} ;;
  *) echo "usage: $0 [run|dev]" >&2; exit 2 ;;
esac
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

"$PY" manage.py migrate --no-input
"$PY" manage.py load_defaults
# --force: seed_demo refuses to write demo data with DEBUG off unless told; --if-empty keeps it to a new database.
# DEMO=0 starts a real installation instead: no demo city and no demo logins with a known password.
if [ "${DEMO:-1}" != 0 ]; then
  "$PY" manage.py seed_demo --if-empty --force
fi
if [ "$MODE" = run ]; then
  # collectstatic rather than WhiteNoise's finders (WHITENOISE_USE_FINDERS): finders are WhiteNoise's
  # development mode (files looked up in every app, original names, short caching); collected files get
  # hashed, compressed names that browsers may cache for a year, exactly as in production. It takes a second.
  "$PY" manage.py collectstatic --no-input --verbosity 0
fi

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "正在停止…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

if [ -n "${REDIS_URL:-}" ]; then
  "$PY" -m celery -A config worker --pool=threads --concurrency=4 --loglevel=INFO & pids+=($!)
  "$PY" -m celery -A config beat --loglevel=INFO & pids+=($!)
  jobs_mode="Celery worker + beat on Redis ($REDIS_URL)"
else
  "$PY" -m celery -A config worker --beat --pool=threads --concurrency=4 --loglevel=INFO & pids+=($!)
  jobs_mode="Celery worker with embedded beat on the filesystem queue (var/jobs)"
fi
if [ "$MODE" = run ]; then
  # The control socket (gunicornc) under var/ too: its default in the home directory is shared by every checkout.
  "$PY" -m gunicorn config.wsgi --bind "$HOST:$PORT" --workers "${WEB_WORKERS:-2}" --threads "${WEB_THREADS:-4}" \
    --timeout 120 --access-logfile - --control-socket var/gunicorn.ctl & pids+=($!)
  web_mode="gunicorn, DEBUG off ($DJANGO_SETTINGS_MODULE)"
else
  "$PY" manage.py runserver "$HOST:$PORT" & pids+=($!)
  web_mode="Django's development server, reloads on code changes, DEBUG on ($DJANGO_SETTINGS_MODULE)"
fi

sleep 2
cat <<MSG

============================================================
 示范点创建管理系统 is running:  http://$HOST:$PORT/
 Web: $web_mode
 Background jobs: $jobs_mode
 Demo logins (password: ${DEMO_PASSWORD:-Demo@2026}):
   admin 系统管理员 · staff 组织部工作人员 · district 区县联络员 · instructor 督查指导员
   leader 示范点负责人 · scorer 评分人员 · teamlead 验收组组长 · viewer 领导（只读）
 Press Ctrl-C to stop.
============================================================
MSG
wait -n "${pids[@]}"
