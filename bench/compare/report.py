"""Turns the raw figures of bench/compare/run.sh into the markdown table and the SVG chart.

    /usr/bin/python3 bench/compare/report.py WORKDIR MARKDOWN_OUT SVG_OUT

WORKDIR holds verify.txt ("<round> <impl> <alg> <wall us/op> <cpu us/op>" lines), deploy.txt
("<round> <server> <req/s>" lines), token.txt ("<impl> <ms per run>" lines or
"<impl> n/a <reason>"), and meta.txt (lines "key: value" printed above the tables).
"""
import html
import os
import statistics
import sys

ALGS = ("RS256", "ES256", "EdDSA")
VERIFIERS = ("authflow", "openssl", "pyjwt", "jose")
VERIFIER_NAMES = {"authflow": "authflow", "openssl": "raw OpenSSL (the limit)",
                  "pyjwt": "PyJWT", "jose": "node jose"}
GOALS = {"RS256": 0.90, "ES256": 0.95, "EdDSA": 0.95}
SERVERS = ("authflow", "apache", "fastapi")
SERVER_NAMES = {"authflow": "`authflow serve` (memory sessions)",
                "apache": "Apache + mod_auth_openidc (shm cache)",
                "fastapi": "FastAPI on uvicorn (dict of sessions)"}


def read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.split() for line in f if line.strip()]


def fmt(value, unit=""):
    if value is None:
        return "–"
    if value >= 1000:
        return "{:,.0f}{}".format(value, unit).replace(",", " ")
    if value >= 100:
        return "{:.0f}{}".format(value, unit)
    return "{:.2f}{}".format(value, unit)


def main():
    work, md_out, svg_out = sys.argv[1:4]
    cpu = {}
    wall = {}
    for fields in read_lines(os.path.join(work, "verify.txt")):
        _, impl, alg, w, c = fields[:5]
        cpu.setdefault((impl, alg), []).append(float(c))
        wall.setdefault((impl, alg), []).append(float(w))
    med = {k: statistics.median(v) for k, v in cpu.items()}
    med_wall = {k: statistics.median(v) for k, v in wall.items()}
    rounds = max((len(v) for v in cpu.values()), default=0)

    out = []
    configured_rounds = "?"
    with open(os.path.join(work, "meta.txt")) as f:
        for line in f:
            if line.startswith("Rounds: "):
                configured_rounds = line.split()[1]
            else:
                out.append("- " + line.rstrip("\n"))
    out.append("")
    out.append("ID-token verification, CPU time per token (median of %d rounds; wall time in "
               "brackets), and the share of raw OpenSSL's speed:" % rounds)
    out.append("")
    out.append("| verifier | " + " | ".join(ALGS) + " |")
    out.append("|---|" + "---|" * len(ALGS))
    for impl in VERIFIERS:
        cells = []
        for alg in ALGS:
            t = med.get((impl, alg))
            raw = med.get(("openssl", alg))
            if t is None:
                cells.append("–")
                continue
            cell = "%s µs (%s)" % (fmt(t), fmt(med_wall[(impl, alg)]))
            if impl != "openssl" and raw:
                cell += " · **%.2f×**" % (raw / t)
            cells.append(cell)
        out.append("| %s | %s |" % (VERIFIER_NAMES[impl], " | ".join(cells)))
    verdicts = []
    for alg in ALGS:
        ours, raw = med.get(("authflow", alg)), med.get(("openssl", alg))
        if not ours or not raw:
            continue
        share = raw / ours
        peers = [med[(p, alg)] for p in ("pyjwt", "jose") if (p, alg) in med]
        ahead = all(ours < p for p in peers)
        verdicts.append("%s %.2f× of OpenSSL (goal ≥ %.2f×: %s), %s every peer" % (
            alg, share, GOALS[alg], "met" if share >= GOALS[alg] else "not met",
            "ahead of" if ahead else "NOT ahead of"))
    out.append("")
    out.append("Goals: " + "; ".join(verdicts) + ".")

    deploy = {}
    for fields in read_lines(os.path.join(work, "deploy.txt")):
        _, server, value = fields[:3]
        if value != "n/a":
            deploy.setdefault(server, []).append(float(value))
    deploy_notes = {}
    for fields in read_lines(os.path.join(work, "deploy-notes.txt")):
        deploy_notes[fields[0]] = " ".join(fields[1:])
    dmed = {k: statistics.median(v) for k, v in deploy.items()}
    if dmed or deploy_notes:
        out.append("")
        out.append("Deploy mode, authenticated requests per second with the session cookie "
                   "(median of %s rounds each), and how many times that `authflow serve` "
                   "answers:" % configured_rounds)
        out.append("")
        out.append("| server | req/s | authflow serve's ratio to it |")
        out.append("|---|---|---|")
        for server in SERVERS:
            if server in dmed:
                ratio = dmed.get("authflow", 0) / dmed[server] if server != "authflow" else None
                out.append("| %s | %s | %s |" % (
                    SERVER_NAMES[server], fmt(dmed[server]), "%.2f×" % ratio if ratio else "–"))
            elif server in deploy_notes:
                out.append("| %s | not measured: %s | – |" % (SERVER_NAMES[server],
                                                                   deploy_notes[server]))

    tokens = read_lines(os.path.join(work, "token.txt"))
    if tokens:
        out.append("")
        out.append("`authflow token` from a warm store against `oidc-token`, wall time per run:")
        out.append("")
        out.append("| program | ms per run |")
        out.append("|---|---|")
        for fields in tokens:
            out.append("| %s | %s |" % (fields[0].replace("_", " "), " ".join(fields[1:])))
        ms = {f[0]: float(f[1]) for f in tokens if len(f) == 2}
        if "authflow_token" in ms and "oidc-token" in ms:
            out.append("")
            out.append("`authflow token` takes %.1f× the time of `oidc-token` (%.1f ms against "
                       "%.1f ms; starting a process, /bin/echo, %.1f ms)." % (
                           ms["authflow_token"] / ms["oidc-token"], ms["authflow_token"],
                           ms["oidc-token"], ms.get("/bin/echo", 0)))

    with open(md_out, "w") as f:
        f.write("\n".join(out) + "\n")
    token_ms = {f[0]: float(f[1]) for f in tokens if len(f) == 2}
    write_svg(svg_out, med, dmed, token_ms)


