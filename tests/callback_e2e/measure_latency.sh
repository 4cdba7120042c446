#!/usr/bin/env bash
# Measures the callback path at scale (issue 9): a 20,000-row export, 20,000 customers in
# fake-wecom, the example mapping and rules, `segsync daemon` with a callback listener. After
# the start-up run, new relationships are added with a contact-me state; fake-wecom POSTs the
# encrypted add_external_contact; the script times "relationship added" -> "its tags are
# applied and recorded" (the daemon's "callback event handled" log line) as seen from outside,
# and the daemon's own figure (segsync_callback_last_latency_seconds). The first event evaluates the export (cold), the
# next ones reuse it (warm).
#   usage: tests/callback_e2e/measure_latency.sh [BUILD_DIR] [ROWS]
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$(cd "${1:-$SRC/build-daemon}" && pwd)
ROWS=${2:-20000}
DIR=$(mktemp -d)
trap 'kill $DAEMON_PID $FAKE_PID 2>/dev/null || true; rm -rf "$DIR"' EXIT

"$BIN/gen_export" --rows "$ROWS" --seed 1 --out "$DIR/affiliates.csv"
"$BIN/fake-wecom" --port 0 --generate "customers=$ROWS,members=40,seed=1" >"$DIR/fake.port" 2>"$DIR/fake.log" </dev/null &
FAKE_PID=$!
for _ in $(seq 100); do [ -s "$DIR/fake.port" ] && break; sleep 0.1; done
FAKE=$(head -1 "$DIR/fake.port")
printf 'QDG6eK9token' >"$DIR/token"
printf 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' >"$DIR/aes-key"
chmod 600 "$DIR/token" "$DIR/aes-key"
cat >"$DIR/segsync.yaml" <<YAML
crm:
  export: affiliates.csv
mapping: $SRC/mapping/affiliates.yaml
rules: $SRC/rules/
timezone: Asia/Shanghai
wecom:
  corpid: wwfakecorp0000001
  base_url: http://127.0.0.1:$FAKE
  rate_per_minute: {default: 6000, mark_tag: 60000}
ledger: ledger.db
schedule:
  every: 6h
guard:
  max_removals: 100000
  max_removal_ratio: 1.0
metrics:
  listen: 127.0.0.1:0
callback:
  listen: 127.0.0.1:0
  path: /wecom/callback
  token_file: token
  encoding_aes_key_file: aes-key
YAML
(cd "$DIR" && SEGSYNC_WECOM_SECRET=fake-secret-do-not-use exec "$BIN/segsync" daemon --config segsync.yaml 2>"$DIR/daemon.log" >/dev/null) &
DAEMON_PID=$!
until grep -q "run finished" "$DIR/daemon.log" 2>/dev/null; do
  kill -0 $DAEMON_PID 2>/dev/null || { cat "$DIR/daemon.log"; exit 1; }
  sleep 0.5
done
grep "run finished" "$DIR/daemon.log" | sed 's/^/start-up run: /' | cut -c1-200
CB=$(grep "callback listener listening" "$DIR/daemon.log" | sed 's/.* port=\([0-9]*\).*/\1/')
METRICS=$(grep "metrics server listening" "$DIR/daemon.log" | sed 's/.* port=\([0-9]*\).*/\1/')
curl -s -X POST "http://127.0.0.1:$FAKE/admin/callback" \
  -d "{\"url\":\"http://127.0.0.1:$CB/wecom/callback\",\"token\":\"QDG6eK9token\",\"encoding_aes_key\":\"jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C\"}" >/dev/null
# Profiles i % 10 == 9 have no identity key in WeCom: a new relationship with their ContactID
# as contact-me state is what a QR scan at an event looks like.
for i in 9 19 29 39 49; do
  ID=$(printf 'C%07d' $((1000000 + i)))
  N=$(grep -c "callback event handled" "$DIR/daemon.log" || true)
  T0=$(date +%s%N)
  curl -s -X POST "http://127.0.0.1:$FAKE/admin/add_relationship" \
    -d "{\"userid\":\"staff001\",\"external_userid\":\"wmNEW$ID\",\"state\":\"$ID\"}" >/dev/null
  until [ "$(grep -c "callback event handled" "$DIR/daemon.log" || true)" -gt "$N" ]; do sleep 0.005; done
  T1=$(date +%s%N)
  echo "$ID: add_relationship -> tags applied and recorded: $(( (T1 - T0) / 1000000 )) ms;" \
       "daemon: $(curl -s "http://127.0.0.1:$METRICS/metrics" | grep '^segsync_callback_last_latency_seconds ' | cut -d' ' -f2) s"
done
grep "callback event handled" "$DIR/daemon.log" | cut -c1-220
