#!/usr/bin/env bash
# Sender authentication's cost on ingest, in one run: the embedded EmailAI with the checks off and on, and the reference
# Postfix without and with the usual Debian stack (postfix-policyd-spf-python, OpenDKIM, OpenDMARC; see postfix.sh).
#
# A local DNS server (the bench tool's `dns` command) holds the sender domain's SPF record (passes 127.0.0.1), a DKIM
# key and a DMARC policy of reject; every message carries a valid DKIM-Signature over the fields and body all messages
# share. With the checks on, each message costs an SPF evaluation, a DKIM verification (RSA-2048 and the body hash),
# a DMARC lookup and alignment, and an Authentication-Results field. DNS answers are local; EmailAI caches them for
# their TTL, as a busy resolver would, while the reference's C resolver and dnspython ask every time. After each "on"
# load one delivered message's Authentication-Results is shown (EmailAI's over POP3, Postfix's from the Maildir), so
# the figures are of checks that passed. Postfix is given time to deliver after each load (drain) so loads do not
# overlap. Prints a table, writes it to bench-results/auth-<time>.txt, and stops everything on any exit.
#
# The reference's resolvers take no port and OpenDKIM's libunbound never asks a 127/8 server, so with postfix among the
# targets the DNS server listens on BENCH_DNS_ADDRESS port 53, an address the script adds to the loopback interface
# for the run (root and iproute2 needed) and removes after.
#
# Environment (defaults in brackets):
#   BENCH_LOADS ["16:5000"]   space-separated CONNECTIONS:MESSAGES pairs
#   BENCH_SIZE [10240]  BENCH_WARMUP [500]  BENCH_TARGETS ["emailai postfix"]
#   BENCH_DNS_ADDRESS [198.18.0.53] (RFC 2544 benchmarking range)  BENCH_DRAIN_TIMEOUT [600]
#   EMAILAI_SMTP_PORT [2525]  EMAILAI_ADMIN_PORT [8089]  EMAILAI_POP3_PORT [2110]  POSTFIX_PORT [2526]
#   BENCH_READY_TIMEOUT [90]
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_DIR="$REPO/tests/EmailAI.Bench"
BENCH_DLL="$BENCH_DIR/bin/Release/net10.0/EmailAI.Bench.dll"
SERVER_PROJECT="$REPO/silo/EmailAI.Server"
SERVER_DLL="$SERVER_PROJECT/bin/Release/net10.0/EmailAI.Server.dll"
POSTFIX_SH="$BENCH_DIR/postfix.sh"
POSTFIX_MAILDIR="${POSTFIX_BENCH_DIR:-/var/tmp/emailai-bench-postfix}/mail/example.com/alice"

LOADS="${BENCH_LOADS:-16:5000}"
SIZE="${BENCH_SIZE:-10240}"
WARMUP="${BENCH_WARMUP:-500}"
TARGETS="${BENCH_TARGETS:-emailai postfix}"
DNS_ADDRESS="${BENCH_DNS_ADDRESS:-198.18.0.53}"
DRAIN_TIMEOUT="${BENCH_DRAIN_TIMEOUT:-600}"
SMTP_PORT="${EMAILAI_SMTP_PORT:-2525}"
ADMIN_PORT="${EMAILAI_ADMIN_PORT:-8089}"
POP3_PORT="${EMAILAI_POP3_PORT:-2110}"
POSTFIX_PORT="${POSTFIX_PORT:-2526}"
READY_TIMEOUT="${BENCH_READY_TIMEOUT:-90}"
TOKEN=benchtoken
ADMIN="http://127.0.0.1:$ADMIN_PORT"
PASSWORD=bench-password-1
SENDER=bench@load.example

WORK="$(mktemp -d -t emailai-auth-bench.XXXXXX)"
RESULTS="$WORK/results.txt"
DNS_PID=""
ADDED_ADDRESS=""
DELIVERED_BEFORE=0

