"""Student code reaches no process but its own group: one hostile class through the class command.

One run of ``python -m grading_tests.course autograde`` (two Dask workers,
the notebooks run) on a copy of the course with three students:

- ``p1_processus``, whose answer cell, run by the kernel and loaded by the
  grading worker alike, aims at a canary process of the same user outside the
  sandbox, without capabilities like any process of an instructor who is not
  root (one canary for each side): reads and sets its limits (``prlimit64``),
  lowers its priority, pins it to one CPU, sends it SIGTERM, reads the limits
  of every pid it can, forks 300 children that wait, then three children
  that each try to hold 700 MiB at once. Each side reports what it got: the
  kernel prints it, the worker raises it from the graded function;
- ``p2_ingradable``, which gives the nbgrader process grading it (its
  parent) a 1 s CPU limit, from the kernel and from the worker: the
  "make myself ungradable" attack;
- ``p3_correct``, the correct demo student;
- ``p4_calcul``, the correct student whose kernel also burns ``BURN_S``
  seconds of CPU in a cell of its own, not an answer cell (the grading
  worker does not load it).

The run's accounting (``logs/<assignment>/run.json`` and each student's
``<name>.phases.json``, :mod:`grading_tests.course.classgrade.accounting`)
is checked on the same run.

While the command runs, the test samples every process below it and, for
each process group led by a kernel or a grading worker, how many processes
it holds and their proportional memory (PSS) together.
"""

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time

import nbformat
import pytest

from grading_tests.confine import LIMITS
from grading_tests.course import collected_students, register_students
from grading_tests.course.handins import ASSIGNMENT, write_submission
from grading_tests.nbgrader_plugin.student_ids import file_name
from nbgrader_attacks import attacks, harness, hostile
from test_class_autograde import counts
from test_confine import start_canary

SEED = 11
RUN_TIMEOUT = 900
SAMPLE_EVERY = 0.2
FORKS = 300
HOLDERS, HELD_MIB = 3, 700
BURN_S = 4.0
BURN = f"""import time
_debut = time.process_time()
while time.process_time() - _debut < {BURN_S}:
    pass
"""

ATTACK = r'''import json, resource, signal, time

CANARIS = {"noyau": $kernel_canary, "correcteur": $worker_canary}
OU = "noyau" if DANS_LE_NOYAU else "correcteur"
RAPPORT = {}

def _essai(nom, action):
    try:
        action()
        RAPPORT[nom] = "ok"
    except Exception as erreur:
        RAPPORT[nom] = type(erreur).__name__

canari = CANARIS[OU]
_essai("lire", lambda: resource.prlimit(canari, resource.RLIMIT_NOFILE))
_essai("limiter", lambda: resource.prlimit(canari, resource.RLIMIT_NOFILE, (17, 17)))
_essai("priorite", lambda: os.setpriority(os.PRIO_PROCESS, canari, 19))
_essai("affinite", lambda: os.sched_setaffinity(canari, {0}))
_essai("signal", lambda: os.kill(canari, signal.SIGTERM))

def _lus():
    lus = 0
    for pid in range(2, 40000):
        try:
            if pid != os.getpid():
                resource.prlimit(pid, resource.RLIMIT_NOFILE)
                lus += 1
        except OSError:
            pass
    return lus

RAPPORT["lus"] = _lus()

def _enfants(nombre, mio, attente):
    """nombre children, each holding up to mio MiB; (children started, MiB they held at the same time)."""
    depart_l, depart_e = os.pipe()
    prets_l, prets_e = os.pipe()
    enfants = []
    try:
        for _ in range(nombre):
            pid = os.fork()
            if pid == 0:
                os.close(depart_e)
                tenus, blocs = 0, []
                try:
                    while tenus < mio:
                        blocs.append(b"\x01" * (50 << 20))
                        tenus += 50
                except MemoryError:
                    pass
                finally:
                    os.write(prets_e, tenus.to_bytes(4, "little"))
                    os.read(depart_l, 1)
                    os._exit(0)
            enfants.append(pid)
    except Exception as erreur:
        RAPPORT["refus_" + str(nombre)] = type(erreur).__name__
    lus = b""
    while len(lus) < 4 * len(enfants):
        lus += os.read(prets_l, 4 * len(enfants) - len(lus))
    time.sleep(attente)  # while the test samples the group
    os.close(depart_e)
    for pid in enfants:
        os.waitpid(pid, 0)
    for fd in (depart_l, prets_l, prets_e):
        os.close(fd)
    return len(enfants), sum(int.from_bytes(lus[i : i + 4], "little") for i in range(0, len(lus), 4))

if DANS_LE_NOYAU:
    # The kernel's parent is its worker's kernel template, which forks the next students' kernels too.
    import socket
    gabarit = os.getppid()
    _essai("gabarit_signal", lambda: os.kill(gabarit, 0))
    _essai("gabarit_memoire", lambda: open(f"/proc/{gabarit}/mem", "rb").close())
    _essai("gabarit_descripteurs", lambda: os.listdir(f"/proc/{gabarit}/fd"))
    _essai("gabarit_pidfd", lambda: os.close(os.pidfd_open(gabarit)))
    _essai("gabarit_priorite", lambda: os.setpriority(os.PRIO_PROCESS, gabarit, 19))

    def _sessions():
        """The SOCK_SEQPACKET sockets this kernel holds (a session or control socket of the template)."""
        trouves = 0
        for numero in range(4096):  # (/proc/self/fd is out of the kernel's reach)
            try:
                copie = os.dup(numero)
            except OSError:
                continue
            try:
                with socket.socket(fileno=copie) as prise:
                    trouves += prise.type == socket.SOCK_SEQPACKET
            except OSError:
                os.close(copie)
        return trouves

    RAPPORT["sessions"] = _sessions()
RAPPORT["forks"] = _enfants($forks, 0, 1.0)[0]
RAPPORT["enfants"], RAPPORT["memoire"] = _enfants($holders, $held, 1.5)
if DANS_LE_NOYAU:
    print("RAPPORT noyau", json.dumps(RAPPORT, sort_keys=True))

def $target(z):
    raise RuntimeError("RAPPORT " + OU + " " + json.dumps(RAPPORT, sort_keys=True))
'''

