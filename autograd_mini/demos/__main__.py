"""Run every demo in order and list the files they wrote: python -m autograd_mini.demos [--quick]."""

from __future__ import annotations

import argparse
import sys
import time

from . import DEMOS, _common, listing, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograd_mini.demos", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fast mode for every demo that has one")
    parser.add_argument("--list", action="store_true", help="list the demos and their options; run none")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(listing()))
        return 0
    started = time.time()
    failed = []
    for name, demo in DEMOS.items():
        print(f"\n=== {name}: {demo.description}\n", flush=True)
        if run(name, ["--quick"] if args.quick and demo.quick else []) != 0:
            failed.append(name)
    written = sorted(p for p in _common.OUT.glob("*") if p.stat().st_mtime >= started - 1)
    print(f"\n=== files written to {_common.OUT}/:")
    for path in written:
        print(f"  {path}")
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
