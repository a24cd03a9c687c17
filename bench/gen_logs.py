#!/usr/bin/env python3
"""Writes realistic access logs for the refstats benchmark.

usage: gen_logs.py FORMAT LINES OUT [PARTNERS] [SEED] [START] [SECONDS]

FORMAT is cloudfront (33-field standard logs with their header) or combined. Traffic follows
the program gen_program.py writes: partners p00000.. with Zipf-shaped popularity (a few
partners get most clicks), links link00..link19, ads ad0..ad4. Of the lines, 84% are clicks
and 2% clicks on an unknown link code (a third of all with an ad), 6% bots, 2% HEAD requests
and 6% other pages, over 7 days (or SECONDS from START, a Unix time), from a Zipf-shaped
population of 200,000 visitors. Request ids are unique per SEED.
"""
import bisect
import time
import random
import sys

fmt, lines, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
partners = int(sys.argv[4]) if len(sys.argv) > 4 else 10_000
rng = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 1)


def zipf_table(n, s=1.1):
    weights = [1 / (k ** s) for k in range(1, n + 1)]
    total, acc, table = sum(weights), 0.0, []
    for w in weights:
        acc += w / total
        table.append(acc)
    return table


def pick(table):
    return min(bisect.bisect_left(table, rng.random()), len(table) - 1)


partner_z = zipf_table(partners)
visitor_z = zipf_table(200_000, 0.9)
agents = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
]
bots = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "curl/8.5.0",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
]
pages = ["/", "/index.html", "/assets/style.css", "/assets/generator.js", "/robots.txt"]
months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
seed = int(sys.argv[5]) if len(sys.argv) > 5 else 1
start = int(sys.argv[6]) if len(sys.argv) > 6 else 1_714_521_600  # 2024-05-01T00:00:00Z
step = (int(sys.argv[7]) if len(sys.argv) > 7 else 7 * 86_400) / max(lines, 1)

fields = ("date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) "
          "cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol "
          "cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type "
          "cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte "
          "x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end")

with open(out, "w", buffering=1 << 20) as f:
    if fmt == "cloudfront":
        f.write("#Version: 1.0\n#Fields: " + fields + "\n")
    for i in range(lines):
        t = int(start + i * step)
        r = rng.random()
        v = pick(visitor_z)
        ip = f"{10 + v % 200}.{(v >> 8) % 256}.{(v >> 3) % 256}.{v % 256}"
        agent = agents[v % len(agents)]
        method, status = "GET", 302
        if r < 0.86 or r >= 0.92:
            p = pick(partner_z)
            link = "linkx" if r >= 0.98 else f"link{rng.randrange(20):02}"  # linkx: an unknown code
            path = f"/go/{link}/p{p:05}"
            if rng.random() < 0.33:
                path += f"/ad{rng.randrange(5)}"
            if 0.84 <= r < 0.86:
                method = "HEAD"
            elif 0.92 <= r < 0.98:
                agent = bots[rng.randrange(len(bots))]
        else:
            path, status = pages[rng.randrange(len(pages))], 200
        if fmt == "cloudfront":
            ts = time.gmtime(t)
            date = f"{ts.tm_year:04}-{ts.tm_mon:02}-{ts.tm_mday:02}"
            clock = f"{ts.tm_hour:02}:{ts.tm_min:02}:{ts.tm_sec:02}"
            ua = agent.replace("%", "%25").replace(" ", "%2520")
            f.write(f"{date}\t{clock}\tFRA56-P5\t410\t{ip}\t{method}\td111111abcdef8.cloudfront.net\t{path}\t{status}\t-\t{ua}\t-\t-\tMiss\t"
                    f"req{seed}-{i:012}\tgo.example.com\thttps\t221\t0.001\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tMiss\tHTTP/2.0\t-\t-\t{40000 + i % 20000}\t0.001\tMiss\ttext/html\t0\t-\t-\n")
        else:
            ts = time.gmtime(t)
            stamp = f"{ts.tm_mday:02}/{months[ts.tm_mon - 1]}/{ts.tm_year:04}:{ts.tm_hour:02}:{ts.tm_min:02}:{ts.tm_sec:02} +0000"
            f.write(f'{ip} - - [{stamp}] "{method} {path} HTTP/1.1" {status} 145 "-" "{agent}"\n')
