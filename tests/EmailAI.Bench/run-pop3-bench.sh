#!/usr/bin/env bash
# One-command POP3 retrieval comparison: EmailAI (embedded server) vs a stock, durable Dovecot on the same machine.
#
# Builds the bench tool and the server (Release). For each load ACCOUNTS:MESSAGES in BENCH_LOADS, fills the
# maildrops of user0@example.com .. user<ACCOUNTS-1>@example.com with MESSAGES/ACCOUNTS messages of BENCH_SIZE bytes
# each, then runs the pop3 command: one session per account, RETR + DELE of every message, QUIT (the clock runs from the
# first connect to the last QUIT reply). EmailAI is filled over SMTP with the smtp command (not measured) and stopped
# before Dovecot starts; Dovecot (dovecot.sh) is filled by writing the same-shaped messages straight into its Maildirs
# and syncing each INBOX once. Prints a table, writes it to bench-results/pop3-<time>.txt, and stops and removes both
# servers on any exit. Exit code 1 if any load failed (errors, or not every message retrieved).
#
# Environment (defaults in brackets):
#   BENCH_LOADS ["16:8000"]   space-separated ACCOUNTS:MESSAGES pairs (MESSAGES in total, split evenly over the accounts)
#   BENCH_SIZE [10240]  BENCH_TARGETS ["emailai dovecot"]  BENCH_FILL_CONNECTIONS [4] SMTP connections per account fill
#   EMAILAI_SMTP_PORT [2525]  EMAILAI_POP3_PORT [1110]  EMAILAI_ADMIN_PORT [8089]  DOVECOT_PORT [1111]
#   BENCH_READY_TIMEOUT [90] seconds for /readyz   BENCH_FILL_TIMEOUT [120] seconds for the filled maildrops to show up
#   BENCH_TIMEOUT [30] seconds per POP3 response
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_DIR="$REPO/tests/EmailAI.Bench"
BENCH_DLL="$BENCH_DIR/bin/Release/net10.0/EmailAI.Bench.dll"
SERVER_PROJECT="$REPO/silo/EmailAI.Server"
SERVER_DLL="$SERVER_PROJECT/bin/Release/net10.0/EmailAI.Server.dll"
DOVECOT_SH="$BENCH_DIR/dovecot.sh"

LOADS="${BENCH_LOADS:-16:8000}"
SIZE="${BENCH_SIZE:-10240}"
TARGETS="${BENCH_TARGETS:-emailai dovecot}"
FILL_CONNECTIONS="${BENCH_FILL_CONNECTIONS:-4}"
SMTP_PORT="${EMAILAI_SMTP_PORT:-2525}"
POP3_PORT="${EMAILAI_POP3_PORT:-1110}"
ADMIN_PORT="${EMAILAI_ADMIN_PORT:-8089}"
DOVECOT_PORT="${DOVECOT_PORT:-1111}"
READY_TIMEOUT="${BENCH_READY_TIMEOUT:-90}"
FILL_TIMEOUT="${BENCH_FILL_TIMEOUT:-120}"
POP3_TIMEOUT="${BENCH_TIMEOUT:-30}"
TOKEN=benchtoken
PASSWORD=bench-password-1
USER_FORMAT='user{0}@example.com'
ADMIN="http://127.0.0.1:$ADMIN_PORT"

WORK="$(mktemp -d -t emailai-pop3-bench.XXXXXX)"
RESULTS="$WORK/results.txt"   # one line per load: "<summary line> exit=<code>"
PROVISIONED=0
FAILED=0

BENCH_NAME=run-pop3-bench
REFERENCE_SH="$DOVECOT_SH"
# shellcheck source=bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
user() { echo "user$1@example.com"; }

# Checks a load "ACCOUNTS:MESSAGES"; prints "ACCOUNTS PER_ACCOUNT TOTAL".
parse_load() {
  local accounts="${1%%:*}" messages="${1##*:}" per
  [[ "$1" == *:* && "$accounts" =~ ^[1-9][0-9]*$ && "$messages" =~ ^[1-9][0-9]*$ ]] \
    || die "bad load '$1' in BENCH_LOADS (want ACCOUNTS:MESSAGES)"
  per=$(( messages / accounts ))
  [ "$per" -ge 1 ] || die "load $1: fewer messages than accounts"
  [ $(( per * accounts )) -eq "$messages" ] || log "load $1: $messages is not a multiple of $accounts, using $(( per * accounts ))"
  echo "$accounts $per $(( per * accounts ))"
}

