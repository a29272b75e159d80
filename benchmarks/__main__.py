"""Print penmark's headline figures beside baselines measured in the same run.

    python -m benchmarks            # the full sizes named in the issues
    python -m benchmarks --quick    # smaller sizes, for a quick look
"""

from __future__ import annotations

import argparse
import sys

from . import dataset_bench, reader_bench, search_bench, store_bench
from .harness import HEADER, Result


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--only", help="run only figures whose group name contains this")
    args = parser.parse_args()
    big = 100_000 if args.quick else 1_000_000
    groups = {
        "save": lambda: store_bench.save_one(big),
        "import": lambda: store_bench.import_articles(1_000 if args.quick else 10_000),
        "startup": reader_bench.cold_start,
        "open": reader_bench.open_long,
        "keys": reader_bench.keys,
        "search": lambda: search_bench.run((100_000,) if args.quick else (1_000_000, 100_000)),
        "export": lambda: dataset_bench.export_rows(big),
        "import-dataset": lambda: dataset_bench.import_rows(big),
    }
    print(HEADER)
    results: list[Result] = []
    for name, run in groups.items():
        if args.only and args.only not in name:
            continue
        for result in run():
            print(result.row(), flush=True)
            results.append(result)
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
