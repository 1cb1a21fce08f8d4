"""Autograde time of a synthetic class: stock nbgrader against the course's class command.

``python bench/bench_class.py --students 8`` builds, in a temporary folder, a
copy of the course (config, source, release) with a class of N hand-ins made
from the demo students and the bank of wrong submissions, then times, in the
same run and on the same machine:

- **stock**: nbgrader's own ``nbgrader autograde`` (stock configuration,
  in-kernel grading), one process, serially, on a sample of the class;
- **nbgrader + plug-in**: ``nbgrader autograde`` with the course's
  configuration, one process, on the same sample;
- **course, N workers**: ``python -m grading_tests.course autograde`` on the
  whole class with ``--workers 1`` and ``--workers 2``;
- **course, --no-execute**: the same without running the notebooks;
- **stock, one at a time** (``stock_each``): stock ``nbgrader autograde`` on
  each sampled student alone, in a course of its own, so that each one's
  core-seconds can be set beside what its task's accounting recorded in the
  course's run (a correct student, a blank one…).

With both ``workers1`` and ``workers2``, the report also checks the
throughput model of ``docs/instructor.md``: the run with 2 workers as
predicted from the run with 1 (:func:`predicted_seconds`), beside what it
measured.

The course's command is measured only if it exists (``--help`` answers and
lists the flag); otherwise its rows say so. Each mode runs in a fresh copy of
the prepared course, so nothing is skipped as unchanged. Every course mode
uses the same seed, and the bench checks that they record the same grades.

For each mode it reports the wall time, the time per student, students per
minute, **core-seconds per student** (the CPU of every process the mode ran,
from ``RUSAGE_CHILDREN``: the bench is a child subreaper, so what a process
leaves behind when it ends, a kernel or a launcher, is re-parented to the
bench and reaped by it, and counted; stock nbgrader reaps its own kernels),
and for the course's command the core-seconds per student its own accounting
recorded (``logs/<assignment>/run.json``: the students' tasks, without the
driver and Dask), the peak memory
of the driver process (``VmHWM`` of ``/proc/<pid>/status``: the ``nbgrader``
process, or the ``python -m grading_tests.course`` driver) and the peak
resident memory of its whole process tree (sampled every 0.2 s: workers,
nbgrader, kernels), and the load average before and after. The ratios are
taken within the run. See bench/README.md.

The class, in a repeating pattern of eight (student ids ``b01``…):

    correct, bank, partial, bank, blank, bank, hostile, bank

``correct``, ``partial``, ``blank`` and ``hostile`` are the demo students of
:mod:`grading_tests.course.demo_class`; a ``bank`` student is the correct one
with one to three near misses of ``tests/bank/wrong/``, each in a different
function, put in place by :func:`grading_tests.course.bank.with_wrong_body`
(as the demo's partial student is). The sample is evenly spaced through the
class: with 8 students and a sample of 4, it is the four demo students.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grading_tests.course import nbgrader, nbgrader_env, register_students  # noqa: E402
from grading_tests.course.bank import BANK, wrong_body  # noqa: E402
from grading_tests.course.demo_class import HOSTILE_FILES, hostile, partial, with_mistakes  # noqa: E402
from grading_tests.course.handins import ASSIGNMENT, notebook_names, read, solved, write_submission  # noqa: E402

STOCK_CUT = "# --- autograde"  # nbgrader_config.py: everything after this line is the plug-in
PATTERN = ["correct", "bank", "partial", "bank", "blank", "bank", "hostile", "bank"]
MODES = ["stock", "stock_each", "nbgrader", "workers1", "workers2", "no_execute"]
LABELS = {
    "stock": "stock nbgrader (sample)",
    "stock_each": "stock nbgrader, one at a time",
    "nbgrader": "nbgrader + plug-in (sample)",
    "workers1": "course, --workers 1",
    "workers2": "course, --workers 2",
    "no_execute": "course, --no-execute (2 w.)",
}
COURSE_MODES = {"workers1": ["--workers", "1"], "workers2": ["--workers", "2"], "no_execute": ["--workers", "2", "--no-execute"]}


# --- the class ---------------------------------------------------------------------------


def near_misses():
    """{function: [bank files]}: the near misses a student could have written in an answer cell."""
    found = {}
    for path in sorted(BANK.glob("wrong/*/*.py")):
        name, relative = path.parent.name, str(path.relative_to(BANK))
        try:
            wrong_body(relative, name)
        except ValueError:  # not a near miss, or not an answer cell's body
            continue
        found.setdefault(name, []).append(relative)
    return found


def class_plan(students, seed=0):
    """[(student id, kind, [(function, bank file)])] for a class of ``students``."""
    bank = near_misses()
    functions = sorted(bank)
    rng = random.Random(seed)
    plan = []
    for index in range(students):
        kind = PATTERN[index % len(PATTERN)]
        mistakes = []
        if kind == "bank":
            for function in rng.sample(functions, rng.randint(1, min(3, len(functions)))):
                mistakes.append((function, rng.choice(bank[function])))
        plan.append((f"b{index + 1:02d}_{kind}", kind, mistakes))
    return plan


def write_class(root, plan):
    release, source = root / "release" / ASSIGNMENT, root / "source" / ASSIGNMENT
    names = notebook_names(release)
    release_nbs = {n: read(release / n) for n in names}
    solved_nbs = {n: solved(release_nbs[n], read(source / n)) for n in names}
    built = {
        "correct": (solved_nbs, None),
        "blank": (release_nbs, None),
        "partial": (partial(solved_nbs), None),
        "hostile": (hostile(release_nbs, solved_nbs), HOSTILE_FILES),
    }
    for student, kind, mistakes in plan:
        notebooks, extra = built[kind] if kind != "bank" else (with_mistakes(solved_nbs, mistakes), None)
        write_submission(root / "submitted" / student / ASSIGNMENT, notebooks, extra_files=extra)


def prepare(folder, plan):
    """The course copy with the class in submitted/, the assignment and the students in its gradebook."""
    root = Path(folder) / "cours"
    root.mkdir()
    shutil.copy2(REPO / "nbgrader_config.py", root)
    for name in ("source", "release"):
        shutil.copytree(REPO / name, root / name)
    write_class(root, plan)
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    register_students(root, [student for student, _, _ in plan])
    return root


def sample_of(plan, size):
    """``size`` students evenly spaced through the class (all of it if ``size`` >= its size)."""
    if size >= len(plan):
        return [s for s, _, _ in plan]
    step = len(plan) / size
    return [plan[int(i * step)][0] for i in range(size)]


def fresh_copy(template, folder, students=None, stock=False):
    root = Path(folder) / "cours"
    shutil.copytree(template, root, ignore=shutil.ignore_patterns("submitted"))
    (root / "submitted").mkdir()
    for student in students or sorted(p.name for p in (template / "submitted").iterdir()):
        shutil.copytree(template / "submitted" / student, root / "submitted" / student, symlinks=True)
    if stock:
        config = (root / "nbgrader_config.py").read_text(encoding="utf-8")
        if STOCK_CUT not in config:
            raise SystemExit(f"nbgrader_config.py no longer has the line {STOCK_CUT!r}")
        (root / "nbgrader_config.py").write_text(config.split(STOCK_CUT)[0], encoding="utf-8")
    return root


# --- running and watching -------------------------------------------------------------------


def _vm_hwm(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _tree_rss(proc):
    import psutil

    total = 0
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            pass
    return total


def _become_subreaper():
    """What a run leaves behind (a launcher whose worker ended) is re-parented to the bench, reaped and counted."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
        raise SystemExit("cannot become a child subreaper: core-seconds would miss orphaned processes")


