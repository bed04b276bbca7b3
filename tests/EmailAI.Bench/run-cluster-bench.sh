#!/usr/bin/env bash
# SMTP ingest in cluster mode next to the embedded mode, same load as run-smtp-bench.sh, figures side by side:
#   embedded      one process, SQLite (the default)
#   embedded-pg   one process, PostgreSQL (silo + gateway in one process)
#   1+1           one silo process + one gateway process, PostgreSQL
#   2+2           two silos + two gateways; the load is split over both gateways (two load processes, summed)
# PostgreSQL 15 is started from the machine's binaries in a scratch directory (as the postgres user under root).
# Where the time goes: for each setup the CPU time each kind of process used during the load (EmailAI nodes,
# PostgreSQL, the load generator) is printed per message, in microseconds; with BENCH_PROFILE=1 the 1+1 run is
# also sampled with perf and the hottest symbols of the silo and the gateway are printed.
# Environment: BENCH_CONNECTIONS [16], BENCH_MESSAGES [6000], BENCH_WARMUP [1000], BENCH_SIZE [10240], BENCH_PROFILE [0].
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

# CPU time in clock ticks: the given processes, or every PostgreSQL process (plus what the postmaster reaped).
TICK="$(getconf CLK_TCK)"
ticks_of() { local t=0 pid f; for pid in "$@"; do f=($(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null)) || continue; t=$((t + f[11] + f[12])); done; echo "$t"; }
postgres_ticks() {
  local master; master="$(head -1 "$WORK/pg/postmaster.pid")"
  local f; f=($(sed 's/^.*) //' "/proc/$master/stat")); echo $(( $(ticks_of $(pgrep -u postgres -f "postgres")) + f[13] + f[14] ))
}
# cpu_begin, then cpu_end LABEL MESSAGES after a load: appends the CPU each kind of process spent per message.
# The load generator is a child of this shell, so its time shows in this shell's reaped-children time.
self_ticks() { awk '{print $14+$15+$16+$17}' /proc/$$/stat; }
cpu_begin() { NODES0="$(ticks_of "${PIDS[@]}")"; PG0="$(postgres_ticks)"; LOAD0="$(self_ticks)"; }
cpu_end() {
  local n=$(( $(ticks_of "${PIDS[@]}") - NODES0 )) p=$(( $(postgres_ticks) - PG0 )) g=$(( $(self_ticks) - LOAD0 )) m=$(( $2 + WARMUP ))
  awk -v l="$1" -v n="$n" -v p="$p" -v g="$g" -v m="$m" -v hz="$TICK" \
    'BEGIN { f = 1e6 / hz / m; printf "cpu=%s emailai=%.0fus postgres=%.0fus load-generator=%.0fus total=%.0fus per message (%d messages incl. warm-up)\n", l, n*f, p*f, g*f, (n+p+g)*f, m }' >> "$RESULTS"
}
measured() { cpu_begin; load "$@" >> "$RESULTS"; cpu_end "$1" "$4"; }
fresh_database() { # name → connection string
  as_pg psql -h 127.0.0.1 -p "$PG_PORT" -U emailai -d postgres -qc "CREATE DATABASE $1" >/dev/null
  echo "Host=127.0.0.1;Port=$PG_PORT;Username=emailai;Database=$1;Maximum Pool Size=100"
}

log "building (Release)"
for project in tests/EmailAI.Bench silo/EmailAI.Server silo/EmailAI.Silo gateway/EmailAI.GatewayHost; do dotnet build -c Release --nologo -v q "$REPO/$project" >&2; done

log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
mkdir -p "$WORK/pg"; [ "$(id -u)" = 0 ] && chown postgres "$WORK" "$WORK/pg"
as_pg "$BIN/initdb" -D "$WORK/pg" -U emailai -A trust >/dev/null
as_pg "$BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null

COMMON=(--EmailAI:Admin:Token=$TOKEN --EmailAI:Pop3:Enabled=false --EmailAI:Submission:Enabled=false --EmailAI:Submissions:Enabled=false --EmailAI:Pop3s:Enabled=false --EmailAI:Smtp:MaxConnectionsPerClient=1000 --EmailAI:Cluster:AdvertisedAddress=127.0.0.1)
SERVER="$REPO/silo/EmailAI.Server/bin/Release/net10.0/EmailAI.Server.dll"
SILO="$REPO/silo/EmailAI.Silo/bin/Release/net10.0/EmailAI.Silo.dll"
GATEWAY="$REPO/gateway/EmailAI.GatewayHost/bin/Release/net10.0/EmailAI.GatewayHost.dll"

