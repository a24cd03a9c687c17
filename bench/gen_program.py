#!/usr/bin/env python3
"""Writes a large referral program for the page-generation benchmark.

usage: gen_program.py DIR [PARTNERS] [LINKS] [ADS]

DIR receives partners.toml, partners/<group>.toml (100 partners per file) and a copy of the
sample's content/. The tree is 100 roots, each with children and grandchildren, so a root's
page carries its whole downline's links (about 100 partners x LINKS x (ADS + 1) URLs).
Redirect rules are written for nginx only: the html target would write one file per URL.
content/ holds one email template, one resource page and one banner.
"""
import os
import sys

out = sys.argv[1]
partners = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
links = int(sys.argv[3]) if len(sys.argv) > 3 else 20
ads = int(sys.argv[4]) if len(sys.argv) > 4 else 5
media = ["email", "web", "social", "search", "print", "video", "audio", "other"]

os.makedirs(os.path.join(out, "partners"), exist_ok=True)
with open(os.path.join(out, "partners.toml"), "w") as f:
    f.write('include = ["partners/*.toml"]\n\n[program]\nname = "Benchmark Program"\n')
    f.write('base_url = "https://go.example.com"\nfallback_url = "https://www.example.com/"\n\n')
    f.write('[redirects]\ntargets = ["nginx"]\n\n')
    for l in range(links):
        f.write(f'[[links]]\ncode = "link{l:02}"\nname = "Link {l}"\n')
        f.write(f'destination = "https://www.example.com/products/{l}?lang=en"\n')
        f.write(f'description = "Product line {l}."\n')
        if l % 10 == 9:  # every tenth link is for the "pro" group only
            f.write('groups = ["pro"]\n')
        f.write("\n")

roots = 100
for start in range(0, partners, 100):
    with open(os.path.join(out, "partners", f"p{start // 100:04}.toml"), "w") as f:
        for p in range(start, min(start + 100, partners)):
            f.write(f'[[partners]]\ncode = "p{p:05}"\nname = "Partner {p}"\n')
            f.write(f'email = "p{p}@example.net"\n')
            if p >= roots:
                # Children of the roots first, then grandchildren: each root gets ~99 below it.
                parent = p % roots if p < roots * 10 else roots + (p % (roots * 9))
                f.write(f'parent = "p{parent:05}"\n')
            if p % 3 == 0:
                f.write('groups = ["pro"]\n')
            for a in range(ads):
                f.write(f'[[partners.ads]]\ncode = "ad{a}"\nname = "Ad {a}"\n')
                f.write(f'description = "Ad {a} of partner {p}."\nmedia = "{media[a % len(media)]}"\n')
                f.write(f'start = 2024-{1 + a % 12:02}-{1 + p % 28:02}\n')
            f.write("\n")

content = os.path.join(out, "content")
for folder in ("emails", "pages", "banners"):
    os.makedirs(os.path.join(content, folder), exist_ok=True)
with open(os.path.join(content, "emails", "welcome.md"), "w") as f:
    f.write('+++\nsubject = "Have a look"\n+++\n\nHi,\n\nour products: <{{ link(code="link00") }}>\n\n{{ partner.name }}\n')
with open(os.path.join(content, "pages", "start.md"), "w") as f:
    f.write('+++\ntitle = "Getting started"\n+++\n\n# Start\n\n1. Copy <{{ link(code="link01") }}>.\n2. Share it.\n')
with open(os.path.join(content, "banners", "wide.md"), "w") as f:
    f.write('+++\ntitle = "Wide"\nimage = "wide.svg"\nwidth = 728\nheight = 90\nlink = "link02"\nalt = "Our products"\n+++\n')
with open(os.path.join(content, "banners", "wide.svg"), "w") as f:
    f.write('<svg xmlns="http://www.w3.org/2000/svg" width="728" height="90"><rect width="728" height="90" fill="#0b57a4"/></svg>\n')
print(f"wrote {partners} partners x {links} links x {ads} ads into {out}")
