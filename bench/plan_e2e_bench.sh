#!/usr/bin/env bash
# `segsync plan` end to end at scale (issue 4's benchmark): N profiles in the export, the fake
# WeCom server holding 1.25 relationships per profile (generated to join the export), a ledger
# holding the previous run, then an export with one profile in 20 changed (Status and City).
# Measures the plan's wall time, CPU and peak RSS, the fake server's CPU for the same pages,
# and, as the plain alternative, a standard-library Python script that only reads the same
# relationships (bench/read_relationships.py).
#
# usage: bench/plan_e2e_bench.sh [PROFILES=1000000] [BUILD_DIR=build]
# WORK (default /tmp/segsync-plan-bench-PROFILES) is kept between runs: the first run makes the
# full first sync (about 20 minutes at 1M: one mark_tag per relationship at the configured
# rate) and saves the fake server's state; later runs reuse it and take about a minute.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PROFILES=${1:-1000000}
BIN=$(cd "${2:-$ROOT/build}" && pwd)
MEMBERS=$(( PROFILES / 5000 > 0 ? PROFILES / 5000 : 1 ))
WORK=${WORK:-/tmp/segsync-plan-bench-$PROFILES}
mkdir -p "$WORK/inbox"
cd "$WORK"
export SEGSYNC_WECOM_SECRET=fake-secret-do-not-use

[ -s inbox/affiliates.csv ] || "$BIN/gen_export" --rows "$PROFILES" --seed 1 --out inbox/affiliates.csv
[ -s changed.csv ] || python3 "$ROOT/bench/change_export.py" inbox/affiliates.csv changed.csv 20

# The first run generates the WeCom side and keeps it (written when the server stops).
if [ -s state.json ] && [ -s ledger.db ]; then
  FAKE_ARGS=(--state state.json)
  NEED_SYNC=0
else
  rm -f state.json ledger.db ledger.db-wal ledger.db-shm
  FAKE_ARGS=(--generate "customers=$PROFILES,members=$MEMBERS,seed=1" --dump-state-on-exit state.json)
  NEED_SYNC=1
fi
"$BIN/fake-wecom" --port 0 --threads 2 "${FAKE_ARGS[@]}" >fake.port 2>fake.log &
FAKE_PID=$!
trap 'kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null || true' EXIT
for _ in $(seq 1200); do [ -s fake.port ] && break; sleep 0.1; done
PORT=$(head -1 fake.port)
# The example rules invite ready_to_convert into this group chat (as scripts/demo.sh does).
[ "$NEED_SYNC" = 0 ] || curl -sf -X POST "http://127.0.0.1:$PORT/admin/add_group_chat" \
  -d '{"owner":"staff001","chat_id":"wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA","name":"ACCA 转会员交流群"}' >/dev/null

cat >segsync.yaml <<YAML
crm:
  export: inbox/affiliates.csv
mapping: $ROOT/mapping/affiliates.yaml
rules: $ROOT/rules/
timezone: Asia/Shanghai
wecom:
  corpid: wwfakecorp0000001
  base_url: http://127.0.0.1:$PORT
  tag_relations: all
  max_in_flight: 8
  rate_per_minute: {default: 100000, mark_tag: 100000}   # the fake server allows it
ledger: ledger.db
guard:
  max_removals: 10000000
  max_removal_ratio: 1
  max_export_shrink_ratio: 0.9
  max_invitations: 10000000
YAML

if [ "$NEED_SYNC" = 1 ]; then
  echo "first sync of $PROFILES profiles (once; kept in $WORK)..." >&2
  /usr/bin/time -f "first sync: %e s wall, %M KB peak" "$BIN/segsync" sync --config segsync.yaml >sync.out 2>sync.log || {
    tail -5 sync.log >&2; exit 1; }
  tail -1 sync.log >&2
  cat sync.out >&2
fi

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK=$(getconf CLK_TCK)
before=$(cpu_ticks "$FAKE_PID")
/usr/bin/time -f "%e %U %S %M" -o plan.time "$BIN/segsync" plan --config segsync.yaml --export changed.csv \
  --output plan.txt 2>plan.log
after=$(cpu_ticks "$FAKE_PID")
read -r wall user sys rss <plan.time
fake_cpu=$(awk -v a="$after" -v b="$before" -v t="$TICK" 'BEGIN{printf "%.1f", (a-b)/t}')
echo "segsync plan, $PROFILES profiles, 1 in 20 changed: ${wall} s wall, $(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.1f", u+s}') s CPU, $(( rss / 1024 )) MB peak RSS; fake server: ${fake_cpu} s CPU"
grep -E "^Plan |^  relations |^  api calls " plan.txt || true

before=$(cpu_ticks "$FAKE_PID")
python_line=$(python3 "$ROOT/bench/read_relationships.py" "http://127.0.0.1:$PORT" wwfakecorp0000001 "$SEGSYNC_WECOM_SECRET")
after=$(cpu_ticks "$FAKE_PID")
echo "plain Python read only: $python_line; fake server: $(awk -v a="$after" -v b="$before" -v t="$TICK" 'BEGIN{printf "%.1f", (a-b)/t}') s CPU"
