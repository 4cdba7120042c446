#!/usr/bin/env bash
# Idle footprint of `segsync daemon` (for the README): RSS and wake-ups of an idle daemon
# (schedule every 1h, measured after its start-up run) over SECONDS_IDLE seconds, without and
# with WATCHDOG_USEC. Wake-ups = voluntary + involuntary context switches summed over every
# thread (/proc/PID/task/*/status), which counts each time a thread blocked and was woken.
#   tests/daemon_e2e/measure_idle.sh BUILD_DIR [SECONDS_IDLE (20)]
# Needs segsync and fake-wecom built in BUILD_DIR, and python3 (holds the NOTIFY_SOCKET).
set -euo pipefail
build=$(cd "$1" && pwd)
idle=${2:-20}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

"$build/fake-wecom" --port 0 --generate customers=200,members=5,seed=1 >"$work/fake.port" 2>"$work/fake.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/fake.port" ] && break; sleep 0.1; done
port=$(head -1 "$work/fake.port")
"$build/gen_export" --rows 200 --seed 1 --out "$work/export.csv" 2>/dev/null || \
  { echo "gen_export missing in $build" >&2; exit 1; }
cat >"$work/rules.yaml" <<'EOF'
tag_groups:
  - name: 会籍阶段
    exclusive: true
    segments:
      - id: member
        tag: 会员
        when: status = "Member"
      - id: learner
        tag: 学员
        when: status in [Affiliate, Member]
EOF

threads_ctxt() {  # sum of voluntary and involuntary switches over all threads of $1
  cat /proc/"$1"/task/*/status | awk '/^(non)?voluntary_ctxt_switches/ {s += $2} END {print s}'
}

measure() {  # $1: label, $2: WATCHDOG_USEC or empty
  local dir="$work/$1"
  mkdir -p "$dir"
  cat >"$dir/segsync.yaml" <<EOF
crm:
  export: $work/export.csv
mapping: $src/mapping/affiliates.yaml
rules: $work/rules.yaml
timezone: Asia/Shanghai
wecom:
  corpid: wwfakecorp0000001
  base_url: http://127.0.0.1:$port
ledger: $dir/ledger.db
schedule:
  every: 1h
metrics:
  listen: 127.0.0.1:0
EOF
  python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
while True: s.recv(4096)' "$dir/notify.sock" &
  pids+=($!)
  sleep 0.3
  local env=(SEGSYNC_WECOM_SECRET=fake-secret-do-not-use NOTIFY_SOCKET="$dir/notify.sock")
  [ -n "$2" ] && env+=(WATCHDOG_USEC="$2")
  env "${env[@]}" "$build/segsync" daemon --config "$dir/segsync.yaml" 2>"$dir/daemon.log" &
  local pid=$!
  pids+=($pid)
  for _ in $(seq 300); do grep -q "run finished" "$dir/daemon.log" && break; sleep 0.1; done
  sleep 1
  local before after threads rss
  before=$(threads_ctxt "$pid")
  sleep "$idle"
  after=$(threads_ctxt "$pid")
  threads=$(ls /proc/"$pid"/task | wc -l)
  rss=$(awk '/^VmRSS/ {print $2 " " $3}' /proc/"$pid"/status)
  echo "$1: VmRSS $rss, threads $threads, wake-ups in ${idle}s: $((after - before))" \
       "($(awk "BEGIN {printf \"%.2f\", ($after - $before) / $idle}")/s)"
  for t in /proc/"$pid"/task/*; do
    echo "    thread $(basename "$t") $(cat "$t/comm"):" \
         "$(awk '/^(non)?voluntary_ctxt_switches/ {printf "%s=%s ", $1, $2}' "$t/status")"
  done
  kill -TERM "$pid"
  wait "$pid" || true
}

measure no-watchdog ""
measure watchdog-20s 20000000
measure watchdog-2s 2000000
