"""One self-contained HTML page: inline CSS, figures as base64 PNG data URIs, no script, no link."""

from __future__ import annotations

import base64
import html
import math

from ._compute import GLOSSARY

CSS = """
*{box-sizing:border-box}
body{margin:0;background:#f6f7f9;color:#1d2430;font:14px/1.5 -apple-system,"Segoe UI",Roboto,
"DejaVu Sans",Arial,sans-serif}
main{max-width:1100px;margin:0 auto;padding:24px 28px 48px;background:#fff;min-height:100vh}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:20px;margin:36px 0 8px;padding-bottom:4px;border-bottom:2px solid #e3e7ee}
h3{font-size:15px;margin:20px 0 6px}
p.sub{color:#5a6475;margin:0 0 12px;overflow-wrap:anywhere}
.verdict{background:#eef5ff;border-left:5px solid #2f6fdb;padding:12px 16px;margin:16px 0;
font-size:15.5px}
.warnings{background:#fff6e5;border-left:5px solid #e59a00;padding:8px 16px 8px 12px;margin:12px 0}
.warnings ul{margin:4px 0;padding-left:22px}
.warnings li{margin:4px 0}
.ok{background:#eefaf0;border-left:5px solid #2e9e4f;padding:8px 14px;margin:12px 0}
table{border-collapse:collapse;width:100%;margin:8px 0 14px;font-size:13px;table-layout:auto}
th,td{border-bottom:1px solid #e3e7ee;padding:4px 7px;text-align:left;vertical-align:top}
th{background:#f1f3f7;font-weight:600;overflow-wrap:break-word}
td{overflow-wrap:break-word}
td code{white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.na-cell{min-width:14em}
td.unit{color:#5a6475;white-space:nowrap}
td.meaning{color:#3b4453;overflow-wrap:anywhere}
code{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12.5px;background:#f1f3f7;
padding:0 3px;border-radius:3px;overflow-wrap:anywhere}
table.kv td:first-child code{white-space:nowrap}
caption{caption-side:top;text-align:left;color:#5a6475;font-size:12.5px;padding:2px 0 4px}
figure{margin:12px 0 20px}
figure img{display:block;max-width:100%;height:auto;border:1px solid #e3e7ee}
figcaption{color:#5a6475;font-size:12.5px;margin-top:4px}
.na{color:#a33}
.small{font-size:12.5px;color:#5a6475}
.best td{background:#effaf1}
@media (max-width:1000px){main{padding:14px 12px 32px}table{font-size:11.5px}
th,td{padding:3px 4px}code{font-size:11px}
th,td{overflow-wrap:anywhere}td code{white-space:normal;overflow-wrap:anywhere}}
"""


def _e(x) -> str:
    return html.escape(str(x), quote=True)


def fmt(x, digits=4) -> str:
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return f"{x:,}"
    if isinstance(x, float):
        if not math.isfinite(x):
            return "—"
        if x == 0:
            return "0"
        if abs(x) >= 1e5 or abs(x) < 1e-3:
            return f"{x:.{digits - 1}e}"
        return f"{x:.{digits}g}"
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(fmt(v, digits) for v in x) + "]"
    return str(x)


def _pct(x):
    return "—" if x is None else f"{100 * x:.2f}%"


def _val(obj, key, digits=4):
    """Formatted value; a missing value shows its reason on hover and in small print."""
    v = obj.get(key)
    if v is None:
        reason = obj.get(f"{key}_reason", "not available")
        return f'<span class="na" title="{_e(reason)}">n/a</span> <span class="small">({_e(reason)})</span>'
    return _e(fmt(v, digits))


def _kv(rows, caption=None) -> str:
    """Table of (name, value html, unit, meaning) rows."""
    out = ["<table class=\"kv\">"]
    if caption:
        out.append(f"<caption>{_e(caption)}</caption>")
    out.append("<tr><th>quantity</th><th>value</th><th>unit</th><th>meaning</th></tr>")
    for name, value, unit, meaning in rows:
        cls = "na-cell" if 'class="na"' in value else "num"
        out.append(f"<tr><td><code>{_e(name)}</code></td><td class=\"{cls}\">{value}</td>"
                   f"<td class=\"unit\">{_e(unit)}</td><td class=\"meaning\">{_e(meaning)}</td></tr>")
    out.append("</table>")
    return "".join(out)


def _g(name, obj, key=None, digits=4):
    unit, meaning = GLOSSARY[name]
    return (name, _val(obj, key or name, digits), unit, meaning)


def _table(header, rows, caption=None, row_class=None) -> str:
    out = ["<table>"]
    if caption:
        out.append(f"<caption>{_e(caption)}</caption>")
    out.append("<tr>" + "".join(f"<th>{_e(h)}</th>" for h in header) + "</tr>")
    for i, r in enumerate(rows):
        cls = f' class="{row_class(i)}"' if row_class and row_class(i) else ""
        cells = []
        for c in r:
            num = isinstance(c, (int, float)) or c is None
            txt = _e(fmt(c)) if num else c
            cells.append(f"<td class=\"num\">{txt}</td>" if num else f"<td>{txt}</td>")
        out.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "".join(out)


def _figure(pngs, name, caption) -> str:
    if name not in pngs:
        return ""
    b64 = base64.b64encode(pngs[name]).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{b64}" alt="{_e(caption)}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def _data_section(doc, pngs):
    dt = doc["data"]
    inp = doc["input"]
    rows = [("n", _e(fmt(dt["n"])), *GLOSSARY["n"]), ("d", _e(fmt(dt["d"])), *GLOSSARY["d"]),
            ("total_variance", _e(fmt(dt["total_variance"])), "latent units²",
             "sum of the per-dimension variances"),
            ("max_abs_correlation", _e(fmt(dt["max_abs_correlation"]["value"])), "1",
             f"largest |correlation| between two dimensions (dims "
             f"{dt['max_abs_correlation']['dims']}); FSQ quantizes each axis alone, so "
             "correlation is redundancy it cannot remove"),
            _g("negentropy_bits", dt),
            ("scale", _e(fmt(inp["scale"])), "1", f"encoder gain z = scale·x ({inp['scale_source']})")]
    per = [[r["dim"], doc["input"]["levels"][r["dim"]], r["mean"], r["sd"], r["skewness"],
            r["excess_kurtosis"], r["min"], r["max"], _pct(r["tail_3sd"]), _pct(r["saturated"]),
            _e(r["normality"])] for r in dt["per_dimension"]]
    head = ["dim", "L", "mean", "sd", "skewness", "excess kurtosis", "min", "max",
            "beyond 3 sd", "saturated", "normality"]
    cap = ("Per dimension, in latent units: mean, standard deviation, min and max; skewness and "
           "excess kurtosis are 0 for a Gaussian; 'beyond 3 sd' is 0.27% for a Gaussian; "
           "'saturated' is the share with |tanh(scale·x)| > 0.99.")
    return "".join([
        '<section id="data"><h2>1. Data</h2>', _kv(rows),
        f"<p><b>Normality:</b> {_e(dt['normality']['verdict'])}. The Jarque–Bera statistic per "
        "dimension is in the JSON; with many rows it rejects any small departure, so the labels use "
        "effect sizes instead.</p>",
        _table(head, per, cap),
        _figure(pngs, "marginals", "Histogram of each latent dimension (density), the Gaussian "
                "with the same mean and variance, and the FSQ decision thresholds at the current gain."),
        _figure(pngs, "correlation", "Correlation matrix of the latents."),
        "</section>"])


def _tokens_section(doc, pngs):
    t = doc["tokens"]
    ci = t.get("entropy_ci95_bits")
    ci_html = (_e(f"[{fmt(ci[0])}, {fmt(ci[1])}]") if ci else _val(t, "entropy_ci95_bits"))
    rows = [_g("rate_bits", t), _g("entropy_bits", t),
            ("entropy_ci95_bits", ci_html, GLOSSARY["entropy_ci95_bits"][0],
             GLOSSARY["entropy_ci95_bits"][1] + (f"; {t['entropy_ci_method']}" if
                                                 t.get("entropy_ci_method") else "")),
            _g("entropy_miller_madow_bits", t), _g("entropy_grassberger_bits", t),
            _g("entropy_cap_bits", t), _g("perplexity", t),
            ("usage", _pct(t["usage"]) if t.get("usage") is not None else _val(t, "usage"),
             *GLOSSARY["usage"]),
            _g("dead_codes", t),
            ("top_code_share", _pct(t["top_code_share"]) if t.get("top_code_share") is not None
             else _val(t, "top_code_share"), *GLOSSARY["top_code_share"])]
    per = [[m["dim"], m["levels"], m["entropy_bits"], m["max_bits"],
            _e(", ".join(map(str, m["dead_levels"])) or "none")] for m in t["per_dimension"]]
    return "".join([
        '<section id="tokens"><h2>2. Tokens</h2>', _kv(rows),
        _table(["dim", "L", "entropy (bits)", "log2 L (bits)", "unused levels"], per,
               "Per-dimension token entropy against its maximum log2 L; unused levels are cells no "
               "value falls in."),
        _figure(pngs, "tokens", "Left: code frequencies sorted by rank against the uniform 1/|C|. "
                "Right: entropy of each dimension's level index against log2 L."),
        "</section>"])


