#!/usr/bin/env bash
# One-command relay throughput comparison: EmailAI vs a stock Postfix relaying the same load to the same slow sink.
#
# A sink (the bench tool's `sink` command: an SMTP server on loopback that answers the end of DATA after
# BENCH_SINK_DELAY_MS, like a slow remote MX) stands in for every destination. For each configuration the relay under
# test is started fresh (new data directory / new queue), told to relay for 127.0.0.1 and to route every destination to
# the sink; then BENCH_MESSAGES messages of BENCH_SIZE bytes are injected over BENCH_CONNECTIONS connections, addressed
# round robin to BENCH_DOMAINS domains (d1.example, d2.example, ...), and the script waits until the sink has all of
# them. Figures per configuration:
#   inject msg/s    the injection rate the client saw (messages accepted / injection wall time)
#   deliver msg/s   messages / (last receipt at the sink - first receipt at the sink)
#   e2e s, msg/s    first injection connect -> last receipt at the sink, and messages / that
#   drain s         end of injection -> last receipt
#   bound msg/s     what the per-destination cap allows at most: domains x cap x 1000 / delay
#   sink conn max / dom inflight max   most concurrent sink connections, most concurrent transactions for one domain
# Configurations: cap = 1 and 20 connections per destination (BENCH_CAPS) for 20 domains, then (BENCH_SINGLE_MESSAGES
# > 0) the same with all mail to one domain. EmailAI: EmailAI:Delivery:MaxConnectionsPerDestination = cap. Postfix:
# default_destination_concurrency_limit = cap, with one transport per domain (r1 .. r20, each to [127.0.0.1]:sink) so
# that, as in EmailAI, every domain has its own limit (Postfix counts concurrency per transport and nexthop; one shared
# transport to the sink would put all 20 domains under one limit). Both start a destination at 5 connections and grow
# it as deliveries succeed (initial_destination_concurrency = InitialConnectionsPerDestination = 5).
# Before each measured injection both get an unmeasured warm-up of BENCH_WARMUP messages to a local mailbox
# (alice@example.com), delivered before the measurement starts. EmailAI is stopped before Postfix runs.
# Prints a table, writes it to bench-results/relay-<time>.txt, stops and removes everything on any exit.
#
# Environment (defaults in brackets):
#   BENCH_MESSAGES [2000]  BENCH_DOMAINS [20]  BENCH_SINGLE_MESSAGES [1000] (0 = no single-domain runs)
#   BENCH_CONNECTIONS [16] injection connections   BENCH_SIZE [10240]  BENCH_SINK_DELAY_MS [50]  BENCH_WARMUP [500]
#   BENCH_CAPS ["1 20"]  BENCH_TARGETS ["emailai postfix"]
#   EMAILAI_SMTP_PORT [2545]  EMAILAI_ADMIN_PORT [8109]  POSTFIX_PORT [2546]  SINK_PORT [2547]  SINK_STATUS_PORT [2548]
#   POSTFIX_BENCH_DIR [/var/tmp/emailai-bench-postfix-relay]  (the throwaway instance; see postfix.sh)
#   BENCH_READY_TIMEOUT [90]  BENCH_DRAIN_TIMEOUT [600] seconds  BENCH_STALL_TIMEOUT [30] seconds without a delivery
#   BENCH_KEEP_LOGS [unset]  a directory to copy the EmailAI server logs, the sink log and Postfix's maillog into
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_DIR="$REPO/tests/EmailAI.Bench"
BENCH_DLL="$BENCH_DIR/bin/Release/net10.0/EmailAI.Bench.dll"
SERVER_PROJECT="$REPO/silo/EmailAI.Server"
SERVER_DLL="$SERVER_PROJECT/bin/Release/net10.0/EmailAI.Server.dll"
POSTFIX_SH="$BENCH_DIR/postfix.sh"

