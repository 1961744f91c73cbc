"""Run every demo in order and list the files they wrote: python -m demos [--quick]."""

from __future__ import annotations

import argparse
import importlib
import sys
import time

from demos import DEMOS
from demos._common import OUT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fast mode for every demo that has one")
    args = parser.parse_args(argv)
    started = time.time()
    failed = []
    for name, description in DEMOS.items():
        print(f"\n=== {name}: {description}\n", flush=True)
        module = importlib.import_module(f"demos.{name}")
        demo_args = ["--quick"] if args.quick and name not in ("chain_rule", "cheatsheet_network") else []
        if module.main(demo_args) != 0:
            failed.append(name)
    written = sorted(p for p in OUT.glob("*") if p.stat().st_mtime >= started - 1)
    print(f"\n=== files written to {OUT}/:")
    for path in written:
        print(f"  {path}")
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