# Runs the pop3 command; appends "<summary line> exit=<code>" to $RESULTS. $1 label, $2 port, $3 accounts, $4 total.
run_pop3() {
  local label="$1" port="$2" accounts="$3" total="$4" line status=0
  log "$label: POP3 C=$accounts N=$total size=$SIZE"
  # Both targets start from a clean page cache: nothing of the fill is left to write back during the measured run.
  sync
  line="$(dotnet "$BENCH_DLL" pop3 --host 127.0.0.1 --port "$port" --accounts "$accounts" \
    --user-format "$USER_FORMAT" --password "$PASSWORD" --messages "$total" --label "$label" \
    --timeout "$POP3_TIMEOUT")" || status=$?
  [ -n "$line" ] || die "bench tool printed no summary for $label C=$accounts (exit $status)"
  echo "$line" >&2
  [ "$status" -eq 0 ] || FAILED=1
  echo "$line exit=$status" >> "$RESULTS"
}

# EmailAI: accounts user0.. up to $1 exist (idempotent PUTs).
provision_accounts() {
  local want="$1" i
  for ((i = PROVISIONED; i < want; i++)); do
    curl -sf -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
      "$ADMIN/api/v1/accounts/$(user "$i")" -d "{\"address\":\"$(user "$i")\",\"password\":\"$PASSWORD\"}" >/dev/null \
      || die "could not provision $(user "$i")"
  done
  [ "$want" -le "$PROVISIONED" ] || PROVISIONED="$want"
}

emailai_count() {
  curl -sf -H "Authorization: Bearer $TOKEN" "$ADMIN/api/v1/accounts/$1/messages" | grep -o '"uid"' | wc -l
}

# EmailAI: $2 messages of $SIZE bytes into each of the first $1 maildrops, over SMTP; waits until all are listed.
fill_emailai() {
  local accounts="$1" per="$2" i status deadline count
  for ((i = 0; i < accounts; i++)); do
    status=0
    dotnet "$BENCH_DLL" smtp --host 127.0.0.1 --port "$SMTP_PORT" --messages "$per" \
      --connections "$(( per < FILL_CONNECTIONS ? per : FILL_CONNECTIONS ))" --size "$SIZE" --warmup 0 \
      --from bench@load.test --to "$(user "$i")" --label "fill-$(user "$i")" >"$WORK/fill.out" 2>&1 || status=$?
    [ "$status" -eq 0 ] || { cat "$WORK/fill.out" >&2; die "SMTP fill of $(user "$i") failed (exit $status)"; }
  done
  deadline=$(( $(date +%s) + FILL_TIMEOUT ))
  for ((i = 0; i < accounts; i++)); do
    until count="$(emailai_count "$(user "$i")")" && [ "$count" -ge "$per" ]; do
      [ "$(date +%s)" -lt "$deadline" ] || die "$(user "$i") holds ${count:-?} of $per messages after ${FILL_TIMEOUT}s"
      sleep 0.2
    done
  done
}

# --- build -----------------------------------------------------------------------------------------------------------
for load in $LOADS; do parse_load "$load" >/dev/null; done
log "building the bench tool"
dotnet build -c Release --nologo -v q "$BENCH_DIR/EmailAI.Bench.csproj" >&2
if has emailai; then
  [ -d "$SERVER_PROJECT" ] || die "missing $SERVER_PROJECT (set BENCH_TARGETS=dovecot to bench Dovecot alone)"
  log "building the server"
  dotnet build -c Release --nologo -v q "$SERVER_PROJECT" >&2
  [ -f "$SERVER_DLL" ] || die "build did not produce $SERVER_DLL"
fi
touch "$RESULTS"