BENCH_NAME=run-auth-bench
REFERENCE_SH="$POSTFIX_SH"
# shellcheck source=bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
trap 'rc=$?; stop_pid "$DNS_PID"; [ -z "$ADDED_ADDRESS" ] || ip addr del "$ADDED_ADDRESS/32" dev lo 2>/dev/null || true; (exit $rc); cleanup' EXIT

# run_load LABEL PORT [drain]: every load of BENCH_LOADS against one server; with "drain", waits after each load until
# Postfix has delivered it. Appends "<summary line> drain=<s|->" to $RESULTS.
run_loads() {
  local label="$1" port="$2" drain_mode="${3:-}" load connections messages line status ended delivered expected drain
  for load in $LOADS; do
    connections="${load%%:*}"
    messages="${load##*:}"
    log "$label: C=$connections N=$messages size=$SIZE"
    status=0
    line="$(dotnet "$BENCH_DLL" smtp --host 127.0.0.1 --port "$port" --messages "$messages" \
      --connections "$connections" --size "$SIZE" --from "$SENDER" --to alice@example.com \
      --label "$label" --warmup "$WARMUP" --header-file "$WORK/dns/header.txt")" || status=$?
    ended="$(now)"
    [ -n "$line" ] || die "bench tool printed no summary for $label (exit $status)"
    echo "$line" >&2
    drain="-"
    if [ "$drain_mode" = drain ]; then
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
    fi
    echo "$line drain=$drain" >> "$RESULTS"
  done
}

# The Authentication-Results fields (with their continuation lines) of a message on stdin, under a heading.
show_results() {
  echo "$1:"
  awk '/^Authentication-Results:|^Received-SPF:/ { show = 1; print; next } show && /^[ \t]/ { print; next } { show = 0 } /^\r?$/ { exit }'
}

log "building the bench tool and the server (Release)"
dotnet build -c Release --nologo -v q "$BENCH_DIR/EmailAI.Bench.csproj" >&2
if has emailai; then
  dotnet build -c Release --nologo -v q "$SERVER_PROJECT" >&2
fi
[ -f /usr/share/publicsuffix/public_suffix_list.dat ] || log "no Public Suffix List (apt-get install publicsuffix): DMARC aligns by exact domain"

dns_args=(--out "$WORK/dns" --from "$SENDER" --size "$SIZE")
if has postfix; then
  [ "$(id -u)" = 0 ] || die "the postfix target needs root (it installs packages and adds $DNS_ADDRESS to lo); set BENCH_TARGETS=emailai"
  command -v ip >/dev/null || die "the postfix target needs iproute2's ip"
  if ! ip -o addr show dev lo | grep -q " $DNS_ADDRESS/"; then
    ip addr add "$DNS_ADDRESS/32" dev lo
    ADDED_ADDRESS="$DNS_ADDRESS"
  fi
  dns_args+=(--listen "$DNS_ADDRESS:53")
fi
log "starting the local DNS zone for ${SENDER#*@}"
dotnet "$BENCH_DLL" dns "${dns_args[@]}" > "$WORK/dns.log" 2>&1 &
DNS_PID=$!
for _ in $(seq 1 150); do [ -s "$WORK/dns/port" ] && break; sleep 0.2; done
[ -s "$WORK/dns/port" ] || die "the dns command did not start: $(cat "$WORK/dns.log")"
if has postfix; then DNS_SERVER="$DNS_ADDRESS:53"; else DNS_SERVER="127.0.0.1:$(cat "$WORK/dns/port")"; fi
touch "$RESULTS" "$WORK/ar.txt"

