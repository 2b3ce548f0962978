import subprocess
import sys

import fsq_theory


def test_import_is_light():
    """Importing the package pulls in neither POT nor matplotlib (DESIGN: __init__ imports nothing heavy)."""
    code = "import sys, fsq_theory; print(sorted(m for m in ('ot', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_all_names_exist():
    for name in fsq_theory.__all__:
        assert hasattr(fsq_theory, name), name
