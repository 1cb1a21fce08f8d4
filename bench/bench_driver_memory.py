"""Peak memory of the class command's driver with heavy hand-ins, against nbgrader's own process.

``python bench/bench_driver_memory.py --students 4`` builds, in a temporary
folder, a course copy whose class is N copies of the correct demo student,
each notebook padded to 19 MB by a comment in a cell of the student's (kept
by the staging and read by the graders: 95 MB a hand-in), then runs, in the
same session:

- **nbgrader**: ``nbgrader autograde`` with the course's configuration, one
  process, notebooks not run (``--ConfinedExecute.enabled=False``);
- **class**: ``python -m grading_tests.course autograde --workers W
  --no-execute`` (W = 2 by default), two tasks a worker in flight.

For each it reports the peak resident memory of the process that holds the
class (``VmHWM``: the ``nbgrader`` process, or the class command's driver),
the peak of its whole process tree, and the wall time. The goal is a driver
under 1 GiB whatever the hand-ins weigh; nbgrader's own process, which holds
one student at a time, is the competitor measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_class import watched  # noqa: E402
from grading_tests.course import nbgrader  # noqa: E402
from grading_tests.course.handins import ASSIGNMENT  # noqa: E402

PAD_BYTES = 19 * 2**20


def prepare(folder, students):
    root = Path(folder) / "cours"
    root.mkdir()
    shutil.copy2(REPO / "nbgrader_config.py", root)
    for name in ("source", "release"):
        shutil.copytree(REPO / name, root / name)
    correct = REPO / "submitted" / "eleve_correct" / ASSIGNMENT
    for index in range(students):
        folder = root / "submitted" / f"lourd{index:02d}" / ASSIGNMENT
        shutil.copytree(correct, folder)
        for path in sorted(folder.glob("*.ipynb")):
            nb = json.loads(path.read_text(encoding="utf-8"))
            pad = "# " + "x" * (PAD_BYTES - len(json.dumps(nb))) + "\n"
            nb["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": pad})
            path.write_text(json.dumps(nb), encoding="utf-8")
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    return root


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=4, help="heavy hand-ins in the class (default 4: two per worker)")
    parser.add_argument("--workers", type=int, default=2, help="local workers of the class command (default 2)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args(argv)
    runs = {}
    with tempfile.TemporaryDirectory(prefix="rn-bench-memoire-") as folder:
        template = prepare(folder, args.students)
        weight = sum(p.stat().st_size for p in (template / "submitted").rglob("*.ipynb"))
        modes = {
            "nbgrader": [str(Path(sys.executable).parent / "nbgrader"), "autograde", ASSIGNMENT,
                         "--ConfinedExecute.enabled=False", f"--TrustedGrades.seed={args.seed}"],
            "class": [sys.executable, "-m", "grading_tests.course", "autograde", ASSIGNMENT, "--workers", str(args.workers),
                      "--no-execute", "--seed", str(args.seed)],
        }
        for mode, command in modes.items():
            with tempfile.TemporaryDirectory(prefix=f"rn-bench-memoire-{mode}-") as copy:
                root = Path(copy) / "cours"
                shutil.copytree(template, root)
                code, log, seconds, hwm, tree = watched(command, root, args.timeout)
                runs[mode] = {"exit": code, "seconds": seconds, "peak_mib": hwm / 2**20, "tree_mib": tree / 2**20, "log_tail": log[-1500:]}
                print(f"  {mode}: exit {code}, {seconds:.0f} s, peak {hwm / 2**20:.0f} MiB", file=sys.stderr, flush=True)
    print(f"class of {args.students} hand-ins, {weight / 10**6:.0f} MB of notebooks in all")
    print(f"{'setup':<44} {'exit':>4} {'seconds':>8} {'peak MiB':>9} {'tree MiB':>9}")
    labels = {"nbgrader": "nbgrader autograde (one process)", "class": f"class command, driver ({args.workers} workers)"}
    for mode, run in runs.items():
        print(f"{labels[mode]:<44} {run['exit']:>4} {run['seconds']:>8.0f} {run['peak_mib']:>9.0f} {run['tree_mib']:>9.0f}")
    print(f"driver peak / nbgrader's peak: {runs['class']['peak_mib'] / runs['nbgrader']['peak_mib']:.2f}x; "
          f"goal: driver under 1024 MiB ({'met' if runs['class']['peak_mib'] < 1024 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