if has emailai; then
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
      --EmailAI:Authentication:Enabled="$enabled" --EmailAI:Dns:Servers:0="$DNS_SERVER" > "$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    wait_ready
    curl -sf -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
      "$ADMIN/api/v1/domains/example.com" -d '{"name":"example.com","delivery":{"mode":"mailbox"}}' >/dev/null
    curl -sf -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
      "$ADMIN/api/v1/accounts/alice@example.com" -d "{\"address\":\"alice@example.com\",\"password\":\"$PASSWORD\"}" >/dev/null
    run_loads "emailai-$mode" "$SMTP_PORT"
    if [ "$mode" = on ]; then
      curl -sf --max-time 20 "pop3://127.0.0.1:$POP3_PORT/1" -u "alice@example.com:$PASSWORD" \
        | show_results "EmailAI, checks on, the first delivered message" >> "$WORK/ar.txt" || true
    fi
    stop_server
  done
fi

if has postfix; then
  if port_open "$POSTFIX_PORT"; then die "port $POSTFIX_PORT is already in use"; fi
  REFERENCE_STARTED=1
  "$POSTFIX_SH" clean
  log "starting Postfix without sender authentication"
  "$POSTFIX_SH" start "$POSTFIX_PORT"
  run_loads postfix-off "$POSTFIX_PORT" drain
  log "starting Postfix with policyd-spf, OpenDKIM and OpenDMARC"
  POSTFIX_AUTH_DNS="$DNS_ADDRESS" "$POSTFIX_SH" start "$POSTFIX_PORT"
  run_loads postfix-on "$POSTFIX_PORT" drain
  last="$(ls -t "$POSTFIX_MAILDIR"/new/* 2>/dev/null | head -n 1 || true)"
  [ -z "$last" ] || show_results "Postfix, milters on, the last delivered message" < "$last" >> "$WORK/ar.txt"
  "$POSTFIX_SH" stop
fi

stop_pid "$DNS_PID"
DNS_PID=""

report="$(
  echo "SMTP ingest with sender authentication off and on, size=$SIZE warmup=$WARMUP, DNS local ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ))"
  awk '
    BEGIN { printf "%-12s %4s %6s %6s %5s %9s %10s %9s %9s %7s\n", "target", "C", "N", "ok", "err", "elapsed", "msg/s", "p50", "p99", "drain" }
    {
      delete f
      for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2) f[kv[1]] = kv[2]
      printf "%-12s %4s %6s %6s %5s %9s %10s %9s %9s %7s\n", f["label"], f["C"], f["N"], f["ok"], f["err"], f["elapsed"], f["rate"], f["p50"], f["p99"], f["drain"]
    }' "$RESULTS"
  # For each load (the n-th line of each label): on/off per server, and EmailAI's rate over Postfix's with checks on.
  awk '
    { delete f; for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2) f[kv[1]] = kv[2]; n[f["label"]]++; r[f["label"], n[f["label"]]] = f["rate"]; c[n[f["label"]]] = f["C"] }
    END {
      for (i = 1; i in c; i++) {
        if (r["emailai-off", i] + 0 > 0 && ("emailai-on", i) in r) printf "ratio emailai on/off C=%s: %.2f\n", c[i], r["emailai-on", i] / r["emailai-off", i]
        if (r["postfix-off", i] + 0 > 0 && ("postfix-on", i) in r) printf "ratio postfix on/off C=%s: %.2f\n", c[i], r["postfix-on", i] / r["postfix-off", i]
        if (r["postfix-on", i] + 0 > 0 && ("emailai-on", i) in r) printf "ratio emailai-on/postfix-on C=%s: %.2f\n", c[i], r["emailai-on", i] / r["postfix-on", i]
      }
    }' "$RESULTS"
  echo
  cat "$WORK/ar.txt"
  echo
  echo "DNS queries answered during the run:"
  grep '^dns:  ' "$WORK/dns.log" || true
  echo
  cat "$RESULTS"
)"
echo
echo "$report"
mkdir -p "$REPO/bench-results"
out="$REPO/bench-results/auth-$(date -u +%Y%m%dT%H%M%SZ).txt"
echo "$report" > "$out"
echo "(saved to $out)"