# --- EmailAI ---------------------------------------------------------------------------------------------------------
if has emailai; then
  for port in "$SMTP_PORT" "$POP3_PORT" "$ADMIN_PORT"; do
    if port_open "$port"; then die "port $port is already in use"; fi
  done
  log "starting EmailAI (data in $WORK/data)"
  mkdir -p "$WORK/data"
  # (all load comes from 127.0.0.1; the per-client caps are lifted as dovecot.sh lifts Dovecot's)
  dotnet "$SERVER_DLL" --EmailAI:DataDirectory="$WORK/data" --EmailAI:Smtp:Port="$SMTP_PORT" --EmailAI:Submission:Enabled=false --EmailAI:Submissions:Enabled=false --EmailAI:Pop3s:Enabled=false \
    --EmailAI:Pop3:Port="$POP3_PORT" --EmailAI:Pop3:ListenAddress=127.0.0.1 \
    --EmailAI:Admin:Port="$ADMIN_PORT" --EmailAI:Admin:Token="$TOKEN" --EmailAI:ServerDomain=bench.local \
    --EmailAI:Smtp:MaxConnectionsPerClient=1000 --EmailAI:Pop3:MaxConnectionsPerClient=1000 > "$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_ready
  port_open "$POP3_PORT" || die "EmailAI is ready but nothing listens on POP3 port $POP3_PORT"
  log "provisioning example.com"
  curl -sf -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    "$ADMIN/api/v1/domains/example.com" -d '{"name":"example.com","delivery":{"mode":"mailbox"}}' >/dev/null
  for load in $LOADS; do
    read -r accounts per total <<< "$(parse_load "$load" 2>/dev/null)"
    provision_accounts "$accounts"
    log "emailai: filling $accounts maildrops with $per messages each over SMTP"
    fill_emailai "$accounts" "$per"
    run_pop3 emailai "$POP3_PORT" "$accounts" "$total"
  done
  # Stop it before Dovecot runs so the two never compete for the cores.
  log "stopping EmailAI"
  stop_server
fi

# --- Dovecot ---------------------------------------------------------------------------------------------------------
if has dovecot; then
  REFERENCE_STARTED=1
  "$DOVECOT_SH" clean   # a leftover instance of dovecot.sh's own is stopped and removed first
  if port_open "$DOVECOT_PORT"; then die "port $DOVECOT_PORT is already in use"; fi
  "$DOVECOT_SH" start "$DOVECOT_PORT"
  for load in $LOADS; do
    read -r accounts per total <<< "$(parse_load "$load" 2>/dev/null)"
    [ "$("$DOVECOT_SH" count)" -eq 0 ] || die "dovecot: maildirs not empty before load $load"
    log "dovecot: filling $accounts Maildirs with $per messages each"
    "$DOVECOT_SH" fill "$accounts" "$per" "$SIZE"
    run_pop3 dovecot "$DOVECOT_PORT" "$accounts" "$total"
    left="$("$DOVECOT_SH" count)"
    [ "$left" -eq 0 ] || { log "dovecot: $left messages left in the Maildirs after QUIT"; FAILED=1; }
  done
  "$DOVECOT_SH" stop
fi

# --- report ----------------------------------------------------------------------------------------------------------
report="$(
  echo "POP3 retrieval (RETR + DELE, QUIT), size=$SIZE, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  awk '
    BEGIN { printf "%-10s %4s %6s %9s %5s %9s %9s %8s %8s %8s %5s\n", "target", "C", "N", "avg-size", "err", "elapsed", "msg/s", "MB/s", "p50", "p99", "exit" }
    {
      delete f
      for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2) f[kv[1]] = kv[2]
      avg = f["messages"] > 0 ? sprintf("%.0f", f["bytes"] / f["messages"]) : "-"
      printf "%-10s %4s %6s %9s %5s %9s %9s %8s %8s %8s %5s\n", f["label"], f["C"], f["messages"], avg, f["err"], f["elapsed"], f["rate"], f["throughput"], f["p50"], f["p99"], f["exit"]
      rate[f["label"], f["C"]] = f["rate"]
      if (!(f["C"] in seen)) { seen[f["C"]] = 1; order[++loads] = f["C"] }
    }
    END {
      for (i = 1; i <= loads; i++) {
        c = order[i]
        if ((("emailai", c) in rate) && (("dovecot", c) in rate) && rate["dovecot", c] > 0)
          printf "C=%s: emailai/dovecot rate = %.2f (target: >= 1)\n", c, rate["emailai", c] / rate["dovecot", c]
      }
    }' "$RESULTS"
  echo
  cat "$RESULTS"
)"
echo
echo "$report"
mkdir -p "$REPO/bench-results"
out="$REPO/bench-results/pop3-$(date -u +%Y%m%dT%H%M%SZ).txt"
echo "$report" > "$out"
echo "(saved to $out)"
[ "$FAILED" -eq 0 ] || die "at least one load failed (see the exit column)"
