#!/usr/bin/env bash
# `make run`: prepare the database and serve the product at http://127.0.0.1:8000 with background jobs.
# Without REDIS_URL the jobs go through kombu's filesystem queue under var/jobs (no server needed) and one
# worker runs them with the scheduler embedded; with REDIS_URL a worker and one beat use Redis.
# Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${VENV:-.venv}/bin/python
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.dev}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

"$PY" manage.py migrate --no-input
"$PY" manage.py load_defaults
"$PY" manage.py seed_demo --if-empty

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "正在停止…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

mkdir -p var/jobs/queue var/jobs/processed
if [ -n "${REDIS_URL:-}" ]; then
  "$PY" -m celery -A config worker --pool=threads --concurrency=4 --loglevel=INFO & pids+=($!)
  "$PY" -m celery -A config beat --loglevel=INFO & pids+=($!)
  jobs_mode="Celery worker + beat on Redis ($REDIS_URL)"
else
  "$PY" -m celery -A config worker --beat --pool=threads --concurrency=4 --loglevel=INFO & pids+=($!)
  jobs_mode="Celery worker with embedded beat on the filesystem queue (var/jobs)"
fi
"$PY" manage.py runserver "$HOST:$PORT" --noreload & pids+=($!)

sleep 2
cat <<MSG

============================================================
 示范点创建管理系统 is running:  http://$HOST:$PORT/
 Background jobs: $jobs_mode
 Demo logins (password: ${DEMO_PASSWORD:-Demo@2026}):
   admin 系统管理员 · staff 组织部工作人员 · district 区县联络员 · instructor 督查指导员
   leader 示范点负责人 · scorer 评分人员 · teamlead 验收组组长 · viewer 领导（只读）
 Press Ctrl-C to stop.
============================================================
MSG
wait -n "${pids[@]}"
