"""The spread of each bank file's grade over many seeds.

    python tests/bank_spread.py [--seeds 20] [--workers 2] [--json] [FILE ...]

A file of ``wrong/`` or ``correct/`` is graded on its own function only, with
``seeds`` seeds: the file's own (``bank_cases.seed_for``) and the ones after
it. One confined worker is started per file and kept for all its seeds, as
one worker serves every function of a real grading: a submission's state
(a global counter, numpy's global generator) carries over from one seed to
the next as it does from one grader to the next. The spread of a file is its
highest score minus its lowest, as a share of the function's points.

``train_digits_model`` is left out unless named: each of its gradings trains
three networks, and its grade cannot be stable (the grader's docstring says
why).
"""

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bank_cases import BANK, seed_for  # noqa: E402

SEEDS = 20
# Functions whose grader states why its grade varies with the seed.
UNSTABLE = ("train_digits_model",)


def seeds_for(path, count=SEEDS):
    first = seed_for(path)
    return [(first + k) % 2**31 for k in range(count)]


def spread_of(args):
    """(file, function, points, {seed: score}, seconds) of one bank file."""
    from grading_tests.framework import run_grader
    from grading_tests.runner import registry
    from grading_tests.sandbox import Sandbox
    from grading_tests.submission import load_submission

    path, count = Path(args[0]), args[1]
    spec = registry()[path.parent.name]
    submission = load_submission(path)
    scores = {}
    start = time.perf_counter()
    with Sandbox(submission.cells, labels=submission.labels) as sandbox:
        for seed in seeds_for(path, count):
            scores[seed] = run_grader(spec, sandbox, seed).score
    return str(path.relative_to(BANK)), spec.name, spec.points, scores, time.perf_counter() - start


def bank_files(include_unstable=False):
    files = sorted(BANK.glob("wrong/*/*.py")) + sorted(BANK.glob("correct/*/*.py"))
    return [p for p in files if include_unstable or p.parent.name not in UNSTABLE]


def spreads(files, count=SEEDS, workers=2, seconds=None):
    """{file: (function, points, {seed: score})}, graded ``workers`` files at a time; the time each
    file took goes into ``seconds`` ({file: s}) when given."""
    jobs = [(str(p), count) for p in files]
    result = {}
    with ProcessPoolExecutor(workers) as pool:
        for name, function, points, scores, elapsed in pool.map(spread_of, jobs):
            result[name] = (function, points, scores)
            if seconds is not None:
                seconds[name] = elapsed
    return result


def share(points, scores):
    values = list(scores.values())
    return (max(values) - min(values)) / points


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--seeds", type=int, default=SEEDS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    files = [p.resolve() for p in args.files] or bank_files()
    seconds = {}
    result = spreads(files, args.seeds, args.workers, seconds)
    if args.json:
        json.dump({k: [f, p, s, seconds[k]] for k, (f, p, s) in result.items()}, sys.stdout, indent=0, sort_keys=True)
        return 0
    ranked = sorted(result.items(), key=lambda item: -share(item[1][1], item[1][2]))
    for name, (function, points, scores) in ranked:
        values = sorted(set(scores.values()))
        if len(values) > 1:
            print(f"{share(points, scores):6.1%}  {name}  {values}")
    worst = share(ranked[0][1][1], ranked[0][1][2]) if ranked else 0.0
    print(f"{len(result)} file(s), {args.seeds} seeds each; largest spread {worst:.1%} of the function's points")
    by_function = {}
    for name, (function, _, _) in result.items():
        by_function[function] = by_function.get(function, 0.0) + seconds[name]
    print("seconds per function:", ", ".join(f"{f} {t:.0f}" for f, t in sorted(by_function.items(), key=lambda x: -x[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
