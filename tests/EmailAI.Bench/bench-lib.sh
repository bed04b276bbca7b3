# Shared by run-smtp-bench.sh and run-pop3-bench.sh; sourced, not run. The caller sets before sourcing:
#   BENCH_NAME     name used in error messages
#   TARGETS        space-separated targets of this run
#   WORK           scratch directory, removed on exit (server.log in it is shown when the run fails)
#   REFERENCE_SH   the reference server's control script (postfix.sh, dovecot.sh); "clean" is run on exit
# and keeps SERVER_PID (the EmailAI server) and REFERENCE_STARTED (non-empty once the reference runs) current.

SERVER_PID=""
REFERENCE_STARTED=""

log() { echo "== $*" >&2; }
die() { echo "$BENCH_NAME: $*" >&2; exit 1; }
has() { [[ " $TARGETS " == *" $1 "* ]]; }
now() { date +%s.%N; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# stop_pid PID: SIGTERM, up to 20 s for an orderly stop, then SIGKILL; nothing if PID is empty or gone.
stop_pid() {
  local pid="$1"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}

# wait_ready: until $ADMIN/readyz answers, for at most READY_TIMEOUT seconds; dies if $SERVER_PID exits first.
wait_ready() {
  local deadline=$(( $(date +%s) + READY_TIMEOUT ))
  until curl -sf "$ADMIN/readyz" >/dev/null 2>&1; do
    kill -0 "$SERVER_PID" 2>/dev/null || die "EmailAI exited during startup"
    [ "$(date +%s)" -lt "$deadline" ] || die "EmailAI not ready after ${READY_TIMEOUT}s"
    sleep 0.2
  done
}

stop_server() {
  stop_pid "$SERVER_PID"
  SERVER_PID=""
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ "$status" -ne 0 ] && [ -s "$WORK/server.log" ]; then
    echo "--- last lines of the EmailAI server log ---" >&2
    tail -n 30 "$WORK/server.log" >&2 || true
  fi
  stop_server
  if [ -n "$REFERENCE_STARTED" ]; then
    "$REFERENCE_SH" clean || true
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