def _reap_orphans(seconds=30.0):
    """Reap every child left (orphans re-parented here); give up after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def watched(args, root, timeout):
    """Run ``args`` in ``root`` in its own session; (exit code, output, seconds, driver VmHWM, tree peak RSS, CPU seconds)."""
    import psutil

    log = tempfile.TemporaryFile()
    cpu_before = _children_cpu()
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=root, env=nbgrader_env(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    ps = psutil.Process(proc.pid)
    hwm = tree = 0
    try:
        while proc.poll() is None:
            hwm = max(hwm, _vm_hwm(proc.pid) or 0)
            tree = max(tree, _tree_rss(ps))
            if time.perf_counter() - started > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        try:  # whatever the session left behind
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    seconds = time.perf_counter() - started
    _kill_leftovers(root)
    _reap_orphans()
    log.seek(0)
    return proc.returncode, log.read().decode("utf-8", "replace"), seconds, hwm, tree, _children_cpu() - cpu_before


def _kill_leftovers(root):
    """Kill what a run left behind with its working directory in the course copy (a kernel in its own session)."""
    import psutil

    base = str(Path(root).resolve())
    for proc in psutil.process_iter(["pid", "cwd"]):
        cwd = proc.info.get("cwd") or ""
        if proc.pid != os.getpid() and (cwd == base or cwd.startswith(base + os.sep)):
            try:
                proc.kill()
            except psutil.Error:
                pass


def course_command_flags(root):
    """The flags ``python -m grading_tests.course autograde --help`` lists (empty set if it does not exist)."""
    proc = subprocess.run([sys.executable, "-m", "grading_tests.course", "autograde", "--help"], cwd=root, env=nbgrader_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        return set()
    return {word.strip(",[]") for word in proc.stdout.split() if word.startswith("--")}


def gradebook_scores(root):
    """{(student, notebook, cell): auto_score} of the copy's gradebook."""
    db = root / "gradebook.db"
    if not db.exists():
        return {}
    rows = sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute(
        """SELECT submitted_assignment.student_id, notebook.name, base_cell.name, grade.auto_score
           FROM grade
           JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id
           JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id
           JOIN notebook ON submitted_notebook.notebook_id = notebook.id
           JOIN base_cell ON grade.cell_id = base_cell.id"""
    ).fetchall()
    return {(s, nb, cell): score for s, nb, cell, score in rows}


