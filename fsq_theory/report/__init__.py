r"""A researcher's latents in, one page out: how far FSQ tokens are from the limit, what to change.

:func:`report` streams an ``(n, d)`` array or ``.npy`` file (larger than RAM works) through the
package's kernels and writes ``report.html`` (one self-contained page), ``report.json`` (strict
JSON: a missing value is ``null`` with a ``<name>_reason`` field) and the figures as PNG.
The command line is ``fsq-theory report LATENTS --levels 8,5,5,5``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["report", "Report"]


@dataclass(frozen=True)
class Report:
    """Result of :func:`report`.

    Attributes
    ----------
    document : dict
        Everything the page states, JSON-ready (what ``report.json`` holds): ``input``,
        ``verdict``, ``warnings``, ``data``, ``tokens``, ``distortion``, ``rate_distortion``,
        ``alternatives`` and the ``glossary`` (unit and meaning of every named quantity).
    html : str
        The self-contained page.
    figures : dict of str to bytes
        PNG bytes of each figure, by name.
    paths : dict of str to Path or None
        Files written (``html``, ``json`` and one per figure), None when ``out`` was None.

    Examples
    --------
    A report is what :func:`report` returns (its example computes one); the container alone:

    >>> r = Report(document={"verdict": "The tokens carry 4.60 of the 4.64 bits.",
    ...                      "warnings": []}, html="<!DOCTYPE html>", figures={}, paths=None)
    >>> r.verdict, r.warnings, r["verdict"] is r.verdict
    ('The tokens carry 4.60 of the 4.64 bits.', [], True)
    """

    document: dict = field(repr=False)
    html: str = field(repr=False)
    figures: dict = field(repr=False)
    paths: dict | None

    @property
    def verdict(self) -> str:
        """The plain-words summary at the top of the page."""
        return self.document["verdict"]

    @property
    def warnings(self) -> list:
        """``[{"code": ..., "message": ...}, ...]``."""
        return self.document["warnings"]

    def __getitem__(self, key):
        return self.document[key]

    def __repr__(self):
        d = self.document["distortion"]
        return (f"Report(n={self.document['input']['n']}, levels={self.document['input']['levels']}, "
                f"entropy_bits={self.document['tokens'].get('entropy_bits')}, "
                f"mse_latent_centroid={d['mse_latent_centroid']}, "
                f"warnings={[w['code'] for w in self.warnings]}, paths={self.paths})")


def _version() -> str:
    try:
        from importlib.metadata import version

        return f"fsq_theory {version('fsq_theory')}"
    except Exception:  # not installed (e.g. run from a checkout)
        return "fsq_theory"


def report(latents, levels, *, symmetric: bool = False, eps: float = 1e-3, scale=None,
           fit_scale: bool = False, out=None, progress=None, rng=None,
           sample_size: int = 1 << 18, kmeans: bool = True,
           bounds=("gaussian", "shannon"), key=None) -> Report:
    r"""Analyse FSQ tokens of ``latents``: data, tokens, distortion, R(D) bounds, what to change.

    The tokenizer is :math:`z = s \odot x`, :math:`k = \mathrm{FSQ}(z)` (``FSQ(levels,
    symmetric=...)``, reference-exact). All full-data quantities come from streaming passes
    (moments, histograms, then ``stream_stats`` for the tokenizer and for each suggested design),
    so memory is bounded by a chunk (:math:`2^{18}` rows) and the sample. Distortion is named by
    domain and decoder:

    .. math::

        \texttt{mse\_latent\_grid} = \tfrac1d E\|x - \hat x_{\text{grid}}\|^2,\quad
        \texttt{mse\_latent\_centroid} = \tfrac1d E\|x - E[x\mid k]\|^2,\quad
        \texttt{mse\_code\_grid} = \tfrac1d E\|b(z) - c(k)\|^2,

    with :math:`\hat x_{\text{grid}}` the code grid mapped back through the bound and
    :math:`b` = ``FSQ.bound``. The R(D) sandwich at ``mse_latent_centroid`` brackets the fewest
    bits any code needs at that distortion: above by the Gaussian with the same covariance (reverse
    water-filling), below by the Shannon lower bound :math:`h(X) - \tfrac d2\log_2(2\pi e D)`.

    Parameters
    ----------
    latents : array_like (n, d) or path
        Encoder outputs, one row per vector; a ``.npy`` path is streamed with file reads (never
        loaded whole), ``.npz``/``.csv`` are read whole.
    levels : sequence of int
        FSQ levels per dimension (``len(levels) == d``).
    symmetric : bool, keyword-only
        Symmetry-preserving FSQ variant.
    eps : float, keyword-only
        FSQ bound margin (default mode).
    scale : None, float or array (d,), keyword-only
        Encoder gain :math:`s` (default 1: the latents are what FSQ receives).
    fit_scale : bool, keyword-only
        Choose one gain minimizing ``mse_latent_centroid`` on the sample instead (exclusive with
        ``scale``).
    out : path or None, keyword-only
        Directory to write ``report.html``, ``report.json`` and ``<figure>.png`` into (created
        if missing; every file written atomically). None: write nothing.
    progress : None or bool, keyword-only
        A progress bar over the rows of all passes: None (default) on a terminal only, True
        always (stderr), False never.
    rng : None, int, SeedSequence or Generator, keyword-only
        Randomness of the sample, the bootstrap and k-means (same int, same report).
    sample_size : int, keyword-only
        Rows sampled (random blocks) for the searches and estimators.
    kmeans : bool, keyword-only
        Fit the k-means baseline (needs scikit-learn; skipped with a reason otherwise).
    bounds : sequence of str, keyword-only
        R(D) bounds to compute, by the names of :func:`fsq_theory.empirical.rd_sandwich`
        (``"gaussian"``, ``"shannon"``; with that subpackage also ``"separable"``,
        ``"particles"``, ``"dual"``, which take minutes). Without it, the report computes
        ``"gaussian"`` and ``"shannon"`` itself.
    key : str, keyword-only
        Array name inside an ``.npz`` holding several arrays.

    Returns
    -------
    Report

    Raises
    ------
    ValueError, TypeError
        Bad latents (not 2-D, non-finite, wrong number of dimensions), bad levels or options.
    FileNotFoundError
        ``latents`` is a path that does not exist.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal((20_000, 3))
    >>> r = report(x, [5, 5, 5], rng=0, progress=False, kmeans=False)
    >>> r["tokens"]["codebook_size"], round(r["distortion"]["mse_latent_centroid"], 3)
    (125, 0.092)
    >>> sorted(r.figures)[:2]
    ['alternatives', 'correlation']
    """
    from .. import _files
    from . import _compute, _figures, _html

    if out is not None:
        out = Path(out)
        if out.exists() and not out.is_dir():
            raise ValueError(f"out must be a directory, got the file {str(out)!r}")
    doc, extra = _compute.compute(latents, levels, symmetric=symmetric, eps=eps, scale=scale,
                                  fit_scale=fit_scale, sample_size=sample_size, kmeans=kmeans,
                                  bounds=bounds, progress=progress, rng=rng, key=key)
    doc["generated_by"] = _version()
    pngs = _figures.render(doc, extra)
    page = _html.render(doc, pngs)
    paths = None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name, data in pngs.items():
            paths[name] = out / f"{name}.png"
            _files.write_bytes(paths[name], data)
        paths["json"] = out / "report.json"
        _files.write_json(paths["json"], _strict(doc))
        paths["html"] = out / "report.html"
        _files.write_text(paths["html"], page)
    return Report(document=_strict(doc), html=page, figures=pngs, paths=paths)


def _strict(obj, reasons=None):
    """Copy with every NaN/inf float replaced by None plus a sibling ``<key>_reason``."""
    import math

    import numpy as np

    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if isinstance(v, (float, np.floating)) and not math.isfinite(float(v)):
                out[k] = None
                out.setdefault(f"{k}_reason", "infinite" if math.isinf(float(v)) else
                               "undefined (NaN)")
            else:
                out[k] = _strict(v)
        for k in list(out):
            if k.endswith("_reason") and k in obj:
                out[k] = obj[k]
        return out
    if isinstance(obj, (list, tuple)):
        return [None if isinstance(v, (float, np.floating)) and not math.isfinite(float(v))
                else _strict(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return _strict(obj.tolist())
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj

