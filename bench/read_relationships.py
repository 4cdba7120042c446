#!/usr/bin/env python3
"""The plain alternative for bench/plan_e2e_bench.sh: reads every relationship from a WeCom
(fake) server with batch/get_by_user, 100 members per call, one cursor after another, with
Python's standard library, and counts them. It does no planning at all: it is the floor a
straightforward script pays just to see WeCom's state.

usage: read_relationships.py BASE_URL CORPID SECRET
"""
import json
import sys
import time
import urllib.request


def call(base, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(base + path, data=data, timeout=60) as r:
        answer = json.loads(r.read())
    if answer.get("errcode", 0) != 0:
        raise SystemExit(f"{path}: errcode {answer['errcode']} {answer.get('errmsg')}")
    return answer


def main():
    base, corpid, secret = sys.argv[1:4]
    started = time.monotonic()
    token = call(base, f"/cgi-bin/gettoken?corpid={corpid}&corpsecret={secret}")["access_token"]
    members = call(base, f"/cgi-bin/externalcontact/get_follow_user_list?access_token={token}")["follow_user"]
    relationships = tags = pages = 0
    for i in range(0, len(members), 100):
        cursor = ""
        while True:
            page = call(base, f"/cgi-bin/externalcontact/batch/get_by_user?access_token={token}",
                        {"userid_list": members[i:i + 100], "cursor": cursor, "limit": 100})
            pages += 1
            for row in page["external_contact_list"]:
                relationships += 1
                tags += len(row["follow_info"].get("tag_id", []))
            cursor = page.get("next_cursor", "")
            if not cursor:
                break
    print(f"read {relationships} relationships ({tags} tags) in {pages} pages, "
          f"{time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
