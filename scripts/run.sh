#!/usr/bin/env bash
# `make run` after the install: check the ports, set up the database and demo data, then
# serve the site with its task worker and, unless EMAIL_URL is set, a local SMTP sink.
# Ctrl-C (SIGINT) or SIGTERM stops all three and waits for them; if one of them stops by
# itself, the others are stopped too and the exit status says so.
# Environment (set by the Makefile): PY, HOST, PORT, MAIL_PORT, SITE_URL; EMAIL_URL optional.
set -uo pipefail
cd "$(dirname "$0")/.."

: "${PY:?}" "${HOST:?}" "${PORT:?}" "${MAIL_PORT:=1025}"
manage=("$PY" manage.py)
pids=()
names=()

say() { printf 'make run: %s\n' "$*" >&2; }
listed() { local text; text=$(printf '%s, ' "${names[@]}"); echo "${text%, }"; }

stop() {  # stop every child started so far (TERM, then wait), then exit with $1
  trap '' INT TERM  # a second Ctrl-C must not interrupt the wait
  if [ ${#pids[@]} -gt 0 ]; then
    say "stopping $(listed)..."
    kill -TERM "${pids[@]}" 2>/dev/null
    wait "${pids[@]}" 2>/dev/null
    say "stopped."
  fi
  exit "$1"
}
trap 'echo >&2; stop 0' INT TERM

port_free() {  # can this host:port be bound now?
  "$PY" - "$1" "$2" <<'PYEOF' 2>/dev/null
import socket, sys
with socket.socket() as sock:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((sys.argv[1], int(sys.argv[2])))
PYEOF
}

listening() {  # wait up to $3 tenths of a second for the last started child to take host:port
  for _ in $(seq "$3"); do
    port_free "$1" "$2" || return 0
    kill -0 "${pids[-1]}" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# Check the ports first, before minutes of setup: say which one is taken and what to do.
if ! port_free "$HOST" "$PORT"; then
  say "port $PORT on $HOST is already in use (another \`make run\`, or another program)."
  say "Nothing was started. Stop that program, or choose another port: PORT=8101 make run"
  exit 1
fi
sink=""
if [ -z "${EMAIL_URL:-}" ]; then
  if ! port_free 127.0.0.1 "$MAIL_PORT"; then
    say "port $MAIL_PORT on 127.0.0.1 is already in use, so the local mail sink cannot start"
    say "(another \`make run\`, or another SMTP program, is listening there). Nothing was started."
    say "Stop that program, or run the sink on another port: MAIL_PORT=2525 make run"
    say "(or send mail to a real server: EMAIL_URL=smtp+tls://user:password@host:587 make run)."
    exit 1
  fi
  sink="127.0.0.1:$MAIL_PORT"
  export EMAIL_URL="smtp://$sink"
fi

"${manage[@]}" migrate --noinput || stop 1
"${manage[@]}" collectstatic --noinput --verbosity 0 || stop 1
"${manage[@]}" setup_demo || stop 1
"${manage[@]}" sync_schedules || stop 1

start() {  # start "$1" (a name) as the command "${@:2}" in the background
  "${@:2}" &
  pids+=("$!")
  names+=("$1")
}

if [ -n "$sink" ]; then
  mkdir -p var/mail/cur var/mail/new var/mail/tmp
  start "the mail sink" "$PY" -m aiosmtpd -n -l "$sink" -c aiosmtpd.handlers.Mailbox var/mail
  if ! listening 127.0.0.1 "$MAIL_PORT" 50; then
    say "the local mail sink did not start on $sink (see the messages above)."
    stop 1
  fi
  echo "Outgoing mail goes to the local SMTP sink on $sink, saved in var/mail/"
else
  # The address only: EMAIL_URL may hold a user name and password.
  server=${EMAIL_URL#*://}
  echo "Outgoing mail goes to the SMTP server of EMAIL_URL (${EMAIL_URL%%://*}://${server##*@})"
fi
echo "Links in emails point at SITE_URL=${SITE_URL:-}"
start "the task worker" "${manage[@]}" qcluster
start "the site" "$PY" -m gunicorn config.wsgi:application --bind "$HOST:$PORT" --workers 3 \
  --timeout 60 --graceful-timeout 10 --access-logfile - \
  --logger-class lead411.core.redact.GunicornLogger
if ! listening "$HOST" "$PORT" 600; then
  say "the site did not start on $HOST:$PORT (see the messages above)."
  stop 1
fi
echo "Serving on http://$HOST:$PORT/ (Ctrl-C stops the site, its task worker and mail sink)"

# Until Ctrl-C, or until one of them stops by itself: then stop the others, exit 1.
wait -n "${pids[@]}"
status=$?
say "one of $(listed) stopped by itself (exit status $status)."
stop 1
