"""Independent high-precision reference for the FSQ token channel (tests/test_channels.py).

Provenance: mpmath (50 digits) integrates the Gaussian density numerically (mpmath.quad) over the
code-domain decision cells of FSQ, built here from the FSQ code grid by hand (codes
(k - L//2)/(L//2) in default mode; midpoints as thresholds), independently of fsq_theory.cells
and of scipy. SNR convention as in fsq_awgn_channel: sigma^2 = mean code power (uniform inputs,
averaged over dimensions) / 10^(snr_db/10).

Run:  python tests/reference/make_coding_fsq_channel.py   -> tests/reference/coding_fsq_channel.npz
"""

from pathlib import Path

import mpmath as mp
import numpy as np

mp.mp.dps = 50
CASES = [((5,), 0.0), ((8,), 10.0), ((5, 3), 3.0)]


def codes(L):
    hw = L // 2
    return [mp.mpf(k - hw) / hw for k in range(L)]


def channel(L, sigma):
    c = codes(L)
    edges = [-mp.inf] + [(c[k] + c[k + 1]) / 2 for k in range(L - 1)] + [mp.inf]
    pdf = lambda x, m: mp.exp(-((x - m) ** 2) / (2 * sigma ** 2)) / (sigma * mp.sqrt(2 * mp.pi))
    return [[mp.quad(lambda x: pdf(x, m), [edges[j], edges[j + 1]]) for j in range(L)] for m in c]


def main():
    out = {}
    for n, (levels, snr_db) in enumerate(CASES):
        power = sum(sum(x * x for x in codes(L)) / L for L in levels) / len(levels)
        sigma = mp.sqrt(power / mp.power(10, mp.mpf(snr_db) / 10))
        for i, L in enumerate(levels):
            out[f"case{n}_dim{i}"] = np.array([[float(x) for x in row] for row in channel(L, sigma)])
        out[f"case{n}_levels"] = np.array(levels)
        out[f"case{n}_snr_db"] = np.array(snr_db)
    np.savez(Path(__file__).with_name("coding_fsq_channel.npz"), **out)


if __name__ == "__main__":
    main()
