#!/usr/bin/env bash
# Sender authentication's cost on ingest: the embedded server with the checks off, then on, in one run.
#
# A local DNS zone (the bench tool's `dns` command) holds the sender domain's SPF record (passes 127.0.0.1), a DKIM key
# and a DMARC policy of reject; every message carries a valid DKIM-Signature over the fields and body all messages
# share. With the checks on, each message costs an SPF evaluation, a DKIM verification (RSA-2048 and the body hash),
# a DMARC lookup and alignment, and the Authentication-Results field. DNS answers are local and cached for their TTL,
# as a busy resolver's would be. After the "on" run one delivered message is fetched over POP3 and its
# Authentication-Results shown, so the figures are of checks that passed. Prints a table, writes it to
# bench-results/auth-<time>.txt, and stops everything on any exit.
#
# Environment (defaults in brackets):
#   BENCH_LOADS ["16:5000"]   space-separated CONNECTIONS:MESSAGES pairs
#   BENCH_SIZE [10240]  BENCH_WARMUP [500]
#   EMAILAI_SMTP_PORT [2525]  EMAILAI_ADMIN_PORT [8089]  EMAILAI_POP3_PORT [2110]  BENCH_READY_TIMEOUT [90]
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_DIR="$REPO/tests/EmailAI.Bench"
BENCH_DLL="$BENCH_DIR/bin/Release/net10.0/EmailAI.Bench.dll"
SERVER_PROJECT="$REPO/silo/EmailAI.Server"
SERVER_DLL="$SERVER_PROJECT/bin/Release/net10.0/EmailAI.Server.dll"

LOADS="${BENCH_LOADS:-16:5000}"
SIZE="${BENCH_SIZE:-10240}"
WARMUP="${BENCH_WARMUP:-500}"
SMTP_PORT="${EMAILAI_SMTP_PORT:-2525}"
ADMIN_PORT="${EMAILAI_ADMIN_PORT:-8089}"
POP3_PORT="${EMAILAI_POP3_PORT:-2110}"
READY_TIMEOUT="${BENCH_READY_TIMEOUT:-90}"
TARGETS="emailai"
TOKEN=benchtoken
ADMIN="http://127.0.0.1:$ADMIN_PORT"
PASSWORD=bench-password-1

WORK="$(mktemp -d -t emailai-auth-bench.XXXXXX)"
RESULTS="$WORK/results.txt"
DNS_PID=""

BENCH_NAME=run-auth-bench
REFERENCE_SH=true
# shellcheck source=bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
trap 'rc=$?; stop_pid "$DNS_PID"; (exit $rc); cleanup' EXIT

log "building the bench tool and the server (Release)"
dotnet build -c Release --nologo -v q "$BENCH_DIR/EmailAI.Bench.csproj" >&2
dotnet build -c Release --nologo -v q "$SERVER_PROJECT" >&2
[ -f /usr/share/publicsuffix/public_suffix_list.dat ] || log "no Public Suffix List (apt-get install publicsuffix): DMARC aligns by exact domain"

log "starting the local DNS zone for load.test"
dotnet "$BENCH_DLL" dns --out "$WORK/dns" --size "$SIZE" > "$WORK/dns.log" 2>&1 &
DNS_PID=$!
for _ in $(seq 1 150); do [ -s "$WORK/dns/port" ] && break; sleep 0.2; done
[ -s "$WORK/dns/port" ] || die "the dns command did not start: $(cat "$WORK/dns.log")"
DNS_PORT="$(cat "$WORK/dns/port")"
touch "$RESULTS"