UNGRADABLE = '''import resource
try:
    resource.prlimit(os.getppid(), resource.RLIMIT_CPU, (1, resource.RLIM_INFINITY))
    print("nbgrader limité à 1 s de CPU")
except OSError as erreur:
    print("limite refusée :", type(erreur).__name__)
'''


class Sampler:
    """Process groups led by a kernel or a grading worker below one pid: their size and memory."""

    def __init__(self, top):
        self.top, self.groups, self.samples = top, {}, 0
        self.commands, self.templates = {}, {}  # templates: {pid: (command line of its parent, of its grandparent)}

    def sample(self):
        parent, group = {}, {}
        for pid, stat in harness._proc_files("stat"):
            fields = stat[stat.rfind(")") + 2 :].split()
            try:
                parent[pid], group[pid] = int(fields[1]), int(fields[2])
            except (IndexError, ValueError):
                continue
        below, todo = set(), [self.top]
        while todo:
            current = todo.pop()
            for pid, ppid in parent.items():
                if ppid == current and pid not in below:
                    below.add(pid)
                    todo.append(pid)
        for pid in below:
            if pid not in self.commands:
                self.commands[pid] = _command(pid)
                if b"rn-ch06-confine/template.py" in self.commands[pid] and _kind(pid, parent.get(pid)) is None:
                    self.templates[pid] = (_command(parent.get(pid)), _command(parent.get(parent.get(pid))))
        for leader in below:
            if group.get(leader) != leader:
                continue
            kind = _kind(leader, parent.get(leader))
            if kind is None:
                continue
            members = [pid for pid in below if group.get(pid) == leader]
            seen = self.groups.setdefault(leader, {"kind": kind, "processes": 0, "pss_mib": 0.0})
            seen["processes"] = max(seen["processes"], len(members))
            seen["pss_mib"] = max(seen["pss_mib"], sum(_pss_kib(pid) for pid in members) / 1024)
        self.samples += 1


