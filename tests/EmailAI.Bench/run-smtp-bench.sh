#!/usr/bin/env bash
# One-command SMTP ingest comparison: EmailAI (embedded server) vs a stock, durable Postfix on the same machine.
#
# Builds the bench tool and the server (Release), runs each load in BENCH_LOADS against EmailAI, stops it, then runs
# the same loads against a throwaway Postfix (postfix.sh), waiting after each load until Postfix has delivered
# everything into the Maildir ("drain" = seconds from the end of the load to the last delivery). Prints a table, writes
# it to bench-results/smtp-<time>.txt, and stops and removes both servers on any exit.
#
# Environment (defaults in brackets):
#   BENCH_LOADS ["1:1000 16:10000 64:10000"]   space-separated CONNECTIONS:MESSAGES pairs
#   BENCH_SIZE [10240]  BENCH_WARMUP [2000]  BENCH_TARGETS ["emailai postfix"]
#   EMAILAI_SMTP_PORT [2525]  EMAILAI_ADMIN_PORT [8089]  POSTFIX_PORT [2526]
#   BENCH_READY_TIMEOUT [90] seconds for /readyz   BENCH_DRAIN_TIMEOUT [600] seconds for Postfix delivery
#   BENCH_STARTTLS [0]  1: every connection does STARTTLS (one ECDSA P-256 certificate made with openssl, used by both)
#   BENCH_PER_CONNECTION [0]  messages per connection before QUIT and a new connection (0: keep it open)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_DIR="$REPO/tests/EmailAI.Bench"
BENCH_DLL="$BENCH_DIR/bin/Release/net10.0/EmailAI.Bench.dll"
SERVER_PROJECT="$REPO/silo/EmailAI.Server"
SERVER_DLL="$SERVER_PROJECT/bin/Release/net10.0/EmailAI.Server.dll"
POSTFIX_SH="$BENCH_DIR/postfix.sh"

LOADS="${BENCH_LOADS:-1:1000 16:10000 64:10000}"
SIZE="${BENCH_SIZE:-10240}"
WARMUP="${BENCH_WARMUP:-2000}"
TARGETS="${BENCH_TARGETS:-emailai postfix}"
SMTP_PORT="${EMAILAI_SMTP_PORT:-2525}"
ADMIN_PORT="${EMAILAI_ADMIN_PORT:-8089}"
POSTFIX_PORT="${POSTFIX_PORT:-2526}"
READY_TIMEOUT="${BENCH_READY_TIMEOUT:-90}"
DRAIN_TIMEOUT="${BENCH_DRAIN_TIMEOUT:-600}"
STARTTLS="${BENCH_STARTTLS:-0}"
PER_CONNECTION="${BENCH_PER_CONNECTION:-0}"
CLIENT_TLS=()
SERVER_TLS=()
TOKEN=benchtoken
ADMIN="http://127.0.0.1:$ADMIN_PORT"

WORK="$(mktemp -d -t emailai-smtp-bench.XXXXXX)"
RESULTS="$WORK/results.txt"   # one line per load: "<summary line> drain=<s>"
DELIVERED_BEFORE=0

BENCH_NAME=run-smtp-bench
REFERENCE_SH="$POSTFIX_SH"
# shellcheck source=bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

# Runs every load against one target; appends "<summary line> drain=<s|->" to $RESULTS.
# $1 label, $2 SMTP port, $3 "drain" to wait for Postfix delivery after each load.
run_loads() {
  local label="$1" port="$2" drain_mode="${3:-}" load connections messages line status ended delivered expected drain
  for load in $LOADS; do
    connections="${load%%:*}"
    messages="${load##*:}"
    log "$label: C=$connections N=$messages size=$SIZE"
    status=0
    line="$(dotnet "$BENCH_DLL" smtp --host 127.0.0.1 --port "$port" --messages "$messages" \
      --connections "$connections" --size "$SIZE" --from bench@load.test --to alice@example.com \
      --label "$label" --warmup "$WARMUP" --per-connection "$PER_CONNECTION" "${CLIENT_TLS[@]}")" || status=$?
    ended="$(now)"
    [ -n "$line" ] || die "bench tool printed no summary for $label C=$connections (exit $status)"
    echo "$line" >&2
    drain="-"
    if [ "$drain_mode" = drain ]; then
      # Warmup messages are delivered too; the maildir count only grows during a run.
      expected=$(( DELIVERED_BEFORE + messages + WARMUP ))
      while :; do
        delivered="$("$POSTFIX_SH" count)"
        [ "$delivered" -ge "$expected" ] && break
        if awk -v s="$ended" -v n="$(now)" -v t="$DRAIN_TIMEOUT" 'BEGIN { exit !(n - s > t) }'; then
          log "postfix: only $delivered of $expected delivered after ${DRAIN_TIMEOUT}s"
          break
        fi
        sleep 0.1
      done
      drain="$(awk -v s="$ended" -v n="$(now)" 'BEGIN { printf "%.1fs", n - s }')"
      DELIVERED_BEFORE="$delivered"
      log "postfix: $delivered in maildir, drain=$drain"
    fi
    echo "$line drain=$drain" >> "$RESULTS"
  done
}

