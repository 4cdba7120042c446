#!/usr/bin/env python3
"""Writes a copy of a CRM export with every Nth profile changed (Status and City), the
"5 % changed since the last run" input of the plan benchmark (bench/plan_e2e_bench.sh).

usage: change_export.py IN.csv OUT.csv [EVERY=20]
"""
import csv
import sys

STATUS_NEXT = {"Student": "Affiliate", "Affiliate": "Member", "Member": "Lapsed", "Lapsed": "Affiliate"}
CITIES = ["Shanghai", "Beijing", "Shenzhen", "Singapore", "London", "Chengdu"]


def main():
    src, dst = sys.argv[1], sys.argv[2]
    every = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    changed = 0
    with open(src, newline="", encoding="utf-8") as f, open(dst, "w", newline="", encoding="utf-8") as g:
        reader = csv.reader(f)
        writer = csv.writer(g, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        status, city = header.index("Status"), header.index("City")
        for i, row in enumerate(reader):
            if i % every == 0:
                row[status] = STATUS_NEXT.get(row[status], "Affiliate")
                row[city] = next(c for c in CITIES[i % len(CITIES):] + CITIES if c != row[city])
                changed += 1
            writer.writerow(row)
    print(f"{changed} profiles changed (every {every}th) -> {dst}", file=sys.stderr)


if __name__ == "__main__":
    main()
