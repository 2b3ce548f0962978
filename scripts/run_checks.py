#!/usr/bin/env python
"""Run the theorem checks (thin wrapper over `fsq-theory check`); exit status 1 on failure."""
import sys

from fsq_theory.cli import main

if __name__ == "__main__":
    sys.exit(main(["check", *sys.argv[1:]]))
