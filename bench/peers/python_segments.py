"""A plain alternative for `segsync segments`: Python's csv module, one pass, the same
counts for the journey group and a few plain segments. Usage: python3 python_segments.py FILE AS_OF"""
import csv
import datetime
import json
import sys
import time

started = time.time()
path, as_of = sys.argv[1], datetime.date.fromisoformat(sys.argv[2])
counts = {}


def d(s):
    return datetime.date.fromisoformat(s) if s else None


def num(s):
    return int(s) if s else None


with open(path, newline="", encoding="utf-8-sig") as f:
    for r in csv.DictReader(f):
        status, exams, per = r["Status"], num(r["ExamsPassed"]), num(r["PERMonths"])
        paid, last_exam = d(r["SubscriptionPaidUntil"]), d(r["LastExamDate"])
        aff13 = status == "Affiliate" and exams is not None and exams >= 13
        stage = None
        if aff13 and per is not None and per >= 36 and r["EthicsModule"] == "Y":
            stage = "ready_to_convert"
        elif aff13 and per is not None and per < 36:
            stage = "missing_per"
        elif aff13 and r["EthicsModule"] != "Y":
            stage = "missing_ethics"
        elif status in ("Affiliate", "Student") and exams is not None and exams < 13:
            stage = "exams_in_progress"
        elif status == "Member" and paid and as_of <= paid <= as_of + datetime.timedelta(60):
            stage = "renewal_due"
        elif status == "Lapsed" or (status == "Member" and paid and paid < as_of - datetime.timedelta(30)):
            stage = "lapsed"
        elif status == "Member" and paid and paid < as_of:
            stage = "grace_period"
        if stage:
            counts[stage] = counts.get(stage, 0) + 1
        if last_exam and as_of - datetime.timedelta(90) <= last_exam <= as_of:
            counts["recent_exam"] = counts.get("recent_exam", 0) + 1
        key = "city/" + r["City"]
        counts[key] = counts.get(key, 0) + 1
print(json.dumps(counts, ensure_ascii=False))
print(f"python csv: {time.time() - started:.3f} s", file=sys.stderr)