for mode in off on; do
  for port in "$SMTP_PORT" "$ADMIN_PORT" "$POP3_PORT"; do
    if port_open "$port"; then die "port $port is already in use"; fi
  done
  enabled=false; [ "$mode" = on ] && enabled=true
  log "starting EmailAI with sender authentication $mode"
  rm -rf "$WORK/data"; mkdir -p "$WORK/data"
  dotnet "$SERVER_DLL" --EmailAI:DataDirectory="$WORK/data" --EmailAI:Smtp:Port="$SMTP_PORT" \
    --EmailAI:Submission:Enabled=false --EmailAI:Submissions:Enabled=false --EmailAI:Pop3s:Enabled=false \
    --EmailAI:Pop3:Port="$POP3_PORT" --EmailAI:Pop3:ListenAddress=127.0.0.1 --EmailAI:Pop3:AllowInsecureAuth=true \
    --EmailAI:Admin:Port="$ADMIN_PORT" --EmailAI:Admin:Token="$TOKEN" --EmailAI:ServerDomain=bench.local \
    --EmailAI:Smtp:MaxConnectionsPerClient=1000 \
    --EmailAI:Authentication:Enabled="$enabled" --EmailAI:Dns:Servers:0="127.0.0.1:$DNS_PORT" > "$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_ready
  curl -sf -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    "$ADMIN/api/v1/domains/example.com" -d '{"name":"example.com","delivery":{"mode":"mailbox"}}' >/dev/null
  curl -sf -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    "$ADMIN/api/v1/accounts/alice@example.com" -d "{\"address\":\"alice@example.com\",\"password\":\"$PASSWORD\"}" >/dev/null
  for load in $LOADS; do
    connections="${load%%:*}"
    messages="${load##*:}"
    log "checks $mode: C=$connections N=$messages size=$SIZE"
    status=0
    line="$(dotnet "$BENCH_DLL" smtp --host 127.0.0.1 --port "$SMTP_PORT" --messages "$messages" \
      --connections "$connections" --size "$SIZE" --from bench@load.test --to alice@example.com \
      --label "checks-$mode" --warmup "$WARMUP" --header-file "$WORK/dns/header.txt")" || status=$?
    [ -n "$line" ] || die "bench tool printed no summary for checks $mode (exit $status)"
    echo "$line" >&2
    echo "$line" >> "$RESULTS"
  done
  if [ "$mode" = on ]; then
    log "the Authentication-Results of the first delivered message"
    curl -sf --max-time 20 "pop3://127.0.0.1:$POP3_PORT/1" -u "alice@example.com:$PASSWORD" \
      | awk '/^Authentication-Results:/ { show = 1; print; next } show && /^[ \t]/ { print; next } { show = 0 }' > "$WORK/ar.txt" || true
    cat "$WORK/ar.txt" >&2
  fi
  stop_server
done

report="$(
  echo "SMTP ingest with sender authentication off and on, size=$SIZE warmup=$WARMUP, DNS local ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ))"
  awk '
    BEGIN { printf "%-11s %4s %6s %6s %5s %9s %10s %9s %9s\n", "target", "C", "N", "ok", "err", "elapsed", "msg/s", "p50", "p99" }
    {
      delete f
      for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2) f[kv[1]] = kv[2]
      printf "%-11s %4s %6s %6s %5s %9s %10s %9s %9s\n", f["label"], f["C"], f["N"], f["ok"], f["err"], f["elapsed"], f["rate"], f["p50"], f["p99"]
    }' "$RESULTS"
  awk '
    { delete f; for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2) f[kv[1]] = kv[2] }
    f["label"] == "checks-off" { off[++n0] = f["rate"]; c[n0] = f["C"] }
    f["label"] == "checks-on" { on[++n1] = f["rate"] }
    END { for (i = 1; i <= n0 && i <= n1; i++) if (off[i] + 0 > 0) printf "ratio on/off C=%s: %.2f\n", c[i], on[i] / off[i] }' "$RESULTS"
  echo "stored with the checks on:"
  cat "$WORK/ar.txt"
  echo
  cat "$RESULTS"
)"
echo
echo "$report"
mkdir -p "$REPO/bench-results"
out="$REPO/bench-results/auth-$(date -u +%Y%m%dT%H%M%SZ).txt"
echo "$report" > "$out"
echo "(saved to $out)"
