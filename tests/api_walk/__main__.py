"""Run the walk from the command line: ``python -m api_walk [--only PREFIX] [--out FILE]`` (from tests/).

Tries every catalogue value for every argument of every public callable whose name starts with
PREFIX (all when omitted) and prints the counts by outcome and every call that was not good.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter

from tqdm import tqdm

from .engine import GOOD, OUTCOMES, Worker, cases
from .examples import EXAMPLES


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api_walk")
    parser.add_argument("--only", default="", help="walk only the callables whose qualified name starts with this")
    parser.add_argument("--out", help="write the summary as JSON to this file")
    args = parser.parse_args(argv)
    every = [c for name in sorted(EXAMPLES) if name.startswith(args.only) for c in cases(name, EXAMPLES[name])]
    worker = Worker()
    counts: Counter = Counter()
    bad = []
    try:
        for case in tqdm(every, desc="walk", unit="call"):
            outcome, detail, _ = worker.run(*case)
            counts[outcome] += 1
            if outcome not in GOOD:
                bad.append([*case, outcome, detail])
    except KeyboardInterrupt:
        print("interrupted: counts so far")
    finally:
        worker.close()
    for row in bad:
        print(" | ".join(map(str, row)))
    summary = {"calls": sum(counts.values()), "outcomes": {k: counts.get(k, 0) for k in OUTCOMES}}
    print(json.dumps(summary))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump({**summary, "not_good": bad}, f, indent=1)
    return 0 if all(o in GOOD for *_, o, _ in bad) else 1


if __name__ == "__main__":
    raise SystemExit(main())