def run_mode(mode, template, sample, students, seed, timeout, flags):
    with tempfile.TemporaryDirectory(prefix=f"rn-bench-{mode}-") as folder:
        if mode == "stock_each":
            return run_each(template, folder, sample, timeout)
        if mode in ("stock", "nbgrader"):
            root = fresh_copy(template, folder, students=sample, stock=mode == "stock")
            # No --force: in a fresh copy everyone is graded, and when a hand-in kills
            # stock nbgrader (the hostile student's os.kill of its parent succeeds
            # there), the instructor's restart skips who was done, that one included.
            args = [str(Path(sys.executable).parent / "nbgrader"), "autograde", ASSIGNMENT]
            if mode == "nbgrader":
                args.append(f"--TrustedGrades.seed={seed}")
            graded = len(sample)
            load_before = os.getloadavg()
            seconds = hwm = tree = cpu = 0
            for restarts in range(len(sample) + 1):
                code, log, took, peak, tree_peak, used = watched(args, root, timeout)
                seconds, hwm, tree, cpu = seconds + took, max(hwm, peak), max(tree, tree_peak), cpu + used
                if code >= 0:  # finished (stock exits 1 when a kernel died): not killed
                    break
            return _measured(mode, graded, code, seconds, hwm, tree, load_before, gradebook_scores(root), log, restarts, cpu)
        else:
            extra = COURSE_MODES[mode]
            missing = [f for f in extra if f.startswith("--") and f not in flags]
            if not flags or missing:
                return {"mode": mode, "skipped": "the command does not exist yet" if not flags else f"no {' '.join(missing)}"}
            root = fresh_copy(template, folder)
            args = [sys.executable, "-m", "grading_tests.course", "autograde", ASSIGNMENT, "--force", "--seed", str(seed), *extra]
            graded = students
        load_before = os.getloadavg()
        code, log, seconds, hwm, tree, cpu = watched(args, root, timeout)
        measured = _measured(mode, graded, code, seconds, hwm, tree, load_before, gradebook_scores(root), log, 0, cpu)
        measured["accounted"] = _accounted(root)
        return measured