def _distortion_section(doc, pngs):
    dist = doc["distortion"]
    rows = [_g(k, dist) for k in ("mse_latent_grid", "mse_latent_centroid", "mse_code_grid",
                                  "w2_latent_grid", "w2_latent_centroid", "w2_code_grid")]
    per = [[r["dim"], r["mse_latent_grid"], r["mse_latent_centroid"], r["mse_code_grid"]]
           for r in dist["per_dimension"]]
    return "".join([
        '<section id="distortion"><h2>3. Distortion</h2>',
        "<p>Two domains, two decoders. The <b>latent domain</b> is the encoder output x (before "
        "the bound); the <b>code domain</b> is the bounded value FSQ.bound(scale·x) in [-1, 1] and "
        "its code. The <b>grid</b> decoder uses the quantizer's own points; the <b>centroid</b> "
        "decoder the mean of the latents in each cell, the best a learned decoder can do.</p>",
        _kv(rows),
        _table(["dim", "mse_latent_grid", "mse_latent_centroid", "mse_code_grid"], per,
               "Per dimension (latent units² or code units² per scalar)."),
        "</section>"])


def _kind_of(rd, name):
    for p in rd["at_tokenizer"] + rd["curve"]:
        for kind in ("upper", "lower"):
            for b in p[kind]:
                if b["label"] == name:
                    return f"{kind}, {b.get('target', 'source')}"
    return ""


def _rd_section(doc, pngs):
    rd = doc["rate_distortion"]
    out = ['<section id="rate-distortion"><h2>4. How far from the limit: the R(D) sandwich</h2>',
           "<p>R(D) is the fewest bits per vector any code can spend at mean squared error D per "
           "scalar. It is bracketed by an upper bound (the Gaussian with the same covariance has the "
           "largest R(D) of all sources with that covariance) and a lower bound (Shannon's, from an "
           "estimate of the latents' differential entropy). The tokenizer's rate minus a bound is "
           "the number of bits it spends beyond it.</p>"]
    ent = rd.get("entropy")
    if ent:
        out.append(_kv([
            ("h(X) estimate", _val(ent, "bits"), "bits/vector",
             f"differential entropy of the latents ({ent.get('method')}, ± {fmt(ent.get('stderr_bits'))} "
             f"standard error, {fmt(ent.get('rows'))} rows)"),
            ("h(Gaussian)", _val(ent, "gaussian_bits"), "bits/vector",
             "entropy of the Gaussian with the same covariance (an upper bound on h(X))")],
            caption=f"Bounds from {rd.get('provider')}"))
    meanings = rd.get("meanings") or {}
    if meanings:
        out.append(_table(["bound", "kind", "meaning"], [
            [f"<code>{_e(k)}</code>", _e(_kind_of(rd, k)), _e(m)] for k, m in meanings.items()],
            "The bounds (bits per vector). 'source': bounds R(D) of the distribution the latents "
            "are drawn from; 'empirical': of these rows only."))
    rows = []
    for r in rd["at_tokenizer"]:
        for kind in ("upper", "lower"):
            for b in r[kind]:
                gap = r["bits_above"].get(b["label"], {})
                note = ""
                if b.get("capped"):
                    note = " (capped: " + b.get("capped_reason", "") + ")"
                if b.get("note"):
                    note += " (" + b["note"] + ")"
                val = _e(fmt(b["bits"])) if b["bits"] is not None else _val(b, "bits")
                rows.append([_e(r["label"]), r["distortion"],
                             _e(f"{kind}: {b['label']} ({b.get('target', 'source')})") + _e(note),
                             val, gap.get("entropy"), gap.get("fixed_rate")])
    if rows:
        out.append(_table(["at", "D (latent units²/scalar)", "bound", "bound (bits/vector)",
                           "H(Z) − bound (bits)", "log2|C| − bound (bits)"], rows,
                          "The bounds at the tokenizer's own distortion and the bits it spends above "
                          "each (using the entropy H(Z) or the fixed rate log2|C|)."))
    else:
        out.append(f"<p class=\"na\">{_e(rd.get('at_tokenizer_reason', 'not available'))}</p>")
    if rd.get("note"):
        out.append(f"<p class=\"small\">{_e(rd['note'])}</p>")
    out.append(_figure(pngs, "rate_distortion", "R(D) bounds against MSE per scalar (log scale), "
                       "with the tokenizer (entropy H(Z) and fixed rate log2|C|) and the suggested "
                       "designs at their measured distortion."))
    out.append("</section>")
    return "".join(out)


