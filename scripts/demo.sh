#!/usr/bin/env bash
# Fresh Debian 12 machine → dependencies, build, and the main job on the bundled example:
# a synthetic CRM export, the example mapping and rules, the fake WeCom server on 127.0.0.1,
# and a SQLite ledger in ./demo. Nothing leaves the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ROWS=${ROWS:-20000}
bash scripts/setup.sh
bash scripts/build.sh segsync fake-wecom gen_export >/dev/null
BIN="$ROOT/${BUILD_DIR:-build}"

DEMO="$ROOT/demo"
rm -rf "$DEMO" && mkdir -p "$DEMO/inbox"
"$BIN/gen_export" --rows "$ROWS" --seed 1 --out "$DEMO/inbox/affiliates.csv"

# The fake WeCom server prints its port on its first line of output.
"$BIN/fake-wecom" --port 0 --generate "customers=$ROWS,members=40,seed=1" \
  >"$DEMO/fake-wecom.port" 2>"$DEMO/fake-wecom.log" &
FAKE_PID=$!
trap 'kill $FAKE_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$DEMO/fake-wecom.port" ] && break; sleep 0.1; done
PORT=$(head -1 "$DEMO/fake-wecom.port")
# The example rules invite ready_to_convert into this customer group (docs/groups.md); in
# WeCom it exists already, the fake server needs it created.
curl -sf -X POST "http://127.0.0.1:$PORT/admin/add_group_chat" \
  -d '{"owner":"staff001","chat_id":"wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA","name":"ACCA 转会员交流群"}' >/dev/null

cat >"$DEMO/segsync.yaml" <<YAML
crm:
  export: inbox/affiliates.csv
mapping: ../mapping/affiliates.yaml
rules: ../rules/
timezone: Asia/Shanghai
wecom:
  corpid: wwfakecorp0000001
  base_url: http://127.0.0.1:$PORT
  tag_relations: all
  max_in_flight: 5
  rate_per_minute: {default: 6000, mark_tag: 60000}   # the fake server allows it; WeCom would not
ledger: ledger.db
schedule:
  every: 6h
guard:
  max_removals: 1000
  max_removal_ratio: 0.05
  max_export_shrink_ratio: 0.2
metrics:
  listen: 127.0.0.1:0
kpi:
  conversion: {field: status, from: [Affiliate], to: [Member]}
YAML
export SEGSYNC_WECOM_SECRET=fake-secret-do-not-use
S() { echo; echo "\$ segsync $*"; "$BIN/segsync" "$@" --config "$DEMO/segsync.yaml"; }

S validate
S test | tail -3
S segments
# The plan goes to a file: piping it into head would end segsync with SIGPIPE (and this
# script, under pipefail) once the plan is longer than the lines shown.
S plan --output "$DEMO/plan.txt"
head -40 "$DEMO/plan.txt"
echo "... (the whole plan: $DEMO/plan.txt)"
S sync
echo "(a second sync right after the first has nothing to do)"
S sync
S runs --last 5
S report --output "$DEMO/report.html"
echo
echo "Demo state is in $DEMO (ledger: $DEMO/ledger.db; KPI report: $DEMO/report.html)."