# --- build -----------------------------------------------------------------------------------------------------------
log "building the bench tool"
dotnet build -c Release --nologo -v q "$BENCH_DIR/EmailAI.Bench.csproj" >&2
if has emailai; then
  [ -d "$SERVER_PROJECT" ] || die "missing $SERVER_PROJECT (set BENCH_TARGETS=postfix to bench Postfix alone)"
  log "building the server"
  dotnet build -c Release --nologo -v q "$SERVER_PROJECT" >&2
  [ -f "$SERVER_DLL" ] || die "build did not produce $SERVER_DLL"
fi
touch "$RESULTS"
if [ "$STARTTLS" = 1 ]; then
  log "making a certificate for bench.local (ECDSA P-256) for both servers"
  mkdir -p "$WORK/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=bench.local \
    -addext subjectAltName=DNS:bench.local -keyout "$WORK/tls/key.pem" -out "$WORK/tls/cert.pem" 2>/dev/null
  cat "$WORK/tls/key.pem" "$WORK/tls/cert.pem" > "$WORK/tls/chain.pem"
  export POSTFIX_TLS_CHAIN="$WORK/tls/chain.pem"
  CLIENT_TLS=(--starttls)
  SERVER_TLS=(--EmailAI:Tls:CertificatePath="$WORK/tls/cert.pem" --EmailAI:Tls:KeyPath="$WORK/tls/key.pem")
fi

# --- EmailAI ---------------------------------------------------------------------------------------------------------
if has emailai; then
  for port in "$SMTP_PORT" "$ADMIN_PORT"; do
    if port_open "$port"; then die "port $port is already in use"; fi
  done
  log "starting EmailAI (data in $WORK/data)"
  mkdir -p "$WORK/data"
  dotnet "$SERVER_DLL" --EmailAI:DataDirectory="$WORK/data" --EmailAI:Smtp:Port="$SMTP_PORT" --EmailAI:Submission:Enabled=false --EmailAI:Submissions:Enabled=false --EmailAI:Pop3s:Enabled=false \
    --EmailAI:Pop3:Enabled=false --EmailAI:Admin:Port="$ADMIN_PORT" --EmailAI:Admin:Token="$TOKEN" \
    --EmailAI:ServerDomain=bench.local \
    --EmailAI:Smtp:MaxConnectionsPerClient=1000 "${SERVER_TLS[@]}" > "$WORK/server.log" 2>&1 &
  # (all load comes from 127.0.0.1; the per-client cap is lifted as postfix.sh lifts Postfix's)
  SERVER_PID=$!
  wait_ready
  log "provisioning example.com and alice@example.com"
  curl -sf -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    "$ADMIN/api/v1/domains/example.com" -d '{"name":"example.com","delivery":{"mode":"mailbox"}}' >/dev/null
  curl -sf -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    "$ADMIN/api/v1/accounts/alice@example.com" -d '{"address":"alice@example.com","password":"bench-password-1"}' >/dev/null
  run_loads emailai "$SMTP_PORT"
  # Stop it before Postfix runs so the two never compete for the cores.
  log "stopping EmailAI"
  stop_server
fi

# --- Postfix ---------------------------------------------------------------------------------------------------------
if has postfix; then
  if port_open "$POSTFIX_PORT"; then die "port $POSTFIX_PORT is already in use"; fi
  REFERENCE_STARTED=1
  "$POSTFIX_SH" clean
  "$POSTFIX_SH" start "$POSTFIX_PORT"
  run_loads postfix "$POSTFIX_PORT" drain
  "$POSTFIX_SH" stop
fi

# --- report ----------------------------------------------------------------------------------------------------------
report="$(
  echo "SMTP ingest, size=$SIZE warmup=$WARMUP starttls=$STARTTLS per_connection=$PER_CONNECTION, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  awk '
    BEGIN { printf "%-10s %4s %6s %6s %5s %9s %10s %9s %9s %8s\n", "target", "C", "N", "ok", "err", "elapsed", "msg/s", "p50", "p99", "drain" }
    {
      delete f
      for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2) f[kv[1]] = kv[2]
      printf "%-10s %4s %6s %6s %5s %9s %10s %9s %9s %8s\n", f["label"], f["C"], f["N"], f["ok"], f["err"], f["elapsed"], f["rate"], f["p50"], f["p99"], f["drain"]
    }' "$RESULTS"
  # EmailAI's rate over Postfix's for each load (the n-th emailai line against the n-th postfix line).
  awk '
    { delete f; for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2) f[kv[1]] = kv[2] }
    f["label"] == "emailai" { e[++ne] = f["rate"]; c[ne] = f["C"] }
    f["label"] == "postfix" { p[++np] = f["rate"] }
    END { for (i = 1; i <= ne && i <= np; i++) if (p[i] + 0 > 0) printf "ratio emailai/postfix C=%s: %.2f\n", c[i], e[i] / p[i] }' "$RESULTS"
  echo
  cat "$RESULTS"
)"
echo
echo "$report"
mkdir -p "$REPO/bench-results"
out="$REPO/bench-results/smtp-$(date -u +%Y%m%dT%H%M%SZ).txt"
echo "$report" > "$out"
echo "(saved to $out)"
