#!/bin/sh
# Try the multi-server layout on one machine (docs/deployment.md, "Tried on one machine"):
# nginx with TLS (a self-signed certificate) on 127.0.0.1:8443 -> two gunicorn application servers on 127.0.0.1:8101 and :8102,
# two background workers (every queue; notifications only) and the scheduler, one PostgreSQL database, Redis as the shared cache.
# Usage: deploy/try-local.sh start | check | stop     (needs nginx from Debian; run from the repo root)
set -eu
VAR=${VAR:-var/try-local}
DB=${DB:-shequ_deploy}
export DJANGO_SETTINGS_MODULE=config.settings.production SHEQU_ENV=production
export SHEQU_DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB SHEQU_REDIS_URL=redis://127.0.0.1:6379/3
export SHEQU_ALLOWED_HOSTS=127.0.0.1,localhost SHEQU_USE_X_FORWARDED_FOR=1
export SHEQU_STATIC_ROOT=$PWD/$VAR/static SHEQU_MEDIA_ROOT=$PWD/$VAR/media SHEQU_VAR_DIR=$PWD/$VAR
mkdir -p "$VAR"
if [ ! -f "$VAR/keys.env" ]; then
  python3 - > "$VAR/keys.env" <<'PY'
import base64, os, secrets
print(f"SHEQU_SECRET_KEY={secrets.token_urlsafe(50)}")
for name in ("SHEQU_DATA_KEY", "SHEQU_HASH_KEY"):
    print(f"{name}={base64.urlsafe_b64encode(os.urandom(32)).decode()}")
PY
  chmod 600 "$VAR/keys.env"
fi
set -a; . "$VAR/keys.env"; set +a
case "${1:-start}" in
start)
  psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1 ||
    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE $DB" >/dev/null
  .venv/bin/shequ migrate --no-input -v0
  .venv/bin/shequ collectstatic --no-input -v0
  .venv/bin/shequ check --deploy --fail-level WARNING
  [ -f "$VAR/tls.key" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1" -keyout "$VAR/tls.key" -out "$VAR/tls.crt" 2>/dev/null
  for port in 8101 8102; do
    .venv/bin/gunicorn config.wsgi -w 2 -b 127.0.0.1:$port --pid "$VAR/app-$port.pid" \
      --access-logfile "$VAR/app-$port.access.log" --error-logfile "$VAR/app-$port.log" --daemon
  done
  nohup .venv/bin/shequ db_worker --queue-name '*' --no-reload > "$VAR/worker.log" 2>&1 & echo $! > "$VAR/worker.pid"
  nohup .venv/bin/shequ db_worker --queue-name notify --no-reload > "$VAR/worker-notify.log" 2>&1 & echo $! > "$VAR/worker-notify.pid"
  nohup .venv/bin/shequ scheduler > "$VAR/scheduler.log" 2>&1 & echo $! > "$VAR/scheduler.pid"
  sed -e "s#__STATIC__#$PWD/$VAR/static/#" -e "s#__VAR__#$PWD/$VAR#g" deploy/nginx-try-local.conf > "$VAR/nginx.conf"
  nginx -c "$PWD/$VAR/nginx.conf"
  sleep 2
  echo "nginx on https://127.0.0.1:8443/ -> 127.0.0.1:8101, 127.0.0.1:8102"
  ;;
check)
  for i in 1 2 3 4; do curl -sk -o /dev/null -w "%{http_code} " https://127.0.0.1:8443/healthz; done; echo
  curl -sk -o /dev/null -w "static %{http_code}\n" https://127.0.0.1:8443/static/web/shequ.css
  ;;
stop)
  nginx -c "$PWD/$VAR/nginx.conf" -s stop || true
  for f in "$VAR"/app-*.pid "$VAR/worker.pid" "$VAR/worker-notify.pid" "$VAR/scheduler.pid"; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; rm -f "$f"; done
  ;;
esac
