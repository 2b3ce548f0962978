import sys
from pathlib import Path

# tests/naive.py holds the plain-numpy twins; make `import naive` work from any cwd
sys.path.insert(0, str(Path(__file__).parent))