def run_each(template, folder, sample, timeout):
    """Stock nbgrader on each sampled student alone: the core-seconds of each, to set beside its task's accounting."""
    each, load_before, seconds = {}, os.getloadavg(), 0.0
    for student in sample:
        with tempfile.TemporaryDirectory(dir=folder) as alone:
            root = fresh_copy(template, alone, students=[student], stock=True)
            code, log, took, _, _, cpu = watched([str(Path(sys.executable).parent / "nbgrader"), "autograde", ASSIGNMENT],
                                                 root, timeout)
            each[student] = {"exit": code, "seconds": took, "cpu_s": cpu, "graded": bool(gradebook_scores(root))}
            seconds += took
    return {"mode": "stock_each", "each": each, "seconds_total": seconds, "load_before": load_before[0],
            "load_after": os.getloadavg()[0]}


def each_lines(done_each, done):
    """Per sampled student: stock nbgrader alone against the CPU its task's accounting recorded in a course run."""
    course = next((m for m in ("workers1", "workers2") if (done.get(m) or {}).get("accounted")), None)
    if not done_each or not course:
        return []
    accounted = done[course]["accounted"]["per_student"]
    lines = [f"core-seconds of one student, stock nbgrader alone (the whole process tree) / its task in {LABELS[course]} "
             "(its accounting: nbgrader, kernels, graders; no driver or Dask share):"]
    for student, run in done_each["each"].items():
        mine = accounted.get(student)
        shown = f"{run['cpu_s']:.1f} / {mine:.1f} = {run['cpu_s'] / mine:.2f}x" if mine else f"{run['cpu_s']:.1f} / —"
        lines.append(f"  {student:<16} {shown}" + ("" if run["graded"] and run["exit"] == 0 else f" (stock exit {run['exit']})"))
    return lines


