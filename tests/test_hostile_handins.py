"""Hostile hand-ins against the real ``nbgrader autograde`` and ``generate_feedback``.

Every attacker of ``nbgrader_attacks/hostile.py`` and, right after it in
nbgrader's sort order, a classmate with a correct ``06_2_activations.ipynb``
are autograded in ONE nbgrader process on a throwaway copy of the course
(with canary secrets in nbgrader's environment), then one
``generate_feedback`` runs. While they run, the test samples nbgrader's
memory and the real-time processes of the machine; around them it holds
canary files inside and outside the course and listeners on loopback.

A hostile hand-in may touch nothing but its own grade: each attacker earns
exactly its honest answer, its classmate keeps full marks, the run exits 0
with every student graded, the gradebook, the course and the hand-ins are
unchanged, no canary moved, nothing leaked into the attacker's pages, no
listener heard anything, no process survived, no disk or memory was taken.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from grading_tests.course.handins import ASSIGNMENT
from nbgrader_attacks import attacks, harness, hostile


SEED = 20250521
CELL_TIMEOUT = 8
# Safety net for stock nbgrader, which follows a hand-in's link to /dev/zero.
FSIZE_LIMIT = 3 << 29  # 1.5 GiB
RSS_LIMIT = 1 << 30  # 1 GiB
HUGE_FILE = 64 << 20
GRACE_SECONDS = 2.0
RUN_TIMEOUT = 1200  # a hung nbgrader is killed (and the run fails) rather than hang the suite
PHASES = ("autograde", "generate_feedback")


@dataclass
class Campaign:
    base: Path
    root: Path
    layout: attacks.Layout
    ctx: hostile.Context
    pairs: dict  # Pair -> Attack
    runs: dict = field(default_factory=dict)  # phase -> harness.Watched
    canaries: dict = field(default_factory=dict)  # "before" / phase -> {name: state}
    submitted: dict = field(default_factory=dict)  # "before" / phase -> tree state
    course: dict = field(default_factory=dict)  # "before" / phase -> tree states of source/, release/, config
    fingerprint_before: dict = field(default_factory=dict)
    free_before: int = 0
    free_after: int = 0
    received: list = field(default_factory=list)
    survivors: dict = field(default_factory=dict)
    realtime_after: dict = field(default_factory=dict)

    @property
    def students(self):
        return sorted([p.attacker for p in self.pairs] + [p.victim for p in self.pairs])

    def pair(self, name):
        return hostile.pair_for(hostile.ATTACK_BY_NAME[name])


def _canary_state(canary):
    try:
        st = os.lstat(canary.path)
    except FileNotFoundError:
        return ("absent",)
    if os.path.islink(canary.path):
        return ("link", os.readlink(canary.path))
    return ("file", canary.path.read_bytes(), st.st_mtime_ns, oct(st.st_mode))


def _course_state(root):
    return {
        "source": harness.tree_state(root / "source"),
        "release": harness.tree_state(root / "release"),
        "nbgrader_config.py": harness.tree_state(root)["nbgrader_config.py"],
    }


def _marked(marker):
    return {pid: cmd for pid, cmd in harness.processes().items() if marker in cmd and pid != os.getpid()}


def _wait_marked_gone(marker, grace):
    deadline = time.monotonic() + grace
    while True:
        left = _marked(marker)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def _kill_marked(marker):
    for pid in _marked(marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _remove_fillers(base, marker):
    """Disk hogs a stock nbgrader leaves behind: fill files, huge copies."""
    for current, _, files in os.walk(base):
        for name in files:
            path = os.path.join(current, name)
            try:
                if not os.path.islink(path) and (marker in name or os.path.getsize(path) > HUGE_FILE):
                    os.remove(path)
            except OSError:
                pass
    for folder in ("/tmp", "/var/tmp", "/dev/shm"):
        for path in _find_named(folder, f"bourrage_{marker}", depth=4):
            try:
                os.remove(path)
            except OSError:
                pass


def _find_named(top, prefix, depth):
    found = []
    top = str(top)
    if not os.path.isdir(top):
        return found
    base_depth = top.rstrip("/").count("/")
    for current, dirs, files in os.walk(top):
        if current.count("/") - base_depth >= depth:
            dirs[:] = []
        found += [os.path.join(current, f) for f in files if f.startswith(prefix)]
    return found


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile").resolve()
    root = harness.copy_course(base)
    harness.gradebook_assignment(root)
    layout = attacks.layout(root / "release" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    ctx = hostile.make_context(base, root)
    try:
        pairs = hostile.build(root, layout, ctx)
        run = Campaign(base, root, layout, ctx, pairs)
        run.canaries["before"] = {n: _canary_state(c) for n, c in ctx.canaries.items()}
        run.submitted["before"] = harness.tree_state(root / "submitted")
        run.course["before"] = _course_state(root)
        run.fingerprint_before = harness.db_fingerprint(root)
        run.free_before = shutil.disk_usage(base).free
        realtime_before = set(harness.realtime_processes())
        commands = {
            "autograde": ["autograde", ASSIGNMENT, "--force", f"--Execute.timeout={CELL_TIMEOUT}", f"--TrustedGrades.seed={SEED}"],
            "generate_feedback": ["generate_feedback", ASSIGNMENT, "--force"],
        }
        for phase in PHASES:
            run.runs[phase] = harness.nbgrader_watched(
                root, *commands[phase], env=ctx.secrets, fsize_limit=FSIZE_LIMIT, ignore_realtime=realtime_before,
                marker=ctx.marker, timeout=RUN_TIMEOUT,
            )
            (base / f"{phase}.log").write_text(run.runs[phase].log, encoding="utf-8")  # for a post-mortem
            run.canaries[phase] = {n: _canary_state(c) for n, c in ctx.canaries.items()}
            run.submitted[phase] = harness.tree_state(root / "submitted")
            run.course[phase] = _course_state(root)
            run.received += [(phase, listener, data) for listener, data in ctx.listeners.drain()]
            if phase == "autograde":
                run.survivors = _wait_marked_gone(ctx.marker, GRACE_SECONDS)
        marked = _marked(ctx.marker)
        run.realtime_after = {
            p: d for p, d in harness.realtime_processes().items() if p not in realtime_before and p in marked
        }
        run.free_after = shutil.disk_usage(base).free
        (base / "campagne.json").write_text(json.dumps({
            "seconds": {p: r.seconds for p, r in run.runs.items()}, "codes": {p: r.code for p, r in run.runs.items()},
            "peak_rss_mib": {p: r.peak_rss >> 20 for p, r in run.runs.items()},
            "realtime": {p: r.realtime for p, r in run.runs.items()}, "received": [(p, l, repr(d)) for p, l, d in run.received],
            "survivors": run.survivors, "free_drop_mb": (run.free_before - run.free_after) / 1e6, "marker": ctx.marker,
        }, indent=1, default=str), encoding="utf-8")
        yield run
    finally:
        ctx.listeners.close()
        _kill_marked(ctx.marker)
        _remove_fillers(base, ctx.marker)


# --- reading what nbgrader wrote -------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _notebook_text(raw):
    try:
        nb = json.loads(raw)
        cells = nb["cells"]
    except (ValueError, KeyError, TypeError):
        return raw
    parts = []
    for cell in cells:
        source = cell.get("source", "")
        parts.append("".join(source) if isinstance(source, list) else str(source))
        for out in cell.get("outputs", []):
            text = out.get("text", "")
            parts.append("".join(text) if isinstance(text, list) else str(text))
            for value in (out.get("data") or {}).values():
                parts.append("".join(value) if isinstance(value, list) else str(value))
            parts.append(str(out.get("evalue", "")))
            parts += [str(t) for t in out.get("traceback", [])]
    return _ANSI.sub("", "\n".join(parts))


_PAGES = {}


def pages(root, student):
    """[(where, text, raw bytes)] of every file nbgrader wrote for the student
    (autograded and feedback folders); links are not followed."""
    key = (str(root), student)
    if key not in _PAGES:
        _PAGES[key] = _read_pages(root, student)
    return _PAGES[key]


def _read_pages(root, student):
    found = []
    for top in ("autograded", "feedback"):
        folder = Path(root) / top / student
        for current, _, files in os.walk(folder):
            for name in files:
                path = Path(current) / name
                if path.is_symlink() or not path.is_file():
                    continue
                with open(path, "rb") as f:
                    raw = f.read(HUGE_FILE)
                text = raw.decode("utf-8", "replace")
                where = f"{top}/{path.relative_to(folder)}"
                if name.endswith(".ipynb"):
                    parts = _notebook_parts(text)
                    if parts is not None:
                        found += [(f"{where}, {part}", piece, piece.encode()) for part, piece in parts]
                        continue
                elif name.endswith(".html"):
                    text = html.unescape(_TAG.sub("", text))
                found.append((where, text, raw))
    return found


def _notebook_parts(raw):
    """[(which cell and part, text)] of a notebook; None if it is not one."""
    try:
        cells = json.loads(raw)["cells"]
    except (ValueError, KeyError, TypeError):
        return None
    parts = []
    for index, cell in enumerate(cells):
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        label = f"cell {index} ({meta.get('grade_id') or cell.get('cell_type')})"
        source = cell.get("source", "")
        parts.append((f"{label} source", "".join(source) if isinstance(source, list) else str(source)))
        outputs = _notebook_text(json.dumps({"cells": [{"outputs": cell.get("outputs", [])}]}))
        if outputs.strip():
            parts.append((f"{label} outputs", outputs))
    return parts


def _context(text, needle, width=60):
    i = text.find(needle)
    return repr(text[max(0, i - width) : i + len(needle) + width])


_REGIONS = [
    (re.compile(r"BEGIN MARK SCHEME"), re.compile(r"END MARK SCHEME"), "mark-scheme text", 25),
    (re.compile(r"^\s*#+\s*BEGIN SOLUTION\s*$"), re.compile(r"^\s*#+\s*END SOLUTION\s*$"), "solution text", 20),
]


def _secret_lines(root):
    """{line: what} of the solutions and mark schemes of the sources (none of
    them in any file of the release)."""
    released = []
    for path in (Path(root) / "release").rglob("*"):
        if path.is_file():
            raw = path.read_text("utf-8", "replace")
            released += [raw, _notebook_text(raw) if path.suffix == ".ipynb" else ""]
    released = "\n".join(released)
    lines = {}
    for path in sorted((Path(root) / "source" / ASSIGNMENT).glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            for begin, end, what, shortest in _REGIONS:
                inside = False
                for line in cell.source.split("\n"):
                    if begin.search(line):
                        inside = True
                    elif end.search(line):
                        inside = False
                    elif inside and len(line.strip()) >= shortest and line.strip() not in released:
                        lines.setdefault(line.strip(), f"{what} of the sources ({path.name}…)")
    return lines


@pytest.fixture(scope="module")
def secret_lines(campaign):
    return _secret_lines(campaign.root)


def _handed_in_text(root, student):
    parts = []
    for path in (Path(root) / "submitted" / student).rglob("*"):
        if path.is_file() and not path.is_symlink():
            raw = path.read_text("utf-8", "replace")
            parts += [raw, _notebook_text(raw)]
    return "\n".join(parts)


def _grades(campaign):
    try:
        return harness.grades(campaign.root)
    except Exception as exc:  # the gradebook itself was destroyed
        pytest.fail(f"the gradebook cannot be read any more ({type(exc).__name__}: {exc})")


def _log_errors(log, limit=15):
    lines = [line for line in log.splitlines() if re.search(r"ERROR|Error|Traceback|Exception", line)]
    return "\n".join(lines[-limit:])


ATTACK_NAMES = [a.name for a in hostile.ATTACKS]


# --- the run as a whole ----------------------------------------------------------------------


@pytest.mark.parametrize("phase", PHASES)
def test_nbgrader_exits_zero(campaign, phase):
    run = campaign.runs[phase]
    assert run.code == 0, f"nbgrader {phase} exited {run.code}:\n{_log_errors(run.log)}"


def test_every_student_is_graded(campaign):
    graded = _grades(campaign)
    missing = [s for s in campaign.students if s not in graded]
    assert not missing, f"no gradebook row for {missing}:\n{_log_errors(campaign.runs['autograde'].log)}"


def test_gradebook_is_intact(campaign):
    assert harness.integrity(campaign.root) == "ok", "PRAGMA integrity_check failed"
    assert harness.db_fingerprint(campaign.root) == campaign.fingerprint_before, "the course's tables of the gradebook changed"
    manual = [(s, c) for s, nbs in _grades(campaign).items() for cells in nbs.values() for c, g in cells.items() if g[1] is not None]
    assert not manual, f"manual scores appeared: {manual[:10]}"


@pytest.mark.parametrize("phase", PHASES)
def test_canaries_are_untouched(campaign, phase):
    changed = []
    for name, before in campaign.canaries["before"].items():
        after = campaign.canaries[phase][name]
        if after != before:
            canary = campaign.ctx.canaries[name]
            what = after[0] if after[0] != "file" else f"content {after[1][:60]!r}, mtime {after[2]}, mode {after[3]}"
            changed.append(f"{canary.path.name} (aimed at by {canary.aimed_by}): now {what}")
    assert not changed, f"after {phase}: " + "; ".join(changed)


def _diff(before, after):
    return sorted(
        [f"{k}: changed" for k in before if k in after and before[k] != after[k]]
        + [f"{k}: removed" for k in before if k not in after]
        + [f"{k}: added" for k in after if k not in before]
    )


@pytest.mark.parametrize("phase", PHASES)
def test_course_files_are_untouched(campaign, phase):
    changes = []
    for part, before in campaign.course["before"].items():
        after = campaign.course[phase][part]
        if part == "nbgrader_config.py":
            if after != before:
                changes.append("nbgrader_config.py changed")
            continue
        changes += [f"{part}/{c}" for c in _diff(before, after)]
    assert not changes, f"after {phase}: {changes}"


def _owner(campaign, path):
    student = str(path).split("/")[0]
    for pair, attack in campaign.pairs.items():
        if student == pair.attacker:
            return f"{student} (the attacker {attack.name})"
        if student == pair.victim:
            return f"{student} (the classmate right after {attack.name})"
    return student


@pytest.mark.parametrize("phase", PHASES)
def test_hand_ins_are_untouched(campaign, phase):
    changes = _diff(campaign.submitted["before"], campaign.submitted[phase])
    owners = sorted({_owner(campaign, c) for c in changes})
    assert not changes, f"after {phase}, submitted/ changed for {owners}: {changes[:20]}"


def test_no_symlink_in_autograded_or_feedback(campaign):
    links = {top: harness.symlinks_under(campaign.root / top) for top in ("autograded", "feedback")}
    assert not any(links.values()), f"symbolic links written by the run: {links}"


def test_no_huge_file_in_autograded_or_feedback(campaign):
    huge = []
    for top in ("autograded", "feedback"):
        for current, _, files in os.walk(campaign.root / top):
            for name in files:
                path = os.path.join(current, name)
                if not os.path.islink(path) and os.path.getsize(path) > HUGE_FILE:
                    huge.append(f"{os.path.relpath(path, campaign.root)} ({os.path.getsize(path) >> 20} Mio)")
    assert not huge, f"files beyond {HUGE_FILE >> 20} Mio: {huge}"


# --- each attack: grades ---------------------------------------------------------------------


def _check_scores(recorded, expected, who):
    problems = []
    for notebook, cells in expected.items():
        got = recorded.get(notebook)
        if got is None:
            if any(cells.values()):
                problems.append(f"{notebook}: not in the gradebook")
            continue
        for grade_id, score in cells.items():
            auto, manual, _ = got.get(grade_id, (None, None, False))
            if auto is None and score == 0:
                auto = 0.0  # no score counts as 0
            if auto is None or abs(auto - score) > 1e-6 or manual is not None:
                problems.append(f"{notebook} {grade_id}: recorded {auto} (manual {manual}), expected {score}")
        for grade_id, (auto, manual, _) in got.items():
            if grade_id.startswith("q_") and ((auto or 0) > 0 or manual is not None):
                problems.append(f"{notebook} {grade_id}: written answer scored {auto} / {manual}")
    assert not problems, f"{who}: " + "; ".join(problems)


@pytest.mark.parametrize("attack", ATTACK_NAMES)
def test_attack_earns_only_its_honest_answer(campaign, attack):
    pair = campaign.pair(attack)
    grades = _grades(campaign)
    assert pair.attacker in grades, f"{attack}: the attacker {pair.attacker} has no gradebook row"
    expected = hostile.expected(campaign.layout, hostile.ATTACK_BY_NAME[attack].earns)
    _check_scores(grades[pair.attacker], expected, f"{attack} ({pair.attacker})")


@pytest.mark.parametrize("attack", ATTACK_NAMES)
def test_next_classmate_keeps_full_marks(campaign, attack):
    pair = campaign.pair(attack)
    grades = _grades(campaign)
    assert pair.victim in grades, f"{attack}: the classmate after it ({pair.victim}) was not graded"
    _check_scores(grades[pair.victim], hostile.expected(campaign.layout, "all_06_2"), f"{pair.victim}, right after {attack}")
    page = campaign.root / "feedback" / pair.victim / ASSIGNMENT / hostile.NB2.replace(".ipynb", ".html")
    assert page.is_file() and not page.is_symlink(), f"{pair.victim}, right after {attack}: no feedback page"


# --- each attack: leaks ----------------------------------------------------------------------


@pytest.mark.parametrize("attack", ATTACK_NAMES)
def test_no_secret_reaches_the_attackers_pages(campaign, attack):
    """Canary values of nbgrader's environment, canary file contents, the
    course's absolute path, a copy of the gradebook."""
    pair = campaign.pair(attack)
    needles = {value: f"secret {name} of nbgrader's environment" for name, value in campaign.ctx.secrets.items()}
    needles.update({c.token: f"content of canary {c.path.name}" for c in campaign.ctx.canaries.values()})
    needles[str(campaign.root)] = "absolute path of the course root"
    leaks = []
    for where, text, raw in pages(campaign.root, pair.attacker):
        leaks += [f"{what} in {where}: {_context(text, needle)}" for needle, what in needles.items() if needle in text]
        if b"SQLite format 3\0" in raw:
            leaks.append(f"a copy of the gradebook in {where}")
    assert not leaks, f"{attack}: " + "\n".join(leaks[:12])