MESSAGES="${BENCH_MESSAGES:-2000}"
DOMAINS="${BENCH_DOMAINS:-20}"
SINGLE_MESSAGES="${BENCH_SINGLE_MESSAGES:-1000}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"
SIZE="${BENCH_SIZE:-10240}"
DELAY="${BENCH_SINK_DELAY_MS:-50}"
WARMUP="${BENCH_WARMUP:-500}"
CAPS="${BENCH_CAPS:-1 20}"
TARGETS="${BENCH_TARGETS:-emailai postfix}"
SMTP_PORT="${EMAILAI_SMTP_PORT:-2545}"
ADMIN_PORT="${EMAILAI_ADMIN_PORT:-8109}"
POSTFIX_PORT="${POSTFIX_PORT:-2546}"
SINK_PORT="${SINK_PORT:-2547}"
SINK_STATUS_PORT="${SINK_STATUS_PORT:-2548}"
READY_TIMEOUT="${BENCH_READY_TIMEOUT:-90}"
DRAIN_TIMEOUT="${BENCH_DRAIN_TIMEOUT:-600}"
STALL_TIMEOUT="${BENCH_STALL_TIMEOUT:-30}"
KEEP_LOGS="${BENCH_KEEP_LOGS:-}"
export PATH="/usr/sbin:/usr/bin:$PATH"
export POSTFIX_BENCH_DIR="${POSTFIX_BENCH_DIR:-/var/tmp/emailai-bench-postfix-relay}"
POSTFIX_CONF="$POSTFIX_BENCH_DIR/etc"
TOKEN=benchtoken
ADMIN="http://127.0.0.1:$ADMIN_PORT"
SINK="http://127.0.0.1:$SINK_STATUS_PORT"
RECIPIENT='rcpt@d{d}.example'

WORK="$(mktemp -d -t emailai-relay-bench.XXXXXX)"
RESULTS="$WORK/results.txt"    # one line per configuration, key=value
LOGNOTES="$WORK/lognotes.txt"  # what the EmailAI logs say about failures, per configuration
PF_NOTES="$WORK/pf-notes.txt"  # the same for Postfix's maillog
SINK_PID=""
FAILED=0

BENCH_NAME=run-relay-bench
REFERENCE_SH="$POSTFIX_SH"
# shellcheck source=bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

stop_sink() {
  stop_pid "$SINK_PID"
  SINK_PID=""
}
# bench-lib's cleanup (EmailAI, Postfix, $WORK) runs after the sink is stopped, with the script's exit status.
relay_cleanup() {
  local status=$?
  stop_sink
  set +e  # so that re-raising the status below does not end this trap before cleanup runs
  (exit "$status")
  cleanup
}
trap relay_cleanup EXIT

# kv KEY LINE: the value of KEY=value in a space-separated line ("" when absent).
kv() { awk -v k="$1" '{ for (i = 1; i <= NF; i++) { n = index($i, "="); if (n > 1 && substr($i, 1, n - 1) == k) { print substr($i, n + 1); exit } } }' <<< "$2"; }
calc() { awk "BEGIN { $1 }"; }
sink_status() { curl -sf "$SINK/status"; }
keep_log() { if [ -n "$KEEP_LOGS" ] && [ -f "$1" ]; then mkdir -p "$KEEP_LOGS"; cp "$1" "$KEEP_LOGS/$2"; fi; }

wait_for_port() {
  local port="$1" what="$2"
  for _ in $(seq 1 100); do port_open "$port" && return 0; sleep 0.1; done
  die "$what is not listening on $port"
}

# inject PORT MESSAGES DOMAINS LABEL: the measured injection; prints the tool's summary and times lines (joined).
inject() {
  local port="$1" messages="$2" domains="$3" label="$4" out status=0
  out="$(dotnet "$BENCH_DLL" smtp --host 127.0.0.1 --port "$port" --messages "$messages" --connections "$CONNECTIONS" \
    --size "$SIZE" --from bench@load.test --to "$RECIPIENT" --to-domains "$domains" --warmup 0 --times \
    --label "$label")" || status=$?
  [ -n "$out" ] || die "bench tool printed no summary for $label (exit $status)"
  echo "$out" | tr '\n' ' '
}