def write_svg(path, med, dmed, token_ms):
    """Two panels of horizontal bars: verifications per second per core, and req/s."""
    colors = {"authflow": "#2b6cb0", "openssl": "#718096", "pyjwt": "#d69e2e", "jose": "#38a169",
              "apache": "#c53030", "fastapi": "#805ad5"}
    width, label_w, bar_w = 760, 230, 430
    y = 40
    parts = []
    parts.append('<text x="10" y="24" font-size="15" font-weight="bold">ID-token verifications '
                 'per second per core (higher is better)</text>')
    for alg in ALGS:
        values = [(impl, 1e6 / med[(impl, alg)]) for impl in VERIFIERS if (impl, alg) in med]
        if not values:
            continue
        top = max(v for _, v in values)
        parts.append('<text x="10" y="%d" font-size="13" font-weight="bold">%s</text>' % (y + 12, alg))
        y += 18
        for impl, v in values:
            w = bar_w * v / top
            parts.append('<text x="%d" y="%d" font-size="12" text-anchor="end">%s</text>' % (
                label_w - 8, y + 12, html.escape(VERIFIER_NAMES[impl])))
            parts.append('<rect x="%d" y="%d" width="%.1f" height="15" fill="%s"/>' % (
                label_w, y, w, colors[impl]))
            parts.append('<text x="%.1f" y="%d" font-size="12">%s/s</text>' % (
                label_w + w + 5, y + 12, fmt(v)))
            y += 19
        y += 8
    if dmed:
        y += 10
        parts.append('<text x="10" y="%d" font-size="15" font-weight="bold">Deploy mode: '
                     'authenticated requests per second (wrk, higher is better)</text>' % (y + 14))
        y += 26
        top = max(dmed.values())
        names = {"authflow": "authflow serve", "apache": "Apache + mod_auth_openidc",
                 "fastapi": "FastAPI + uvicorn"}
        for server in SERVERS:
            if server not in dmed:
                continue
            w = bar_w * dmed[server] / top
            parts.append('<text x="%d" y="%d" font-size="12" text-anchor="end">%s</text>' % (
                label_w - 8, y + 12, names[server]))
            parts.append('<rect x="%d" y="%d" width="%.1f" height="15" fill="%s"/>' % (
                label_w, y, w, colors[server]))
            parts.append('<text x="%.1f" y="%d" font-size="12">%s req/s</text>' % (
                label_w + w + 5, y + 12, fmt(dmed[server])))
            y += 19
    if token_ms:
        y += 10
        parts.append('<text x="10" y="%d" font-size="15" font-weight="bold">A token from a warm '
                     'store: milliseconds per command (lower is better)</text>' % (y + 14))
        y += 26
        top = max(token_ms.values())
        token_colors = {"authflow_token": colors["authflow"], "oidc-token": "#dd6b20"}
        for name, ms in token_ms.items():
            w = bar_w * ms / top
            parts.append('<text x="%d" y="%d" font-size="12" text-anchor="end">%s</text>' % (
                label_w - 8, y + 12, html.escape(name.replace("_", " "))))
            parts.append('<rect x="%d" y="%d" width="%.1f" height="15" fill="%s"/>' % (
                label_w, y, w, token_colors.get(name, "#a0aec0")))
            parts.append('<text x="%.1f" y="%d" font-size="12">%.1f ms</text>' % (
                label_w + w + 5, y + 12, ms))
            y += 19
    height = y + 20
    with open(path, "w") as f:
        f.write('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
                'font-family="sans-serif">\n<rect width="100%%" height="100%%" fill="white"/>\n'
                % (width, height))
        f.write("\n".join(parts))
        f.write("\n</svg>\n")


if __name__ == "__main__":
    main()