def _instructor_copy(where):
    """The source of a cell in an autograded notebook: the instructor's copy,
    where nbgrader puts the mark schemes back on purpose (for the formgrader).
    Its outputs, and every feedback page, are what the student can reach."""
    return where.startswith("autograded/") and where.endswith(" source")


@pytest.mark.parametrize("attack", ATTACK_NAMES)
def test_no_rubric_or_solution_reaches_the_attackers_pages(campaign, attack, secret_lines):
    pair = campaign.pair(attack)
    own = _handed_in_text(campaign.root, pair.attacker)
    needles = dict(secret_lines)
    needles.update({"BEGIN MARK SCHEME": "a mark-scheme marker", "BEGIN SOLUTION": "a solution marker"})
    needles = {line: what for line, what in needles.items() if line not in own}  # what it wrote itself
    leaks = []
    for where, text, _ in pages(campaign.root, pair.attacker):
        if _instructor_copy(where):
            continue
        hits = [(needle, what) for needle, what in needles.items() if needle in text]
        leaks += [f"{what} in {where}: {_context(text, needle)}" for needle, what in hits[:3]]
    assert not leaks, f"{attack}: " + "\n".join(leaks[:12])


@pytest.mark.parametrize("attack", [a.name for a in hostile.ATTACKS if a.anomaly])
def test_bad_metadata_is_reported(campaign, attack):
    pair = campaign.pair(attack)
    anomalies = campaign.root / "logs" / ASSIGNMENT / "anomalies.txt"
    assert anomalies.is_file(), f"{attack}: no logs/<assignment>/anomalies.txt"
    assert pair.attacker in anomalies.read_text("utf-8", "replace"), f"{attack}: {pair.attacker} is not in anomalies.txt"
    try:
        nb = harness.autograded(campaign.root, pair.attacker, hostile.NB2)
    except (OSError, ValueError) as exc:
        pytest.fail(f"{attack}: no autograded notebook ({type(exc).__name__})")
    assert any("**Correction** :" in c.source for c in nb.cells if c.cell_type == "markdown"), f"{attack}: no notice cell"