# warm_up PORT: unmeasured local deliveries to alice@example.com (both servers deliver these to a mailbox).
warm_up() {
  [ "$WARMUP" -gt 0 ] || return 0
  local line
  line="$(dotnet "$BENCH_DLL" smtp --host 127.0.0.1 --port "$1" --messages "$WARMUP" --connections "$CONNECTIONS" \
    --size "$SIZE" --from bench@load.test --to alice@example.com --warmup 0 --label warmup)" \
    || die "warm-up failed: $line"
  log "warm-up: $line"
}

# wait_for_sink EXPECTED INJECTION_END: polls the sink until it has EXPECTED messages, nothing arrived for
# STALL_TIMEOUT s, or DRAIN_TIMEOUT passed since the injection ended. Prints the last status line.
wait_for_sink() {
  local expected="$1" ended="$2" status count last_count=-1 last_change
  last_change="$(now)"
  while :; do
    status="$(sink_status)" || die "the sink does not answer"
    count="$(kv messages "$status")"
    if [ "$count" -ge "$expected" ]; then break; fi
    if [ "$count" != "$last_count" ]; then last_count="$count"; last_change="$(now)"; fi
    if calc "exit !($(now) - $last_change > $STALL_TIMEOUT)"; then
      log "the sink got nothing for ${STALL_TIMEOUT}s: $count of $expected"
      break
    fi
    if calc "exit !($(now) - $ended > $DRAIN_TIMEOUT)"; then
      log "the sink has $count of $expected after ${DRAIN_TIMEOUT}s"
      break
    fi
    sleep 0.1
  done
  echo "$status"
}

# record TARGET DOMAINS CAP MESSAGES "INJECT LINE" "SINK STATUS" QUEUE_LEFT: appends one result line.
record() {
  local target="$1" domains="$2" cap="$3" messages="$4" injected="$5" status="$6" left="$7"
  local started ended first last delivered span
  started="$(kv started_at "$injected")"
  ended="$(kv ended_at "$injected")"
  first="$(kv first_at "$status")"
  last="$(kv last_at "$status")"
  delivered="$(kv messages "$status")"
  [ "$delivered" -eq "$messages" ] || FAILED=1
  [ "$(kv duplicates "$status")" = 0 ] || FAILED=1
  [ "$(kv err "$injected")" = 0 ] || FAILED=1
  if [ "$first" = - ]; then first="$ended"; last="$ended"; fi
  span="$(calc "printf \"%.3f\", $last - $first")"
  {
    printf 'target=%s domains=%s cap=%s N=%s ' "$target" "$domains" "$cap" "$messages"
    printf 'inject_err=%s inject_s=%s inject_rate=%s ' "$(kv err "$injected")" "$(calc "printf \"%.2f\", $ended - $started")" "$(kv rate "$injected")"
    printf 'delivered=%s dup=%s ' "$delivered" "$(kv duplicates "$status")"
    printf 'deliver_rate=%s ' "$(calc "printf \"%.1f\", ($span > 0 ? $delivered / $span : 0)")"
    printf 'e2e_s=%s e2e_rate=%s ' "$(calc "printf \"%.2f\", $last - $started")" "$(calc "printf \"%.1f\", $delivered / ($last - $started)")"
    printf 'drain_s=%s ' "$(calc "printf \"%.2f\", ($last > $ended ? $last - $ended : 0)")"
    printf 'bound=%s ' "$(calc "printf \"%.0f\", $domains * $cap * 1000 / $DELAY")"
    printf 'sink_conns=%s sink_conn_max=%s dom_inflight_max=%s queue_left=%s\n' "$(kv connections "$status")" \
      "$(kv connections_max "$status")" "$(kv domain_inflight_max "$status")" "$left"
  } >> "$RESULTS"
  log "$(tail -n 1 "$RESULTS")"
}

