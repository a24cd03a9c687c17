#!/usr/bin/env python3
"""Writes a Hugo site that renders the same partner pages refgen wrote, for the benchmark.

usage: hugo_site.py REFGEN_OUTPUT HUGO_DIR

Every page refgen wrote under REFGEN_OUTPUT/public/p/ becomes a Hugo content file whose front
matter holds what the page shows, precomputed:
- a Partner Center's main page (it has the link generator's data): the partner's own tracking
  links, rebuilt from the codes as the page's script does, and the generator's data;
- a downline page: each referral partner's name, code, tracking links and downline link, read
  back from refgen's HTML.
Two layouts render them as refgen's templates do. Hugo then has the same text to write, without
having to compute the tree or the links (which Hugo templates cannot do from the program file).
"""
import glob
import html
import json
import os
import re
import sys

src, site = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(site, "content", "p"), exist_ok=True)
os.makedirs(os.path.join(site, "layouts", "_default"), exist_ok=True)
with open(os.path.join(site, "hugo.toml"), "w") as f:
    f.write('baseURL = "https://go.example.com/"\ntitle = "Benchmark Program"\n')
    f.write('disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]\n')
ROWS = """<table><thead><tr><th>Where</th><th>Ad</th><th>Tracking link</th></tr></thead><tbody>
{{ range . }}<tr><td>{{ index . 0 }}</td><td>{{ index . 1 }}</td><td><code>{{ index . 2 }}</code></td></tr>
{{ end }}</tbody></table>"""
HEAD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex, nofollow">
<title>{{ .Title }}: {{ .Site.Title }} Partner Center</title></head><body>
"""
with open(os.path.join(site, "layouts", "_default", "single.html"), "w") as f:
    f.write(HEAD + """<h1>Partner Center: {{ .Title }}</h1>
<h2>My Sales Websites</h2><table>
{{ range .Params.websites }}<tr><td>{{ index . 0 }}</td><td><code>{{ index . 1 }}</code></td><td><input readonly value="{{ index . 2 }}"></td></tr>
{{ end }}</table>
<h2>Generate Link</h2><details open>
{{ with .Params.rows }}""" + ROWS + """{{ end }}</details>
{{ with .Params.downline }}<p><a href="{{ . }}">Tracking links of your referral partners</a></p>{{ end }}
<script type="application/json" id="link-data">{{ .Params.generator | jsonify | safeJS }}</script>
</body></html>
""")
with open(os.path.join(site, "layouts", "_default", "downline.html"), "w") as f:
    f.write(HEAD + """<h1>Tracking links of {{ .Title }}'s referral partners</h1>
{{ range .Params.members }}<section><h2>{{ .name }} <code>{{ .code }}</code></h2>
{{ with .rows }}""" + ROWS + """{{ end }}
{{ with .downline }}<p><a href="{{ . }}">Tracking links of the referral partners</a></p>{{ end }}</section>
{{ end }}</body></html>
""")
with open(os.path.join(site, "layouts", "_default", "list.html"), "w") as f:
    f.write("<!doctype html><title>{{ .Site.Title }}</title>\n")

data_re = re.compile(r'<script type="application/json" id="link-data">(.*?)</script>', re.S)
downline_link_re = re.compile(r'<p id="downline-links"><a href="([^"]+)">')
title_re = re.compile(r"<h1>Tracking links of (.*?)'s referral partners</h1>")
section_re = re.compile(r'<section id="partner-([^"]+)" class="member".*?<h2[^>]*>(.*?) <code>.*?</section>', re.S)
row_re = re.compile(r'<td data-label="Where">(.*?)</td><td data-label="Ad">(.*?)</td>'
                    r'<td data-label="Tracking link"><code class="url">(.*?)</code></td>')
member_link_re = re.compile(r'<p class="downline"><a href="([^"]+)">')
count = 0
for page in sorted(glob.glob(os.path.join(src, "public", "p", "*", "index.html"))):
    token = os.path.basename(os.path.dirname(page))
    text = open(page, encoding="utf-8").read()
    found = data_re.search(text)
    if found:
        data = json.loads(found.group(1))
        me = data["who"][0]
        links = [data["links"][i] for i in me["links"]] if "links" in me else data["links"]
        rows, websites = [], []
        for link in links:
            plain = data["base"] + link["code"] + "/" + me["code"]
            websites.append([link["name"], link["code"], plain])
            rows.append([link["name"], "(none)", plain])
            rows.extend([link["name"], ad["name"], plain + "/" + ad["code"]] for ad in me["ads"])
        downline = downline_link_re.search(text)
        front = {"title": me["name"], "url": f"/p/{token}/", "websites": websites, "rows": rows,
                 "downline": downline.group(1) if downline else "", "generator": data}
    else:
        members = []
        for section in section_re.finditer(text):
            body = section.group(0)
            link = member_link_re.search(body)
            members.append({"code": section.group(1), "name": html.unescape(section.group(2)),
                            "rows": [[html.unescape(c) for c in r] for r in row_re.findall(body)],
                            "downline": link.group(1) if link else ""})
        front = {"title": html.unescape(title_re.search(text).group(1)), "url": f"/p/{token}/",
                 "layout": "downline", "members": members}
    with open(os.path.join(site, "content", "p", f"{token}.md"), "w", encoding="utf-8") as f:
        json.dump(front, f, separators=(",", ":"))
        f.write("\n")
    count += 1
print(f"wrote {count} partner and downline pages into {site}")
