#!/usr/bin/env bash
# RCPT decisions per second, before and after a change, in one run: the embedded server built from BENCH_BASE (a git
# revision, default the commit before the silo-side session policy) and from this working tree each get the same
# load: messages of 100 recipients from an authorised client (127.0.0.1 on the Authorised IP list), one RCPT at a
# time, no DATA (MAIL, 100 x RCPT, RSET), once with relayed recipients (r1..r100@far.example) and once with local
# ones (u1..u100@example.com, 100 accounts). Prints recipients per second, the per-RCPT latency, and the server's
# CPU time per RCPT (from /proc, so it holds even when something else shares the cores).
#
# Environment (defaults in brackets):
#   BENCH_BASE [0bae3b3]  BENCH_MESSAGES [300]  BENCH_CONNECTIONS [16]  BENCH_WARMUP [30]
#   EMAILAI_SMTP_PORT [2525]  EMAILAI_ADMIN_PORT [8089]  BENCH_READY_TIMEOUT [90]
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_DIR="$REPO/tests/EmailAI.Bench"
BENCH_DLL="$BENCH_DIR/bin/Release/net10.0/EmailAI.Bench.dll"
BASE="${BENCH_BASE:-0bae3b3}"
MESSAGES="${BENCH_MESSAGES:-300}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"
WARMUP="${BENCH_WARMUP:-30}"
SMTP_PORT="${EMAILAI_SMTP_PORT:-2525}"
ADMIN_PORT="${EMAILAI_ADMIN_PORT:-8089}"
READY_TIMEOUT="${BENCH_READY_TIMEOUT:-90}"
TOKEN=benchtoken
ADMIN="http://127.0.0.1:$ADMIN_PORT"

WORK="$(mktemp -d -t emailai-rcpt-bench.XXXXXX)"
RESULTS="$WORK/results.txt"
BENCH_NAME=run-rcpt-bench
TARGETS="before after"
REFERENCE_SH=true
# shellcheck source=bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
trap 'git -C "$REPO" worktree remove --force "$WORK/base" >/dev/null 2>&1 || true; cleanup' EXIT

TICK="$(getconf CLK_TCK)"
# CPU time (user + system) of a process in clock ticks.
ticks_of() { local f; f=($(sed 's/^.*) //' "/proc/$1/stat")); echo $(( f[11] + f[12] )); }

api() { curl -sf -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$ADMIN$1" -d "$2" >/dev/null; }

log "building the bench tool and this tree's server"
dotnet build -c Release --nologo -v q "$BENCH_DIR/EmailAI.Bench.csproj" >&2
dotnet build -c Release --nologo -v q "$REPO/silo/EmailAI.Server" >&2
log "building the server at $BASE"
git -C "$REPO" worktree add --detach "$WORK/base" "$BASE" >&2
dotnet build -c Release --nologo -v q "$WORK/base/silo/EmailAI.Server" >&2

# run_target LABEL SERVER_DLL
run_target() {
  local label="$1" dll="$2" kind to line
  for port in "$SMTP_PORT" "$ADMIN_PORT"; do
    if port_open "$port"; then die "port $port is already in use"; fi
  done
  rm -rf "$WORK/data" && mkdir -p "$WORK/data"
  dotnet "$dll" --EmailAI:DataDirectory="$WORK/data" --EmailAI:Smtp:Port="$SMTP_PORT" --EmailAI:Submission:Enabled=false --EmailAI:Submissions:Enabled=false --EmailAI:Pop3s:Enabled=false \
    --EmailAI:Pop3:Enabled=false --EmailAI:Admin:Port="$ADMIN_PORT" --EmailAI:Admin:Token="$TOKEN" \
    --EmailAI:ServerDomain=bench.local --EmailAI:Smtp:MaxConnectionsPerClient=1000 \
    --EmailAI:Smtp:MaxErrors=1000 > "$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_ready
  log "$label: provisioning example.com, u1..u100@example.com and the Authorised IP 127.0.0.1"
  api /api/v1/domains/example.com '{"name":"example.com","delivery":{"mode":"mailbox"}}'
  for i in $(seq 1 100); do
    api "/api/v1/accounts/u$i@example.com" "{\"address\":\"u$i@example.com\",\"password\":\"bench-password-$i\"}"
  done
  api /api/v1/relay '{"authorisedIps":["127.0.0.1"]}'
  for kind in relayed local; do
    if [ "$kind" = relayed ]; then to='r{r}@far.example'; else to='u{r}@example.com'; fi
    log "$label: $kind, C=$CONNECTIONS N=$MESSAGES x 100 recipients"
    local before_ticks after_ticks
    # The warm-up runs in its own invocation first, so the CPU figure covers the measured messages only.
    dotnet "$BENCH_DLL" smtp --host 127.0.0.1 --port "$SMTP_PORT" --messages "$WARMUP" --connections "$CONNECTIONS" \
      --recipients 100 --rcpt-only --from app@inside.test --to "$to" --warmup 0 >/dev/null
    before_ticks="$(ticks_of "$SERVER_PID")"
    line="$(dotnet "$BENCH_DLL" smtp --host 127.0.0.1 --port "$SMTP_PORT" --messages "$MESSAGES" \
      --connections "$CONNECTIONS" --recipients 100 --rcpt-only --from app@inside.test --to "$to" \
      --label "$label-$kind" --warmup 0)" || die "$label $kind: the bench tool failed: $line"
    after_ticks="$(ticks_of "$SERVER_PID")"
    line="$line cpu_per_rcpt=$(awk -v t=$(( after_ticks - before_ticks )) -v hz="$TICK" -v n=$(( MESSAGES * 100 )) 'BEGIN { printf "%.1fus", t / hz / n * 1e6 }')"
    echo "$line" >&2
    echo "$line" >> "$RESULTS"
  done
  stop_server
}

run_target before "$WORK/base/silo/EmailAI.Server/bin/Release/net10.0/EmailAI.Server.dll"
run_target after "$REPO/silo/EmailAI.Server/bin/Release/net10.0/EmailAI.Server.dll"

echo
echo "RCPT decisions, 100 recipients a message, C=$CONNECTIONS, $(nproc) cores, base $BASE, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
awk '
  BEGIN { printf "%-16s %8s %12s %14s %14s %14s\n", "target", "err", "rcpt/s", "p50 per RCPT", "p99 per RCPT", "server CPU" }
  {
    delete f
    for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2) f[kv[1]] = kv[2]
    printf "%-16s %8s %12s %14s %14s %14s\n", f["label"], f["err"], f["rcpt_rate"], f["p50"], f["p99"], f["cpu_per_rcpt"]
  }' "$RESULTS"
