#!/usr/bin/env python3
"""Writes a Hugo site that renders the same partner pages refgen wrote, for the benchmark.

usage: hugo_site.py REFGEN_OUTPUT HUGO_DIR

For each partner page refgen wrote (REFGEN_OUTPUT/public/p/<token>/index.html), the link
generator's data is read back and becomes a Hugo content file whose front matter holds the
same rows; one layout renders the sales websites, the table of every link and the generator
data, as refgen's partner page does. Hugo then has the same amount of text to render, without
having to compute the tree or the links (which Hugo templates cannot do from the program file).
"""
import glob
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
with open(os.path.join(site, "layouts", "_default", "single.html"), "w") as f:
    f.write("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex, nofollow">
<title>{{ .Title }}: {{ .Site.Title }} Partner Center</title></head><body>
<h1>Partner Center: {{ .Title }}</h1>
<h2>My Sales Websites</h2><table>
{{ range (index .Params.generator 0).links }}<tr><td>{{ .name }}</td><td><code>{{ .code }}</code></td><td><input readonly value="{{ index .urls 0 }}"></td></tr>
{{ end }}</table>
<h2>Generate Link</h2><details open><table>
{{ range .Params.rows }}<tr><td>{{ index . 0 }}</td><td>{{ index . 1 }}</td><td>{{ index . 2 }}</td><td><code>{{ index . 3 }}</code></td></tr>
{{ end }}</table></details>
<script type="application/json" id="link-data">{{ .Params.generator | jsonify | safeJS }}</script>
</body></html>
""")
with open(os.path.join(site, "layouts", "_default", "list.html"), "w") as f:
    f.write("<!doctype html><title>{{ .Site.Title }}</title>\n")

pattern = re.compile(r'<script type="application/json" id="link-data">(.*?)</script>', re.S)
count = 0
for page in sorted(glob.glob(os.path.join(src, "public", "p", "*", "index.html"))):
    token = os.path.basename(os.path.dirname(page))
    html = open(page, encoding="utf-8").read()
    generator = json.loads(pattern.search(html).group(1))
    rows = []
    for who in generator:
        for link in who["links"]:
            for i, url in enumerate(link["urls"]):
                ad = who["ads"][i - 1]["name"] if i else "(none)"
                rows.append([who["name"], link["name"], ad, url])
    front = {"title": generator[0]["name"], "url": f"/p/{token}/", "generator": generator, "rows": rows}
    with open(os.path.join(site, "content", "p", f"{token}.md"), "w", encoding="utf-8") as f:
        json.dump(front, f, separators=(",", ":"))
        f.write("\n")
    count += 1
print(f"wrote {count} partner pages into {site}")