log "embedded (SQLite)"
mkdir -p "$WORK/embedded"
dotnet "$SERVER" "${COMMON[@]}" --EmailAI:DataDirectory="$WORK/embedded" --EmailAI:Smtp:Port=2601 --EmailAI:Admin:Port=8601 > "$WORK/embedded.log" 2>&1 & PIDS+=($!)
wait_ready 8601; provision 8601; measured embedded 2601 "$C" "$N"; stop_nodes

log "embedded on PostgreSQL"
PG="--EmailAI:Storage:Provider=PostgreSql"
CS="$(fresh_database embedded_pg)"
dotnet "$SERVER" "${COMMON[@]}" $PG "--EmailAI:Storage:ConnectionString=$CS" --EmailAI:Cluster:ClusterId=e1 --EmailAI:Smtp:Port=2602 --EmailAI:Admin:Port=8602 > "$WORK/embedded-pg.log" 2>&1 & PIDS+=($!)
wait_ready 8602; provision 8602; measured embedded-pg 2602 "$C" "$N"; stop_nodes

log "1 silo + 1 gateway"
# perf resolves JIT-compiled .NET frames through the runtime's perf map files (which need W^X off).
[ "${BENCH_PROFILE:-0}" = 1 ] && export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
CS="$(fresh_database one_one)"
dotnet "$SILO" "${COMMON[@]}" $PG "--EmailAI:Storage:ConnectionString=$CS" --EmailAI:Cluster:ClusterId=c11 --EmailAI:Cluster:SiloPort=11611 --EmailAI:Cluster:GatewayPort=30611 --EmailAI:Admin:Port=8611 > "$WORK/silo11.log" 2>&1 & PIDS+=($!)
wait_ready 8611
dotnet "$GATEWAY" "${COMMON[@]}" $PG "--EmailAI:Storage:ConnectionString=$CS" --EmailAI:Cluster:ClusterId=c11 --EmailAI:Smtp:Port=2611 --EmailAI:Admin:Port=8612 > "$WORK/gw11.log" 2>&1 & PIDS+=($!)
wait_ready 8612; provision 8612
measured cluster-1+1 2611 "$C" "$N"
if [ "${BENCH_PROFILE:-0}" = 1 ]; then
  # Profiled on a second run, after the measured one has warmed the JIT up.
  perf record -F 999 -p "${PIDS[0]},${PIDS[1]}" -o "$WORK/perf.data" >/dev/null 2>&1 & PERF=$!
  sleep 1
  load cluster-1+1-profiled 2611 "$C" "$N" >/dev/null
fi
if [ -n "${PERF:-}" ]; then
  kill -INT "$PERF"; wait "$PERF" || true
  for role in silo:0 gateway:1; do
    pid="${PIDS[${role#*:}]}"
    for view in dso sym; do
      echo "--- profile: ${role%%:*} (pid $pid), share of its CPU samples by $view ---" >> "$WORK/profile.txt"
      perf report -i "$WORK/perf.data" --pid "$pid" -g none --percentage relative --sort "$view" --stdio 2>/dev/null \
        | grep -E '^ +[0-9]' | head -20 >> "$WORK/profile.txt" || true
    done
  done
fi
unset DOTNET_PerfMapEnabled DOTNET_EnableWriteXorExecute
stop_nodes

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
cpu_begin
load cluster-2+2-gwA 2621 $((C / 2)) $((N / 2)) > "$WORK/a.txt" &
LOAD_A=$!
load cluster-2+2-gwB 2622 $((C / 2)) $((N / 2)) > "$WORK/b.txt"
wait "$LOAD_A"   # not a bare wait: the nodes are children too
cpu_end cluster-2+2 $((N / 2 * 2 + WARMUP))
cat "$WORK/a.txt" "$WORK/b.txt" >> "$RESULTS"
awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^rate=/) { sub("rate=", "", $i); s += $i } } END { printf "label=cluster-2+2 (sum of both gateways) rate=%.1f msg/s\n", s }' "$WORK/a.txt" "$WORK/b.txt" >> "$RESULTS"
stop_nodes

echo "SMTP ingest, cluster vs embedded, C=$C N=$N size=$SIZE, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
[ -s "$WORK/profile.txt" ] && cat "$WORK/profile.txt" >> "$RESULTS"
cat "$RESULTS"
mkdir -p "$REPO/bench-results"; cp "$RESULTS" "$REPO/bench-results/cluster-$(date -u +%Y%m%dT%H%M%SZ).txt"
