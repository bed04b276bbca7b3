#!/usr/bin/env bash
# SMTP ingest in cluster mode next to the embedded mode, same load as run-smtp-bench.sh, figures side by side:
#   embedded      one process, SQLite (the default)
#   embedded-pg   one process, PostgreSQL (silo + gateway in one process)
#   1+1           one silo process + one gateway process, PostgreSQL
#   2+2           two silos + two gateways; the load is split over both gateways (two load processes, summed)
# PostgreSQL 15 is started from the machine's binaries in a scratch directory (as the postgres user under root).
# Environment: BENCH_CONNECTIONS [16], BENCH_MESSAGES [6000], BENCH_WARMUP [1000], BENCH_SIZE [10240].
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
C="${BENCH_CONNECTIONS:-16}"; N="${BENCH_MESSAGES:-6000}"; WARMUP="${BENCH_WARMUP:-1000}"; SIZE="${BENCH_SIZE:-10240}"
BIN="$(pg_config --bindir)"
WORK="$(mktemp -d /tmp/emailai-cluster-bench.XXXXXX)"
PG_PORT=5439
TOKEN=benchtoken
PIDS=()
RESULTS="$WORK/results.txt"

log() { echo "== $*" >&2; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true; done
  as_pg "$BIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_ready() { for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$1/readyz" >/dev/null && return 0; sleep 0.2; done; echo "node on :$1 not ready" >&2; exit 1; }
stop_nodes() { for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && { kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; } || true; done; PIDS=(); }
provision() {
  curl -sf -X PUT -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$1/api/v1/domains/example.com" -d '{"delivery":{"mode":"mailbox"}}' >/dev/null
  curl -sf -X PUT -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$1/api/v1/accounts/alice@example.com" -d '{"password":"bench-password-1"}' >/dev/null
}
load() { # label port connections messages
  dotnet "$REPO/tests/EmailAI.Bench/bin/Release/net10.0/EmailAI.Bench.dll" smtp --port "$2" --connections "$3" --messages "$4" \
    --size "$SIZE" --warmup "$WARMUP" --to alice@example.com --label "$1" 2>/dev/null | grep '^label='
}
fresh_database() { # name → connection string
  as_pg psql -h 127.0.0.1 -p "$PG_PORT" -U emailai -d postgres -qc "CREATE DATABASE $1" >/dev/null
  echo "Host=127.0.0.1;Port=$PG_PORT;Username=emailai;Database=$1;Maximum Pool Size=100"
}

log "building (Release)"
dotnet build -c Release --nologo -v q "$REPO/EmailAI.sln" >&2

log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
mkdir -p "$WORK/pg"; [ "$(id -u)" = 0 ] && chown postgres "$WORK" "$WORK/pg"
as_pg "$BIN/initdb" -D "$WORK/pg" -U emailai -A trust >/dev/null
as_pg "$BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null

COMMON=(--EmailAI:Admin:Token=$TOKEN --EmailAI:Pop3:Enabled=false --EmailAI:Smtp:MaxConnectionsPerClient=1000 --EmailAI:Cluster:AdvertisedAddress=127.0.0.1)
SERVER="$REPO/silo/EmailAI.Server/bin/Release/net10.0/EmailAI.Server.dll"
SILO="$REPO/silo/EmailAI.Silo/bin/Release/net10.0/EmailAI.Silo.dll"
GATEWAY="$REPO/gateway/EmailAI.GatewayHost/bin/Release/net10.0/EmailAI.GatewayHost.dll"

log "embedded (SQLite)"
mkdir -p "$WORK/embedded"
dotnet "$SERVER" "${COMMON[@]}" --EmailAI:DataDirectory="$WORK/embedded" --EmailAI:Smtp:Port=2601 --EmailAI:Admin:Port=8601 > "$WORK/embedded.log" 2>&1 & PIDS+=($!)
wait_ready 8601; provision 8601; load embedded 2601 "$C" "$N" >> "$RESULTS"; stop_nodes

log "embedded on PostgreSQL"
PG="--EmailAI:Storage:Provider=PostgreSql"
CS="$(fresh_database embedded_pg)"
dotnet "$SERVER" "${COMMON[@]}" $PG "--EmailAI:Storage:ConnectionString=$CS" --EmailAI:Cluster:ClusterId=e1 --EmailAI:Smtp:Port=2602 --EmailAI:Admin:Port=8602 > "$WORK/embedded-pg.log" 2>&1 & PIDS+=($!)
wait_ready 8602; provision 8602; load embedded-pg 2602 "$C" "$N" >> "$RESULTS"; stop_nodes

log "1 silo + 1 gateway"
CS="$(fresh_database one_one)"
dotnet "$SILO" "${COMMON[@]}" $PG "--EmailAI:Storage:ConnectionString=$CS" --EmailAI:Cluster:ClusterId=c11 --EmailAI:Cluster:SiloPort=11611 --EmailAI:Cluster:GatewayPort=30611 --EmailAI:Admin:Port=8611 > "$WORK/silo11.log" 2>&1 & PIDS+=($!)
wait_ready 8611
dotnet "$GATEWAY" "${COMMON[@]}" $PG "--EmailAI:Storage:ConnectionString=$CS" --EmailAI:Cluster:ClusterId=c11 --EmailAI:Smtp:Port=2611 --EmailAI:Admin:Port=8612 > "$WORK/gw11.log" 2>&1 & PIDS+=($!)
wait_ready 8612; provision 8612; load cluster-1+1 2611 "$C" "$N" >> "$RESULTS"; stop_nodes

log "2 silos + 2 gateways"
CS="$(fresh_database two_two)"
for i in 1 2; do
  dotnet "$SILO" "${COMMON[@]}" $PG "--EmailAI:Storage:ConnectionString=$CS" --EmailAI:Cluster:ClusterId=c22 --EmailAI:Cluster:SiloPort=1162$i --EmailAI:Cluster:GatewayPort=3062$i --EmailAI:Admin:Port=862$i > "$WORK/silo22-$i.log" 2>&1 & PIDS+=($!)
done
wait_ready 8621; wait_ready 8622
for i in 1 2; do
  dotnet "$GATEWAY" "${COMMON[@]}" $PG "--EmailAI:Storage:ConnectionString=$CS" --EmailAI:Cluster:ClusterId=c22 --EmailAI:Smtp:Port=262$i --EmailAI:Admin:Port=863$i > "$WORK/gw22-$i.log" 2>&1 & PIDS+=($!)
done
wait_ready 8631; wait_ready 8632; provision 8631
load cluster-2+2-gwA 2621 $((C / 2)) $((N / 2)) > "$WORK/a.txt" &
LOAD_A=$!
load cluster-2+2-gwB 2622 $((C / 2)) $((N / 2)) > "$WORK/b.txt"
wait "$LOAD_A"   # not a bare wait: the nodes are children too
cat "$WORK/a.txt" "$WORK/b.txt" >> "$RESULTS"
awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^rate=/) { sub("rate=", "", $i); s += $i } } END { printf "label=cluster-2+2 (sum of both gateways) rate=%.1f msg/s\n", s }' "$WORK/a.txt" "$WORK/b.txt" >> "$RESULTS"
stop_nodes

echo "SMTP ingest, cluster vs embedded, C=$C N=$N size=$SIZE, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
cat "$RESULTS"
mkdir -p "$REPO/bench-results"; cp "$RESULTS" "$REPO/bench-results/cluster-$(date -u +%Y%m%dT%H%M%SZ).txt"