def _change_section(doc, pngs):
    alts = doc["alternatives"]
    rows = []
    best = max(range(len(alts["designs"])),
               key=lambda i: alts["designs"][i].get("mse_saving_percent") or -1e9)
    for r in alts["designs"]:
        rows.append([f"<code>{_e(r['name'])}</code>", _e(fmt(r["levels"])),
                     _e(fmt(r["scale"], 3)), r["rate_bits"], r["entropy_bits"],
                     r["mse_latent_centroid"], r["mse_latent_grid"],
                     r.get("mse_saving_percent"), r.get("equivalent_bits_saved"),
                     _e(r["description"])])
    km = alts["kmeans"]
    if not km.get("skipped"):
        rows.append(["<code>kmeans_vq</code>", "—", "—", km["rate_bits"], km["entropy_bits"],
                     km["mse_latent_centroid"], None, km.get("mse_saving_percent"),
                     km.get("equivalent_bits_saved"),
                     _e(f"{km['description']}; MSE ± {fmt(km['mse_latent_centroid_stderr'])} "
                        f"(standard error) on the {km['evaluated_on']}")])
    head = ["design", "levels", "gain", "rate log2|C| (bits)", "H(Z) (bits)",
            "mse_latent_centroid", "mse_latent_grid", "MSE saving (%)", "worth (bits/vector)",
            "what"]
    out = ['<section id="what-to-change"><h2>5. What to change and what it would save</h2>',
           "<p>Each design keeps the bit budget (at most the same number of codes) and is "
           "measured on every row by the streaming kernel after being chosen on a sample. "
           "'worth' converts the MSE saving into rate: (d/2)·log2(MSE ratio), about 6 dB per bit "
           "per dimension.</p>",
           _table(head, rows, "Suggested designs (MSE in latent units² per scalar; the best row "
                  "is highlighted).", row_class=lambda i: "best" if i == best and i > 0 else "")]
    if km.get("skipped"):
        out.append(f"<p class=\"small\">k-means VQ baseline skipped: {_e(km['reason'])}.</p>")
    out.append(_figure(pngs, "alternatives", "mse_latent_centroid of each design (lower is "
                       "better) and its change against the current tokenizer."))
    out.append(_figure(pngs, "gains", "mse_latent_centroid of each dimension against its gain "
                       "(current gain red, best gain green dashed), on the sample."))
    out.append("</section>")
    return "".join(out)


def render(doc, pngs) -> str:
    inp = doc["input"]
    warns = doc["warnings"]
    if warns:
        wl = "".join(f"<li><b>{_e(w['code'].replace('_', ' '))}:</b> {_e(w['message'])}</li>"
                     for w in warns)
        warn_html = f'<div class="warnings" id="warnings"><b>Warnings</b><ul>{wl}</ul></div>'
    else:
        warn_html = '<div class="ok" id="warnings">No warnings: the sample size, the gain and every dimension look sound.</div>'
    sub = (f"latents: {inp['latents']} · FSQ levels {inp['levels']}"
           f"{' (symmetric)' if inp['symmetric'] else ''} · |C| = {inp['codebook_size']:,} "
           f"({inp['rate_bits']:.3f} bits) · gain {fmt(inp['scale'], 3)} · searches on "
           f"{inp['sample_rows']:,} sampled rows")
    body = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>FSQ tokenizer report</title>", f"<style>{CSS}</style></head><body><main>",
        "<h1>FSQ tokenizer report</h1>", f'<p class="sub">{_e(sub)}</p>',
        f'<div class="verdict" id="verdict"><b>Verdict.</b> {_e(doc["verdict"])}</div>', warn_html,
        _data_section(doc, pngs), _tokens_section(doc, pngs), _distortion_section(doc, pngs),
        _rd_section(doc, pngs), _change_section(doc, pngs),
        '<section id="notes"><h2>Notes</h2><p class="small">Generated by '
        f'{_e(doc.get("generated_by", "fsq_theory"))}. Every number is also in report.json under '
        "the same name (strict JSON: a missing value is null with a <code>_reason</code> field). "
        "Full-data quantities come from streaming passes over all rows; searches, the entropy "
        "estimate behind the lower bound and the k-means baseline use the random-block sample.</p>"
        "</section>", "</main></body></html>"]
    return "\n".join(body)
