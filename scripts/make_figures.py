#!/usr/bin/env python
"""Regenerate every paper figure into figures/ (thin wrapper over `fsq-theory figures`)."""
import sys

from fsq_theory.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", *sys.argv[1:]]))
