#!/usr/bin/env bash
# `segsync segments` over a synthetic export, against DuckDB (SQL over the same CSV) and a plain
# Python csv script, in the same run. Usage: bash bench/segments_bench.sh [ROWS] (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
AS_OF=2026-12-01
BUILD_DIR=${BUILD_DIR:-build-release}
BUILD_DIR=$BUILD_DIR BUILD_TYPE=Release bash scripts/build.sh segsync gen_export >/dev/null
(cd bench/peers && npm install --no-audit --no-fund --silent >/dev/null)
WORK=${WORK:-/tmp/segsync-bench}
mkdir -p "$WORK/inbox"
CSV="$WORK/inbox/affiliates.csv"
[ -s "$CSV.$ROWS" ] || "$BUILD_DIR/gen_export" --rows "$ROWS" --seed 7 --today "$AS_OF" --out "$CSV.$ROWS"
cp "$CSV.$ROWS" "$CSV"
cat >"$WORK/segsync.yaml" <<YAML
crm: {export: inbox/affiliates.csv}
mapping: $PWD/mapping/affiliates.yaml
rules: $PWD/rules/
timezone: Asia/Shanghai
wecom: {corpid: wwbench}
ledger: ledger.db
YAML
cat "$CSV" >/dev/null  # all three read a warm page cache
echo "export: $ROWS rows, $(du -m "$CSV" | cut -f1) MB"
best() {  # best wall time of 3 runs, and the peak RSS of the last one
  local name=$1; shift
  local best_s=999 rss=0
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >"$WORK/$name.out" 2>/dev/null
    read -r s kb <"$WORK/time"
    best_s=$(python3 -c "print(min($best_s, $s))"); rss=$kb
  done
  echo "$name $best_s $((rss / 1024))"
}
{
  best segsync "$BUILD_DIR/segsync" segments --config "$WORK/segsync.yaml" --as-of "$AS_OF" --format json
  best duckdb node bench/peers/duckdb_segments.mjs "$CSV" "$AS_OF" 2
  best python python3 bench/peers/python_segments.py "$CSV" "$AS_OF"
} | tee "$WORK/results"
python3 - "$WORK" "$ROWS" <<'PY'
import json, sys
work, rows = sys.argv[1], int(sys.argv[2])
res = {l.split()[0]: (float(l.split()[1]), int(l.split()[2])) for l in open(f"{work}/results")}
seg = json.load(open(f"{work}/segsync.out"))
duck = json.loads(open(f"{work}/duckdb.out").read())
ours = {s["id"] if s["id"] == s.get("tag") or s["id"] not in ("region", "city") else f'{s["id"]}/{s["tag"]}': s["size"] for s in seg["segments"]}
mismatch = [k for k, v in duck.items() if k in ours and ours[k] != v]
print(f"counts checked against DuckDB: {sum(1 for k in duck if k in ours)} segments, mismatches: {mismatch or 'none'}")
s, d, p = res["segsync"], res["duckdb"], res["python"]
print(f"segsync segments: {s[0]:.2f} s ({rows / s[0]:,.0f} rows/s), peak RSS {s[1]} MB")
print(f"DuckDB (2 threads): {d[0]:.2f} s, peak RSS {d[1]} MB  -> segsync is {d[0] / s[0]:.2f}x DuckDB's speed")
print(f"Python csv:        {p[0]:.2f} s, peak RSS {p[1]} MB  -> segsync is {p[0] / s[0]:.1f}x faster")
PY
