#!/usr/bin/env python3
"""Writes click figures for gen_program.py's program, shaped as `refstats --store` writes them.

usage: gen_figures.py DIR [PARTNERS] [LINKS] [ADS]

DIR receives partners.json: for every partner, its own windows (7, 30, 90 days, all time), its
downline's (partners below the first 1,000, which gen_program.py makes parents), each link's
and each ad's, and 90 days of daily figures ending on 2024-07-29: the shape of a 90-day store's
report over that program (about 10 KB a partner; bench/store.sh's store writes 6.7 KB), for
`refgen build --stats`.
"""
import datetime
import json
import os
import random
import sys

out = sys.argv[1]
partners = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
links = int(sys.argv[3]) if len(sys.argv) > 3 else 20
ads = int(sys.argv[4]) if len(sys.argv) > 4 else 5
rng = random.Random(7)
as_of = datetime.date(2024, 7, 29)
days = [(as_of - datetime.timedelta(days=d)).isoformat() for d in range(89, -1, -1)]


def windows(scale):
    """Windows of a count that grows with the window, unique clicks below clicks."""
    out, clicks = {}, 0
    for name, share in [("last_7_days", 7), ("last_30_days", 30), ("last_90_days", 90), ("all_time", 90)]:
        clicks = max(clicks, scale * share + rng.randrange(scale + 1))
        out[name] = {"clicks": clicks, "unique_clicks": clicks * 2 // 3}
    return out


figures = {}
for p in range(partners):
    scale = 1 + rng.randrange(900)
    entry = {"own": windows(scale)}
    if p < 1000:
        entry["downline"] = windows(scale // 5 + 1)
    entry["links"] = {f"link{l:02}": windows(scale // links + 1) for l in range(links)}
    entry["ads"] = {f"ad{a}": windows(scale // 50 + 1) for a in range(ads)}
    entry["daily"] = {}
    for day in days:
        clicks = scale + rng.randrange(scale + 1)
        entry["daily"][day] = {"clicks": clicks, "unique_clicks": clicks * 2 // 3}
    figures[f"p{p:05}"] = entry

os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "partners.json"), "w") as f:
    json.dump({"as_of": as_of.isoformat(), "first_day": days[0], "partners": figures}, f, separators=(",", ":"))
