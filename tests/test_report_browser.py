"""report.html in a real browser: headless Chromium renders every figure and table, no overflow.

The page itself has no script; the test copies it with a small probe script appended that, after
the load event, writes what the browser laid out (image natural sizes, table sizes, element
widths) into the DOM, which ``--dump-dom`` returns. A screenshot checks the page is not blank.
Skipped only when no Chromium binary is installed (``.ci/run`` installs Debian's ``chromium``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import numpy as np
import pytest

from fsq_theory.report import report

CHROMIUM = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(b)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get "
                                "install chromium; .ci/run does it)")

PROBE = """
<script>
window.addEventListener("load", function () {
  var main = document.querySelector("main").getBoundingClientRect();
  var de = document.documentElement;
  var imgs = Array.prototype.map.call(document.images, function (i) {
    var r = i.getBoundingClientRect();
    return {complete: i.complete, w: i.naturalWidth, h: i.naturalHeight, right: r.right,
            shown: r.width};
  });
  var tables = Array.prototype.map.call(document.querySelectorAll("table"), function (t) {
    var r = t.getBoundingClientRect();
    return {rows: t.rows.length, height: r.height, right: r.right, sw: t.scrollWidth,
            cw: t.clientWidth};
  });
  var wide = [];
  Array.prototype.forEach.call(document.querySelectorAll("main *"), function (e) {
    var r = e.getBoundingClientRect();
    if (r.width > 0 && r.right > main.right + 1) wide.push(e.tagName + ":" + e.textContent.slice(0, 40));
  });
  var out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({scrollWidth: de.scrollWidth, clientWidth: de.clientWidth,
                                    imgs: imgs, tables: tables, wide: wide.slice(0, 10)});
  document.body.appendChild(out);
});
</script>
"""


def _chromium(tmp_path, *args, timeout=180):
    profile = tmp_path / "chromium-profile"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", "--disable-dev-shm-usage", f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def _probe(tmp_path, html_path, width):
    probe = html_path.with_name(f"probe_{width}.html")
    probe.write_text(html_path.read_text().replace("</body>", PROBE + "</body>"))
    res = _chromium(tmp_path, f"--window-size={width},2000", "--virtual-time-budget=10000",
                    "--dump-dom", probe.as_uri())
    m = re.search(r'<pre id="probe">(.*?)</pre>', res.stdout, re.S)
    assert m, f"probe did not run; chromium stderr: {res.stderr[-2000:]}"
    import html

    return json.loads(html.unescape(m.group(1)))


def _check_page(tmp_path, html_path, n_figures):
    text = html_path.read_text()
    # self-contained: nothing fetched from anywhere
    assert not re.search(r'(src|href)="(?!data:)', text)
    assert "<script" not in text
    for width in (1280, 820):
        info = _probe(tmp_path, html_path, width)
        assert len(info["imgs"]) == n_figures
        for img in info["imgs"]:
            assert img["complete"] and img["w"] > 100 and img["h"] > 100, img
            assert img["shown"] > 100
        assert len(info["tables"]) >= 8
        for t in info["tables"]:
            assert t["rows"] >= 2 and t["height"] > 20, t
            assert t["sw"] <= t["cw"] + 1, t
        assert info["scrollWidth"] <= info["clientWidth"], info
        assert not info["wide"], info["wide"]
    shot = html_path.with_name("screenshot.png")
    res = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,4000",
                    "--hide-scrollbars", html_path.as_uri())
    assert shot.exists(), res.stderr[-2000:]
    from matplotlib.image import imread

    img = imread(shot)[..., :3]
    assert img.shape[0] == 4000 and img.shape[1] == 1280
    # not blank: a real page has text and figures, i.e. many pixels far from the background
    bg = np.median(img.reshape(-1, 3), axis=0)
    ink = np.abs(img - bg).sum(axis=2) > 0.3
    assert ink.mean() > 0.02, ink.mean()
    assert img.std() > 0.05


def test_gaussian_report_renders(tmp_path):
    x = np.random.default_rng(0).standard_normal((30_000, 4))
    r = report(x, [8, 5, 5, 5], out=tmp_path / "gauss", rng=0, progress=False)
    _check_page(tmp_path, r.paths["html"], 6)


def test_real_latents_report_renders(tmp_path):
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_digits

    x = load_digits().data.astype(np.float64)
    x -= x.mean(axis=0)
    vt = np.linalg.svd(x, full_matrices=False)[2]
    z = x @ vt[:4].T
    z /= z.std(axis=0)
    r = report(z, [8, 5, 5, 5], out=tmp_path / "digits", rng=0, progress=False)
    assert r.warnings  # small n: the warning box is part of what must render
    _check_page(tmp_path, r.paths["html"], 6)


@pytest.mark.slow
def test_wide_latents_report_renders(tmp_path):
    # 24 dimensions: long per-dimension tables and the panel cap of the figures
    x = np.random.default_rng(1).standard_normal((20_000, 24)) * np.linspace(0.2, 2, 24)
    r = report(x, [3] * 24, symmetric=False, out=tmp_path / "wide", rng=0, progress=False,
               kmeans=False)
    _check_page(tmp_path, r.paths["html"], 6)


def test_shipped_image_latents_report_renders(tmp_path):
    datasets = pytest.importorskip("fsq_theory.datasets")
    ds = datasets.load_image_latents()
    r = report(ds.latents, ds.levels, out=tmp_path / "image", rng=0, progress=False,
               sample_size=1 << 16)
    json.loads(r.paths["json"].read_text(), parse_constant=lambda c: pytest.fail(c))
    _check_page(tmp_path, r.paths["html"], 6)