# Configurations: "DOMAINS MESSAGES" pairs; each is run with every cap in CAPS.
LOADS=("$DOMAINS $MESSAGES")
[ "$SINGLE_MESSAGES" -gt 0 ] && LOADS+=("1 $SINGLE_MESSAGES")

# --- EmailAI ---------------------------------------------------------------------------------------------------------
start_emailai() {
  local cap="$1"
  rm -rf "$WORK/data"
  mkdir -p "$WORK/data"
  : > "$WORK/server.log"
  dotnet "$SERVER_DLL" --EmailAI:DataDirectory="$WORK/data" --EmailAI:Smtp:Port="$SMTP_PORT" --EmailAI:Submission:Enabled=false --EmailAI:Submissions:Enabled=false --EmailAI:Pop3s:Enabled=false \
    --EmailAI:Pop3:Enabled=false --EmailAI:Admin:Port="$ADMIN_PORT" --EmailAI:Admin:Token="$TOKEN" \
    --EmailAI:ServerDomain=bench.local --EmailAI:Smtp:MaxConnectionsPerClient=1000 \
    "--EmailAI:Delivery:Routes:*=127.0.0.1:$SINK_PORT" \
    --EmailAI:Delivery:MaxConnectionsPerDestination="$cap" > "$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_ready
  local auth=(-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json')
  curl -sf -X PUT "${auth[@]}" "$ADMIN/api/v1/relay" -d '{"authorisedIps":["127.0.0.1"]}' >/dev/null \
    || die "cannot authorise 127.0.0.1 for relay"
  curl -sf -X PUT "${auth[@]}" "$ADMIN/api/v1/domains/example.com" \
    -d '{"name":"example.com","delivery":{"mode":"mailbox"}}' >/dev/null || die "cannot create example.com"
  curl -sf -X PUT "${auth[@]}" "$ADMIN/api/v1/accounts/alice@example.com" \
    -d '{"address":"alice@example.com","password":"bench-password-1"}' >/dev/null || die "cannot create alice@example.com"
}

# Rows left in EmailAI's outbound queue (waits up to 10 s for the last completions to be committed).
emailai_queue_left() {
  local rows
  for _ in $(seq 1 50); do
    rows="$(curl -sf -H "Authorization: Bearer $TOKEN" "$ADMIN/api/v1/queue?limit=1000" | jq length)" || rows="?"
    [ "$rows" = 0 ] && break
    sleep 0.2
  done
  echo "$rows"
}

run_emailai() {
  local load domains messages cap label injected status log_name
  for load in "${LOADS[@]}"; do
    read -r domains messages <<< "$load"
    for cap in $CAPS; do
      label="emailai-d$domains-c$cap"
      log "$label: starting EmailAI (MaxConnectionsPerDestination=$cap)"
      start_emailai "$cap"
      warm_up "$SMTP_PORT"
      curl -sf "$SINK/reset" >/dev/null
      log "$label: injecting $messages messages to $domains domain(s) over $CONNECTIONS connections"
      injected="$(inject "$SMTP_PORT" "$messages" "$domains" "$label")"
      log "$injected"
      status="$(wait_for_sink "$messages" "$(kv ended_at "$injected")")"
      record emailai "$domains" "$cap" "$messages" "$injected" "$status" "$(emailai_queue_left)"
      stop_server
      log_name="$label.log"
      {
        echo "--- $label: server log lines matching fail|error|exception|warn: $(grep -ciE 'fail|error|exception|warn' "$WORK/server.log" || true)"
        grep -iE 'fail|error|exception|warn' "$WORK/server.log" | sed -E 's/^[0-9TZ:.-]+ //' | sort | uniq -c | sort -rn | head -n 8 || true
      } >> "$LOGNOTES"
      keep_log "$WORK/server.log" "$log_name"
    done
  done
}

# --- Postfix ---------------------------------------------------------------------------------------------------------
# A fresh instance (postfix.sh writes its config), then the relay part: one transport per domain to the sink.
start_postfix() {
  local cap="$1" i
  "$POSTFIX_SH" clean
  "$POSTFIX_SH" start "$POSTFIX_PORT"
  "$POSTFIX_SH" stop
  : > "$POSTFIX_CONF/relay_transport"
  for i in $(seq 1 "$DOMAINS"); do
    echo "d$i.example r$i:[127.0.0.1]:$SINK_PORT" >> "$POSTFIX_CONF/relay_transport"
    echo "r$i unix - - n - - smtp" >> "$POSTFIX_CONF/master.cf"
  done
  postconf -c "$POSTFIX_CONF" -e \
    "transport_maps = texthash:$POSTFIX_CONF/relay_transport" \
    "default_destination_concurrency_limit = $cap" \
    "initial_destination_concurrency = 5" \
    "smtp_tls_security_level = none"
  postfix -c "$POSTFIX_CONF" check
  postfix -c "$POSTFIX_CONF" start >/dev/null 2>&1 || die "postfix failed to start with the relay config"
  wait_for_port "$POSTFIX_PORT" Postfix
}

postfix_queue_left() {
  local rows
  for _ in $(seq 1 50); do
    rows="$(find "$POSTFIX_BENCH_DIR/queue/incoming" "$POSTFIX_BENCH_DIR/queue/active" "$POSTFIX_BENCH_DIR/queue/deferred" \
      "$POSTFIX_BENCH_DIR/queue/maildrop" -type f 2>/dev/null | wc -l)"
    [ "$rows" = 0 ] && break
    sleep 0.2
  done
  echo "$rows"
}

run_postfix() {
  local load domains messages cap label injected status delivered
  for load in "${LOADS[@]}"; do
    read -r domains messages <<< "$load"
    for cap in $CAPS; do
      label="postfix-d$domains-c$cap"
      log "$label: starting Postfix (default_destination_concurrency_limit=$cap, one transport per domain)"
      start_postfix "$cap"
      REFERENCE_STARTED=1
      if [ "$WARMUP" -gt 0 ]; then
        warm_up "$POSTFIX_PORT"
        for _ in $(seq 1 300); do
          delivered="$("$POSTFIX_SH" count)"
          [ "$delivered" -ge "$WARMUP" ] && break
          sleep 0.1
        done
      fi
      curl -sf "$SINK/reset" >/dev/null
      log "$label: injecting $messages messages to $domains domain(s) over $CONNECTIONS connections"
      injected="$(inject "$POSTFIX_PORT" "$messages" "$domains" "$label")"
      log "$injected"
      status="$(wait_for_sink "$messages" "$(kv ended_at "$injected")")"
      record postfix "$domains" "$cap" "$messages" "$injected" "$status" "$(postfix_queue_left)"
      {
        echo "--- $label: maillog lines matching warning|error|fatal|panic: $(grep -ciE 'warning|error|fatal|panic' "$POSTFIX_BENCH_DIR/maillog" || true)"
        grep -iE 'warning|error|fatal|panic' "$POSTFIX_BENCH_DIR/maillog" | sed -E 's/^.*postfix-bench //; s/\[[0-9]+\]//' \
          | sort | uniq -c | sort -rn | head -n 5 || true
      } >> "$PF_NOTES"
      keep_log "$POSTFIX_BENCH_DIR/maillog" "$label.maillog"
      "$POSTFIX_SH" stop
    done
  done
}

# --- build, sink -----------------------------------------------------------------------------------------------------
log "building the bench tool"
dotnet build -c Release --nologo -v q "$BENCH_DIR/EmailAI.Bench.csproj" >&2
if has emailai; then
  log "building the server"
  dotnet build -c Release --nologo -v q "$SERVER_PROJECT" >&2
  [ -f "$SERVER_DLL" ] || die "build did not produce $SERVER_DLL"
  for port in "$SMTP_PORT" "$ADMIN_PORT"; do
    if port_open "$port"; then die "port $port is already in use"; fi
  done
fi
if has postfix; then
  if port_open "$POSTFIX_PORT"; then die "port $POSTFIX_PORT is already in use"; fi
fi
for port in "$SINK_PORT" "$SINK_STATUS_PORT"; do
  if port_open "$port"; then die "port $port is already in use"; fi
done
touch "$RESULTS" "$LOGNOTES" "$PF_NOTES"

log "starting the sink on 127.0.0.1:$SINK_PORT (delay ${DELAY} ms)"
dotnet "$BENCH_DLL" sink --host 127.0.0.1 --port "$SINK_PORT" --delay "$DELAY" --status-port "$SINK_STATUS_PORT" \
  > "$WORK/sink.log" 2>&1 &
SINK_PID=$!
for _ in $(seq 1 100); do sink_status >/dev/null 2>&1 && break; sleep 0.1; done
sink_status >/dev/null || die "the sink did not start: $(cat "$WORK/sink.log")"

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
STARTED_AT="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
has emailai && run_emailai
has postfix && run_postfix
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
stop_sink
keep_log "$WORK/sink.log" sink.log

# --- report ----------------------------------------------------------------------------------------------------------
report="$(
  echo "Relay throughput: $MESSAGES messages to $DOMAINS domains (and $SINGLE_MESSAGES to 1 domain), size=$SIZE," \
    "$CONNECTIONS injection connections, sink answers DATA after ${DELAY} ms"
  echo "machine: $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $STARTED_AT," \
    "load average before $LOAD_BEFORE, after $LOAD_AFTER; $(postconf -d mail_version 2>/dev/null | sed 's/mail_version = /Postfix /');" \
    ".NET $(dotnet --version)"
  echo "cap = connections per destination (EmailAI MaxConnectionsPerDestination; Postfix default_destination_concurrency_limit," \
    "one transport per domain, in_flow_delay 0s); both start at min(5, cap) per destination; bound = domains x cap x 1000 / delay"
  echo
  awk '
    BEGIN {
      printf "%-8s %4s %4s %5s %10s %10s %8s %8s %7s %6s %6s %6s %6s %5s %4s %5s\n", "target", "dom", "cap", "N", "inject/s", "deliver/s",
        "e2e s", "e2e/s", "drain s", "bound", "conns", "c.max", "dommax", "deliv", "dup", "left"
    }
    {
      delete f
      for (i = 1; i <= NF; i++) { n = index($i, "="); if (n > 1) f[substr($i, 1, n - 1)] = substr($i, n + 1) }
      printf "%-8s %4s %4s %5s %10s %10s %8s %8s %7s %6s %6s %6s %6s %5s %4s %5s\n", f["target"], f["domains"], f["cap"], f["N"],
        f["inject_rate"], f["deliver_rate"], f["e2e_s"], f["e2e_rate"], f["drain_s"], f["bound"], f["sink_conns"],
        f["sink_conn_max"], f["dom_inflight_max"], f["delivered"], f["dup"], f["queue_left"]
    }' "$RESULTS"
  echo
  echo "inject/s: client-side injection rate; deliver/s: N / (last - first receipt at the sink); e2e: first injection ->"
  echo "last receipt; drain: end of injection -> last receipt; conns: sink connections opened; c.max: most at once;"
  echo "dommax: most concurrent transactions for one domain; deliv/dup: messages at the sink / duplicates by Message-ID;"
  echo "left: rows (EmailAI) or queue files (Postfix) still queued afterwards."
  if has emailai; then
    echo
    echo "EmailAI server logs:"
    cat "$LOGNOTES"
  fi
  if has postfix; then
    echo
    echo "Postfix maillog:"
    cat "$PF_NOTES"
  fi
  echo
  cat "$RESULTS"
)"
echo
echo "$report"
mkdir -p "$REPO/bench-results"
out="$REPO/bench-results/relay-$(date -u +%Y%m%dT%H%M%SZ).txt"
echo "$report" > "$out"
echo "(saved to $out)"
[ "$FAILED" -eq 0 ] || die "some configuration did not deliver every message exactly once (see the table)"