def _command(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


def _kind(pid, parent):
    """"noyau" for a kernel (started by the kernelspec's command, or forked by the warm template,
    whose command line it keeps), "correcteur" for a grading worker, else None (the template included)."""
    command = _command(pid)
    if b"rn-ch06-confine/launcher.py" in command:
        return "noyau"
    if b"rn-ch06-confine/template.py" in command and b"rn-ch06-confine/template.py" in _command(parent):
        return "noyau"
    if b"grading_tests/_worker.py" in command:
        return "correcteur"
    return None


def _pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
    except (OSError, StopIteration, ValueError):
        return 0


def _canary():
    proc = start_canary()
    proc.before = _canary_state(proc)
    return proc


def _canary_state(proc):
    if proc.poll() is not None:
        return {"alive": False}
    return {
        "alive": True,
        "nofile": resource.prlimit(proc.pid, resource.RLIMIT_NOFILE),
        "nice": os.getpriority(os.PRIO_PROCESS, proc.pid),
        "affinity": sorted(os.sched_getaffinity(proc.pid)),
    }


class Run:
    pass


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("processus").resolve()
    root = harness.copy_course(base, release=True, submitted=True)
    for folder in (root / "submitted").iterdir():
        if folder.name != "eleve_correct":
            shutil.rmtree(folder)
    (root / "submitted" / "eleve_correct").rename(root / "submitted" / "p3_correct")
    layout = attacks.layout(root / "release" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    canaries = {"noyau": _canary(), "correcteur": _canary()}
    result = Run()
    result.root, result.layout, result.canaries = root, layout, canaries
    try:
        code = hostile._code(ATTACK, kernel_canary=canaries["noyau"].pid, worker_canary=canaries["correcteur"].pid,
                             forks=FORKS, holders=HOLDERS, held=HELD_MIB, target=layout.target)
        write_submission(root / "submitted" / "p1_processus" / ASSIGNMENT, {hostile.NB2: hostile._attack_nb(layout, code)})
        write_submission(root / "submitted" / "p2_ingradable" / ASSIGNMENT, {hostile.NB2: hostile._attack_nb(layout, UNGRADABLE)})
        shutil.copytree(root / "submitted" / "p3_correct", root / "submitted" / "p4_calcul")
        _add_cell(root / "submitted" / "p4_calcul" / ASSIGNMENT / hostile.NB2, BURN)
        register_students(root, collected_students(root))
        env = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
        with open(base / "sortie.txt", "w") as out, open(base / "erreurs.txt", "w") as err:
            started = time.monotonic()
            proc = subprocess.Popen([sys.executable, "-m", "grading_tests.course", "autograde", ASSIGNMENT, "--workers", "2",
                                     "--seed", str(SEED)], cwd=root, env=env, stdout=out, stderr=err, start_new_session=True)
            sampler = Sampler(proc.pid)
            try:
                while proc.poll() is None and time.monotonic() - started < RUN_TIMEOUT:
                    sampler.sample()
                    time.sleep(SAMPLE_EVERY)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, 9)
                proc.wait()
        result.code, result.seconds, result.groups = proc.returncode, time.monotonic() - started, sampler.groups
        result.templates = sampler.templates
        result.out, result.err = (base / "sortie.txt").read_text(), (base / "erreurs.txt").read_text()
        result.after = {name: _canary_state(c) for name, c in canaries.items()}
        result.reports = _reports(root, layout)
        (base / "campagne.json").write_text(json.dumps({
            "code": result.code, "seconds": result.seconds, "samples": sampler.samples, "groups": sampler.groups,
            "templates": {pid: [c.decode("utf-8", "replace") for c in parents] for pid, parents in sampler.templates.items()},
            "reports": result.reports, "canaries": {n: [c.before, result.after[n]] for n, c in canaries.items()},
        }, indent=1, default=str), encoding="utf-8")
        yield result
    finally:
        for canary in canaries.values():
            canary.kill()
            canary.wait()
            canary.stdout.close()


def _add_cell(path, source):
    """A code cell of ``source`` at the end of the notebook at ``path`` (a student's own cell, not graded)."""
    nb = nbformat.read(str(path), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(source))
    nbformat.write(nb, str(path))


def _reports(root, layout):
    """{"noyau": {...}, "correcteur": {...}}: what each side of p1_processus reported, if it could."""
    found = {}
    try:
        nb = harness.autograded(root, "p1_processus", hostile.NB2)
    except (OSError, ValueError):
        return found
    text = "\n".join(harness.outputs_text(c) for c in nb.cells if c.cell_type == "code")
    for side in ("noyau", "correcteur"):
        match = re.search(r"RAPPORT " + side + r" (\{[^}]*\})", text)
        if match:
            found[side] = json.loads(match.group(1))
    return found


def test_every_student_is_graded_and_the_run_exits_zero(run):
    assert run.code == 0, run.out + run.err[-3000:]
    assert counts(run.out) == {"notés": 4, "inchangés": 0, "anomalies": 0, "échecs": 0}, run.out


def test_a_student_cannot_make_the_nbgrader_grading_it_ungradable(run):
    grades = harness.grades(run.root)
    assert "p2_ingradable" in grades, run.out
    notebook = grades["p2_ingradable"][hostile.NB2.removesuffix(".ipynb")]
    honest = f"test_{run.layout.honest}"
    assert notebook[honest][0] > 0 and notebook[f"test_{run.layout.target}"][0] == 0
    outputs = "\n".join(harness.outputs_text(c) for c in harness.autograded(run.root, "p2_ingradable", hostile.NB2).cells)
    assert "limite refusée : PermissionError" in outputs


@pytest.mark.parametrize("student", ["p3_correct", "p4_calcul"])
def test_the_correct_classmate_keeps_full_marks(run, student):
    grades = harness.grades(run.root)[student]
    registry = hostile.grader_registry()
    lost = {(nb, cell): score for nb, cells in grades.items() for cell, (score, _, _) in cells.items()
            if cell.startswith("test_") and score != registry[cell.removeprefix("test_")].points}
    assert not lost


@pytest.mark.parametrize("side", ["noyau", "correcteur"])
def test_no_canary_process_was_read_or_changed(run, side):
    assert run.reports.get(side) is not None, f"no report from the {side}: {sorted(run.reports)}"
    report = run.reports[side]
    reached = {name: report[name] for name in ("lire", "limiter", "priorite", "affinite", "signal") if report[name] == "ok"}
    assert reached == {}, report
    assert report["lus"] == 0, f"the {side} read the limits of {report['lus']} other processes"
    assert run.after[side] == run.canaries[side].before


@pytest.mark.parametrize("side", ["noyau", "correcteur"])
def test_student_code_starts_no_process(run, side):
    report = run.reports[side]
    assert (report["forks"], report["enfants"], report["memoire"]) == (0, 0, 0), report
    groups = {leader: seen for leader, seen in run.groups.items() if seen["kind"] == side}
    assert groups, f"no {side} process group was seen ({len(run.groups)} groups)"
    assert max(seen["processes"] for seen in groups.values()) == 1, groups


def test_each_group_stays_under_the_memory_limit_of_one_process(run):
    """One process per group: the address-space limit of the kernel and the worker bounds the group."""
    peaks = {leader: (seen["kind"], round(seen["pss_mib"])) for leader, seen in run.groups.items()}
    cap_mib = max(LIMITS["kernel"]["memory_mb"], LIMITS["worker"]["memory_mb"])
    assert peaks and max(pss for _, pss in peaks.values()) < cap_mib, peaks


# -- the accounting of the same run ------------------------------------------------------------

STUDENTS = ["p1_processus", "p2_ingradable", "p3_correct", "p4_calcul"]


@pytest.fixture(scope="module")
def accounts(run):
    """run.json, parsed, and each student's own record."""
    folder = run.root / "logs" / ASSIGNMENT
    summary = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    own = {s: json.loads((folder / f"{file_name(s)}.phases.json").read_text(encoding="utf-8")) for s in STUDENTS}
    return summary, own


def _phases(record, name):
    return [p for p in record["phases"] if p["phase"] == name]


def test_run_json_holds_every_graded_student_and_the_run_totals(accounts):
    summary, own = accounts
    records = {r["student"]: r for r in summary["students"]}
    assert sorted(records) == STUDENTS
    assert summary["graded"] == len(STUDENTS) and summary["workers"] == 2
    assert summary["students_per_minute"] == pytest.approx(len(STUDENTS) / summary["seconds"] * 60, rel=1e-2)
    cpu = sum(r["totals"]["cpu"] for r in records.values())
    assert summary["core_seconds_per_student"] == pytest.approx(cpu / len(STUDENTS), rel=1e-2)
    for student in STUDENTS:
        assert records[student] == own[student]  # the per-student file is the run's record


@pytest.mark.parametrize("student", STUDENTS)
def test_every_phase_of_a_graded_student_is_recorded(accounts, student, run):
    record = accounts[1][student]
    assert record["status"] == "noté"
    names = [p["phase"] for p in record["phases"]]
    assert names[:2] == ["queued", "staged"] and names[-2:] == ["collected", "written"] and "nbgrader" in names
    graded = {p.name.removesuffix(".ipynb") for p in (run.root / "autograded" / student / ASSIGNMENT).glob("*.ipynb")}
    executed = {p["notebook"] for p in _phases(record, "executed")}
    started = {p["notebook"] for p in _phases(record, "kernel_started")}
    waited = {p["notebook"] for p in _phases(record, "graders")}
    # Every notebook handed in with a graded cell is run and graded; the one without (06_5) is neither.
    assert executed == started == waited == graded - {"06_5_regularisation"} and executed
    for phase in record["phases"]:
        assert phase["seconds"] >= 0 and (phase["cpu"] is None) == (phase["phase"] == "queued"), phase


@pytest.mark.parametrize("student", STUDENTS)
def test_the_task_phases_sum_to_no_more_than_the_task(accounts, student):
    record = accounts[1][student]
    in_task = sum(p["seconds"] for p in record["phases"] if p["phase"] not in ("queued", "written"))
    assert in_task == pytest.approx(record["totals"]["task_phase_seconds"], abs=0.01)
    assert 0 < in_task <= record["task_seconds"] + 0.01  # the rounding of each phase


@pytest.mark.parametrize("student", STUDENTS)
def test_the_tree_uses_at_least_the_cpu_of_nbgrader_alone(accounts, student):
    record = accounts[1][student]
    for phase in record["phases"]:
        if phase["cpu"] is not None:
            assert phase["cpu"] + 0.01 >= phase["cpu_nbgrader"] + phase["cpu_kernels"], phase
    totals = record["totals"]
    assert totals["cpu"] > totals["cpu_nbgrader"] > 0 and totals["cpu_kernels"] > 0


def test_a_kernel_that_burns_cpu_shows_it_in_its_notebook_executed_phase(accounts):
    own = accounts[1]
    notebook = hostile.NB2.removesuffix(".ipynb")

    def executed(student):
        return next(p for p in _phases(own[student], "executed") if p["notebook"] == notebook)

    burnt, plain = executed("p4_calcul"), executed("p3_correct")
    assert burnt["cpu_kernels"] >= BURN_S, own["p4_calcul"]["phases"]
    assert burnt["cpu_kernels"] - plain["cpu_kernels"] >= 0.8 * BURN_S, (burnt, plain)
    assert burnt["cpu"] >= burnt["cpu_kernels"] and burnt["seconds"] >= 0.9 * BURN_S


# -- one kernel template per worker, kept across students ----------------------------------------


def test_each_worker_keeps_one_kernel_template_across_its_students(accounts, run):
    """Every template seen was started by a worker's launcher, one per student that started it, fewer than students.

    Per-command templates (one started by each student's nbgrader) fail it: their parent is a child of the
    launcher (a fork of it, so the same command line), not the launcher.
    """
    assert run.templates, "no kernel template was seen"
    launcher = b"classgrade/supervise.py"
    assert all(launcher in parent and launcher not in grandparent for parent, grandparent in run.templates.values()), run.templates
    started = [s for s in STUDENTS if _phases(accounts[1][s], "template_started")]
    assert len(run.templates) == len(started) <= 2 < len(STUDENTS), (started, run.templates)
    for student in started:  # the one-off imports, charged apart to the student whose task started it
        [phase] = _phases(accounts[1][student], "template_started")
        assert phase["cpu"] >= phase["cpu_kernels"] > 0, phase


def test_a_kernel_reaches_neither_the_shared_template_nor_its_sessions(run):
    """p1_processus's kernel, a child of the template that forks the next students' kernels: no signal, no
    ptrace-level access (memory, descriptors, pidfd), no priority change, and no session socket held."""
    report = run.reports.get("noyau")
    assert report is not None, sorted(run.reports)
    reached = {name: value for name, value in report.items() if name.startswith("gabarit_") and value == "ok"}
    assert reached == {} and report["sessions"] == 0, report
