"""Normalized second moments of the lattices, closed forms to 30 digits (mpmath).

Provenance: Conway & Sloane, Sphere Packings, Lattices and Groups, 3rd ed. (1999), Table 2.3
and ch. 21 (values 0.0833333, 0.0801875, 0.0787451, 0.0785433, 0.0766032, 0.0716821); closed
forms from Conway & Sloane, IEEE T-IT 28(2):211-226 (1982) and Agrell & Eriksson, IEEE T-IT
44(5):1814-1828 (1998), Table I: Z 1/12, A2 5/(36 sqrt 3), A3 = D3 2^(1/3)/16,
A3* 19/(192 2^(1/3)), D4 13/(120 sqrt 2), E8 929/12960.
Run: python tests/reference/alternatives_nsm.py > tests/reference/alternatives_nsm.json
"""
import json

import mpmath as mp

mp.mp.dps = 30
values = {
    "Z": mp.mpf(1) / 12,
    "A2": mp.mpf(5) / (36 * mp.sqrt(3)),
    "D3": mp.cbrt(2) / 16,
    "A3*": mp.mpf(19) / (192 * mp.cbrt(2)),
    "D4": mp.mpf(13) / (120 * mp.sqrt(2)),
    "E8": mp.mpf(929) / 12960,
}
table_2_3 = {"Z": "0.0833333", "A2": "0.0801875", "D3": "0.0787451", "A3*": "0.0785433",
             "D4": "0.0766032", "E8": "0.0716821"}
print(json.dumps({k: {"closed_form": mp.nstr(v, 25), "table_2_3": table_2_3[k]}
                  for k, v in values.items()}, indent=1))
