#!/usr/bin/env bash
# Memory of idle TLS sessions on one gateway: starts the embedded server (Release) with its self-signed certificate and
# connection limits raised for this run, opens BENCH_SESSIONS SMTP sessions that each do EHLO, STARTTLS, EHLO and then
# stay idle, and prints the server's RSS before and with all sessions open (VmRSS from /proc), and per session.
#
# Environment (defaults in brackets): BENCH_SESSIONS [10000]  BENCH_PARALLEL [32] handshakes at once
#   EMAILAI_SMTP_PORT [2525]  EMAILAI_ADMIN_PORT [8089]  BENCH_READY_TIMEOUT [90]
# Needs `ulimit -n` above the session count for both processes (the script raises it to the hard limit).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_DIR="$REPO/tests/EmailAI.Bench"
BENCH_DLL="$BENCH_DIR/bin/Release/net10.0/EmailAI.Bench.dll"
SERVER_PROJECT="$REPO/silo/EmailAI.Server"
SERVER_DLL="$SERVER_PROJECT/bin/Release/net10.0/EmailAI.Server.dll"
SESSIONS="${BENCH_SESSIONS:-10000}"
PARALLEL="${BENCH_PARALLEL:-32}"
SMTP_PORT="${EMAILAI_SMTP_PORT:-2525}"
ADMIN_PORT="${EMAILAI_ADMIN_PORT:-8089}"
READY_TIMEOUT="${BENCH_READY_TIMEOUT:-90}"
ADMIN="http://127.0.0.1:$ADMIN_PORT"
WORK="$(mktemp -d -t emailai-tls-idle.XXXXXX)"
BENCH_NAME=run-tls-idle-bench
TARGETS=emailai
REFERENCE_SH=true
# shellcheck source=bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -gt $((SESSIONS + 500)) ] || die "ulimit -n is $(ulimit -n); $SESSIONS sessions need more"

log "building the bench tool and the server"
dotnet build -c Release --nologo -v q "$BENCH_DIR/EmailAI.Bench.csproj" >&2
dotnet build -c Release --nologo -v q "$SERVER_PROJECT" >&2
for port in "$SMTP_PORT" "$ADMIN_PORT"; do
  if port_open "$port"; then die "port $port is already in use"; fi
done

run_idle() {
  log "starting EmailAI (data in $WORK/data)"
  mkdir -p "$WORK/data"
  dotnet "$SERVER_DLL" --EmailAI:DataDirectory="$WORK/data" --EmailAI:Smtp:Port="$SMTP_PORT" \
    --EmailAI:Pop3:Enabled=false --EmailAI:Submission:Enabled=false --EmailAI:Submissions:Enabled=false --EmailAI:Pop3s:Enabled=false \
    --EmailAI:Admin:Port="$ADMIN_PORT" --EmailAI:Admin:Token=benchtoken --EmailAI:ServerDomain=bench.local \
    --EmailAI:Smtp:MaxConnections="$limit" --EmailAI:Smtp:MaxConnectionsPerClient="$limit" \
    --Logging:LogLevel:Default=Warning > "$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_ready
  log "opening $SESSIONS idle sessions $*"
  dotnet "$BENCH_DLL" idle-tls --port "$SMTP_PORT" --sessions "$SESSIONS" --parallel "$PARALLEL" --hold 5 --server-pid "$SERVER_PID" "$@"
  stop_server
}

limit=$((SESSIONS + 100))
tls="$(run_idle)"
plain="$(run_idle --plain)"
echo
echo "$tls"
echo "$plain"
echo "(server $(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ))"