# --- the machine around the run --------------------------------------------------------------


def test_no_listener_received_anything(campaign):
    heard = [f"{listener} during {phase}: {data[:120]!r}" for phase, listener, data in campaign.received]
    assert not heard, "loopback listeners were reached (payload = attack:where:channel):\n" + "\n".join(heard)


def test_no_process_outlives_the_run(campaign):
    ctx = campaign.ctx
    assert not campaign.survivors, (
        f"processes started by hand-ins still alive {GRACE_SECONDS} s after autograde: "
        + "; ".join(f"{ctx.attack_of(cmd)}: pid {pid} {cmd[:100]}" for pid, cmd in campaign.survivors.items())
    )


def test_no_realtime_priority(campaign):
    ctx = campaign.ctx
    seen = {**campaign.runs["autograde"].realtime, **campaign.runs["generate_feedback"].realtime}
    assert not seen, "processes with a real-time policy during the run: " + "; ".join(
        f"{ctx.attack_of(what)}: pid {pid} {what[:140]}" for pid, what in seen.items()
    )
    assert not campaign.realtime_after, f"real-time processes after the run: {campaign.realtime_after}"


def test_disk_filler_leaves_nothing(campaign):
    marker = campaign.ctx.marker
    pair = campaign.pair("disque")
    folders = set()
    try:
        nb = harness.autograded(campaign.root, pair.attacker, hostile.NB2)
        for c in nb.cells:
            if c.cell_type == "code":
                folders |= set(re.findall(r"dossier (?:de travail|temporaire) : (\S+)", harness.outputs_text(c)))
    except (OSError, ValueError):
        pass
    root = str(campaign.root)
    # A scratch folder outside the course must be gone; the kernel's folder inside it, emptied of the fill.
    left = [f for f in folders if os.path.isdir(f) and not f.startswith(root)]
    left += [f for f in folders if f.startswith(root) and os.path.isdir(f) and any(n.startswith("bourrage_") for n in os.listdir(f))]
    strays = _find_named(campaign.base, f"bourrage_{marker}", depth=12)
    for top in ("/tmp", "/var/tmp", "/dev/shm"):
        strays += [p for p in _find_named(top, f"bourrage_{marker}", depth=4) if not p.startswith(str(campaign.base))]
    # The fill files are found by name; the free space of the disk is not
    # measured, since every other process on the machine changes it.
    assert not left, f"disque: the kernel's folders printed by the cell are still there: {sorted(left)}"
    assert not strays, f"disque: {len(strays)} fill files left behind: {sorted(strays)[:5]}"


@pytest.mark.parametrize("phase", PHASES)
def test_nbgrader_memory_stays_bounded(campaign, phase):
    peak = campaign.runs[phase].peak_rss
    assert peak < RSS_LIMIT, f"nbgrader {phase} peaked at {peak >> 20} MiB (sorties: a print without end and a huge display_data)"