def _accounted(root):
    """What the course's accounting recorded (run.json): core-seconds per student and the mean phases, or None."""
    try:
        summary = json.loads((root / "logs" / ASSIGNMENT / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    phases = {}
    for record in summary["students"]:
        for phase in record["phases"]:
            row = phases.setdefault(phase["phase"], {"seconds": 0.0, "cpu": 0.0, "cpu_kernels": 0.0, "cpu_nbgrader": 0.0})
            for key in row:
                row[key] += phase[key] or 0.0
    count = max(1, len(summary["students"]))
    return {"core_s_per_student": summary["core_seconds_per_student"], "students_per_minute": summary["students_per_minute"],
            "per_student": {r["student"]: r["totals"]["cpu"] for r in summary["students"] if r["status"] == "noté"},
            "phases_per_student": {name: {k: v / count for k, v in row.items()} for name, row in phases.items()}}


def _driver_figures(log):
    """(preparation seconds, [task seconds]) as the course's driver prints them, when it does."""
    import re

    prep = re.search(r"\(([0-9.]+) s de préparation\)", log) or re.search(r"^Prêt en ([0-9.]+) s", log, re.M)
    tasks = [float(x) for x in re.findall(r"^\[\d+/\d+\] \S+ : \S+.*? en ([0-9.]+) s", log, re.M)]
    return (float(prep.group(1)) if prep else None), tasks


def _measured(mode, graded, code, seconds, hwm, tree, load_before, scores, log, restarts, cpu):
    prep, tasks = _driver_figures(log)
    return {
        "cpu_s": cpu, "core_s_per_student": cpu / graded, "students_per_minute": graded / seconds * 60,
        "prep_s": prep, "task_s": tasks, "task_mean_s": sum(tasks) / len(tasks) if tasks else None,
        "mode": mode, "students": graded, "exit": code, "restarts": restarts, "seconds": seconds, "per_student_s": seconds / graded,
        "driver_peak_mib": hwm / 2**20, "tree_peak_mib": tree / 2**20, "load_before": load_before[0],
        "load_after": os.getloadavg()[0], "scores": scores, "log_tail": log[-3000:],
        "graded_students": len({s for s, _, _ in scores}),
    }


# --- the report ---------------------------------------------------------------------------


def _same_grades(a, b):
    """(comparable cells, cells that differ) on the students both gradebooks hold."""
    common = {s for s, _, _ in a} & {s for s, _, _ in b}
    keys = {k for k in a if k[0] in common} | {k for k in b if k[0] in common}
    return len(keys), sum(1 for k in keys if a.get(k) != b.get(k))


def _maybe(value):
    return "—" if value is None else f"{value:.1f}"


def _pace(run):
    """(seconds per student once the workers are up, core-seconds per student) of a course run."""
    return (run["seconds"] - (run["prep_s"] or 0.0)) / run["students"], run["core_s_per_student"]


def predicted_seconds(one_worker, workers, cores):
    """The throughput model of docs/instructor.md, from a run with one worker: a run's seconds with ``workers`` on ``cores``.

    ``workers`` tasks at a time each take what a task took alone, unless the
    cores run out first: students per second = min(workers / t, cores / c),
    t the seconds per student with one worker, c its core-seconds per
    student (every process of the run: driver, Dask, workers, nbgrader,
    kernels, graders). The start-up is the one-worker run's.
    """
    t, c = _pace(one_worker)
    return (one_worker["prep_s"] or 0.0) + one_worker["students"] / min(workers / t, cores / c)


def model_lines(done):
    """The model's prediction for --workers 2, from the --workers 1 run, beside what --workers 2 measured."""
    if "workers1" not in done or "workers2" not in done:
        return []
    cores = len(os.sched_getaffinity(0))
    t, c = _pace(done["workers1"])
    predicted = predicted_seconds(done["workers1"], 2, cores)
    measured = done["workers2"]["seconds"]
    return [f"model: --workers 2 on {cores} cores, from --workers 1 (t = {t:.1f} s, c = {c:.1f} core-s per student): "
            f"{predicted:.0f} s predicted, {measured:.0f} s measured ({measured / predicted:.2f}x)"]


def report(runs, plan, sample):
    # Only runs that graded every student they were given are compared.
    done = {r["mode"]: r for r in runs if "seconds" in r and r["graded_students"] == r["students"]}
    incomplete = [LABELS[r["mode"]] for r in runs if "seconds" in r and r["graded_students"] != r["students"]]
    lines = [f"class of {len(plan)} ({', '.join(sorted({k for _, k, _ in plan}))}); sample of {len(sample)}: {', '.join(sample)}", ""]
    header = (f"{'setup':<30} {'graded':>8} {'total (s)':>10} {'s/student':>10} {'students/min':>12} {'core-s/st.':>10} "
              f"{'accounted':>9} {'prep (s)':>9} {'task (s)':>9} {'driver MiB':>11} {'tree MiB':>9} {'exit':>5} {'load':>10}")
    lines += [header, "-" * len(header)]
    for run in runs:
        label = LABELS[run["mode"]]
        if "skipped" in run:
            lines.append(f"{label:<30} skipped: {run['skipped']}")
            continue
        if "each" in run:
            lines.append(f"{label:<30} {len(run['each'])} student(s), {run['seconds_total']:.1f} s (per student below)")
            continue
        lines.append(
            f"{label:<30} {str(run['graded_students']) + '/' + str(run['students']):>8} {run['seconds']:>10.1f} {run['per_student_s']:>10.1f} "
            f"{run['students_per_minute']:>12.2f} {run['core_s_per_student']:>10.1f} "
            f"{_maybe((run.get('accounted') or {}).get('core_s_per_student')):>9} {_maybe(run['prep_s']):>9} {_maybe(run['task_mean_s']):>9} {run['driver_peak_mib']:>11.0f} "
            f"{run['tree_peak_mib']:>9.0f} {run['exit']:>5} {run['load_before']:>4.1f}→{run['load_after']:<4.1f}"
            + (f"  ({run['restarts']} restart(s) after nbgrader was killed)" if run["restarts"] else "")
        )
    lines.append("")
    if incomplete:
        lines += [f"not compared (some students not graded, see the log): {', '.join(incomplete)}", ""]
    ratios = []
    per = {m: r["per_student_s"] for m, r in done.items()}
    for course in ("nbgrader", "workers1", "workers2", "no_execute"):
        if "stock" in per and course in per:
            ratios.append((f"per student, stock / {LABELS[course]}", per["stock"] / per[course]))
    if "workers1" in per and "workers2" in per:
        ratios.append(("per student, --workers 1 / --workers 2", per["workers1"] / per["workers2"]))
    if "nbgrader" in per and "workers1" in per:
        ratios.append(("per student, nbgrader + plug-in / --workers 1", per["nbgrader"] / per["workers1"]))
    if "workers2" in per and "no_execute" in per:
        ratios.append(("per student, --workers 2 / --no-execute", per["workers2"] / per["no_execute"]))
    cores = {m: r["core_s_per_student"] for m, r in done.items()}
    for course in ("nbgrader", "workers1", "workers2", "no_execute"):
        if "stock" in cores and course in cores:
            ratios.append((f"core-seconds per student, stock / {LABELS[course]}", cores["stock"] / cores[course]))
    for name, value in ratios:
        lines.append(f"{name:<60} {value:6.2f}x")
    for mode in ("workers1", "workers2", "no_execute"):
        accounted = (done.get(mode) or {}).get("accounted")
        if accounted:
            shown = ", ".join(f"{name} {row['seconds']:.1f} s / {row['cpu']:.1f} cpu-s"
                              for name, row in accounted["phases_per_student"].items())
            lines.append(f"phases per student, {LABELS[mode]} (wall / CPU of the tree): {shown}")
    lines += model_lines(done)
    lines += each_lines(next((r for r in runs if r["mode"] == "stock_each"), None), done)
    reference = next((m for m in ("workers1", "nbgrader", "workers2") if m in done), None)
    if reference:
        for mode in ("nbgrader", "workers1", "workers2", "no_execute"):
            if mode in done and mode != reference:
                cells, differ = _same_grades(done[reference]["scores"], done[mode]["scores"])
                lines.append(f"grades, {LABELS[mode]} vs {LABELS[reference]}: {cells - differ}/{cells} cells equal")
    return "\n".join(lines), ratios


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=12, help="size of the synthetic class (default 12)")
    parser.add_argument("--sample", type=int, default=4, help="students autograded by the one-process nbgrader runs (default 4)")
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, among {','.join(MODES)}")
    parser.add_argument("--seed", type=int, default=1, help="graders' seed, the same in every course mode")
    parser.add_argument("--class-seed", type=int, default=0, help="draws the bank students' mistakes")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds one mode may take before it is killed")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of the table")
    parser.add_argument("--json-out", default=None, metavar="FILE", help="also write the figures as JSON to FILE")
    args = parser.parse_args(argv)
    modes = [m for m in args.modes.split(",") if m]
    unknown = sorted(set(modes) - set(MODES))
    if unknown:
        parser.error(f"unknown mode(s): {', '.join(unknown)}")
    plan = class_plan(args.students, args.class_seed)
    sample = sample_of(plan, args.sample)
    runs = []
    with tempfile.TemporaryDirectory(prefix="rn-bench-class-") as folder:
        _become_subreaper()
        template = prepare(folder, plan)
        flags = course_command_flags(template)
        for mode in modes:
            run = run_mode(mode, template, sample, len(plan), args.seed, args.timeout, flags)
            runs.append(run)
            if not args.json:
                shown = (f"{run['seconds']:.1f} s, exit {run['exit']}" if "seconds" in run
                         else f"{run['seconds_total']:.1f} s" if "each" in run else run["skipped"])
                print(f"  {LABELS[mode]}: {shown}", file=sys.stderr, flush=True)
    text, ratios = report(runs, plan, sample)
    figures = {"plan": plan, "sample": sample, "ratios": dict(ratios), "load_end": os.getloadavg(),
               "runs": [{k: v for k, v in run.items() if k != "scores"} for run in runs]}
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(json.dumps(figures, indent=2) if args.json else text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
