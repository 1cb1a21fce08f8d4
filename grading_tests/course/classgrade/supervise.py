"""A warm launcher of ``nbgrader``: each command in a fresh forked process, timed, and nothing left behind.

``python supervise.py`` (run by its path) reads requests on stdin, one JSON
object a line: ``{"cwd": ..., "argv": [...], "log": ..., "timeout": s,
"private": folder}``, and answers each with ``{"code": n, "phases": [...]}`` on stdout once
the command is over (the phases: :meth:`Accounting.phases`).

Starting nbgrader costs seconds of imports (for this course, ~2 s of them
compiling a grammar for jsonschema), once per student when each student runs
in a process of its own. The launcher imports nbgrader and the course's
plug-in once, then forks a child per request: a fresh process, in its own
session (so its own process group), that runs ``nbgrader <argv>`` exactly as
the ``nbgrader`` script does, in ``cwd``, its output in ``log``. The
launcher grades nothing itself, so the children start with nothing cached.

The launcher:

- is a child subreaper, so what a command leaves running (a kernel in its
  own process group, a detached grandchild) is re-parented to it, and killed
  when the command ends;
- keeps this worker's warm kernel template
  (:mod:`grading_tests.nbgrader_plugin.worker_template`), started for the
  first command that runs notebooks (phase ``template_started``) and again
  if it died; each command gets a session of its own with it, and the
  launcher answers only once the template has killed and reaped that
  session's kernels and removed their folders. The template alone outlives
  a command; it ends with the launcher;
- gives each command a temporary folder of its own, ``<private>/tmp``, as
  ``TMPDIR`` and ``JUPYTER_RUNTIME_DIR``, removed once the command has ended
  with whatever the command or its kernels left there, even when the
  command could not clean up (it ends with ``os._exit``, or was killed);
- past ``timeout`` seconds, sends the child's group SIGINT (nbgrader ends its
  kernels itself), waits ``GRACE`` seconds, then SIGKILLs every process group
  below it but the template: the answer is then 124;
- accounts for the command's time (:class:`Accounting`): the command's
  trusted code tells its phases on a pipe (:mod:`grading_tests.nbgrader_plugin.phases`),
  and the launcher, which sees every process below it, reads their CPU from
  ``/proc`` at each event and every ``SAMPLE_EVERY`` seconds;
- gets SIGTERM when the thread that started it ends (its grading worker
  died), and then kills everything below it, the template included, removes
  the ``private`` folder of the command in progress and exits; it ignores
  SIGINT (the driver alone handles Ctrl-C).
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import shutil
import signal
import sys
import tempfile
import time

GRACE = 5.0
SAMPLE_EVERY = 0.25
PHASES_ENV = "RN_PHASES_FD"  # grading_tests/nbgrader_plugin/phases.py reads it
TIMED_OUT = 124
_PR_SET_PDEATHSIG, _PR_SET_CHILD_SUBREAPER = 1, 36
_CURRENT = {}  # the request being run: what to remove if the launcher is stopped
_TEMPLATE = []  # this worker's kernel template: a worker_template.Keeper once the plug-in is imported


def _prctl(option, value):
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _processes():
    """{pid: (parent, start time, own CPU ticks, ticks of its reaped children)} of every process."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                text = f.read()
            fields = text[text.rfind(")") + 2 :].split()
            # fields from the 3rd of proc(5): ppid 4th, utime 14th, stime 15th, cutime 16th, cstime 17th, starttime 22nd
            table[int(entry)] = (int(fields[1]), int(fields[19]), int(fields[11]) + int(fields[12]),
                                 int(fields[13]) + int(fields[14]))
        except (OSError, ValueError, IndexError):
            continue
    return table


def _below(table, tops):
    """The pids of ``table`` below (not including) ``tops``."""
    children = {}
    for pid, row in table.items():
        children.setdefault(row[0], []).append(pid)
    found, todo = set(), list(tops)
    while todo:
        for pid in children.get(todo.pop(), ()):
            if pid not in found:
                found.add(pid)
                todo.append(pid)
    return found


def _reap():
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def kill_everything_below(spare=()):
    """SIGKILL every process below this one but ``spare`` (pids), and the process group of each; reap them."""
    own = os.getpgid(0)
    for _ in range(20):
        below = _below(_processes(), [os.getpid()]) - set(spare)
        if not below:
            return
        for pid in below:
            try:
                group = os.getpgid(pid)
                if group != own:
                    os.killpg(group, signal.SIGKILL)
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.05)
        _reap()


def _child(request, events_fd, session=None):
    """In the forked child: ``nbgrader <argv>`` as the nbgrader script runs it; never returns.

    ``events_fd``, the write end of the accounting pipe, stays open (close-on-exec: no
    program this process starts inherits it) and is named in ``RN_PHASES_FD``; so does
    ``session`` (a descriptor, and the value of ``RN_TEMPLATE``), this command's session
    with the worker's kernel template, when there is one.
    """
    code = 1
    try:
        os.setsid()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.chdir(request["cwd"])
        os.environ["TMPDIR"] = os.environ["JUPYTER_RUNTIME_DIR"] = _command_tmp(request)
        tempfile.tempdir = None  # the launcher's choice, cached, is not the command's
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        # The launcher's pipes and sockets are not the command's business, but for the
        # accounting's and its own session with the template.
        kept = sorted([events_fd] + ([session[0]] if session else []))
        for low, high in zip([2, *kept], [*kept, os.sysconf("SC_OPEN_MAX")]):
            os.closerange(low + 1, high)
        for fd in kept:
            os.set_inheritable(fd, False)
        os.environ[PHASES_ENV] = str(events_fd)
        if session:
            os.environ["RN_TEMPLATE"] = session[1]  # grading_tests/nbgrader_plugin/worker_template.py
        sys.stdin = open(0, closefd=False)
        sys.stdout = open(1, "w", buffering=1, closefd=False)
        sys.stderr = open(2, "w", buffering=1, closefd=False)
        from nbgrader.apps.nbgraderapp import main

        sys.argv = ["nbgrader", *request["argv"]]
        try:
            code = main()
        except SystemExit as exc:
            code = exc.code
        code = code if isinstance(code, int) else (0 if code is None else 1)
    except BaseException:  # report, never return into the launcher's loop
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


class Accounting:
    """The CPU of every process below the launcher, split into the phases the command tells.

    Each sample gives, in seconds of CPU since the command started: ``tree``,
    every process below the launcher (the live ones' own and reaped
    children's times, plus what the launcher itself reaped since, its
    ``RUSAGE_CHILDREN``: nothing that ran below it is lost, however short);
    ``nbgrader``, the command's process alone (its own times, no child's);
    ``kernels``, the processes the command declared kernels and what they
    forked (see :meth:`_kernels`), and the worker's template, a kernel from the
    first sample (its past is in the baseline; the kernels it reaps during the
    command are the command's). Phases are the spans between events: the CPU of a
    span is the difference of the samples taken when the launcher read its two
    events, its wall time the difference of their stamps.
    """

    def __init__(self, events_fd, kernel_roots=()):
        self.pid, self.fd, self.buffer = None, events_fd, b""  # pid: the command's, once forked
        self.tick = os.sysconf("SC_CLK_TCK")
        times = os.times()
        self.reaped_before = times.children_user + times.children_system
        self.kernel_roots, self.kernel_seen, self.kernel_retired, self.nbgrader_last = set(kernel_roots), {}, 0, 0
        self.started = time.monotonic()
        self.spans = [["nbgrader", None, self.started, self.sample()]]
        self.last_sample = self.started

    def sample(self):
        table = _processes()
        times = os.times()
        below = _below(table, [os.getpid()])
        tree = sum(table[p][2] + table[p][3] for p in below) / self.tick
        tree += times.children_user + times.children_system - self.reaped_before
        if self.pid in table:
            self.nbgrader_last = table[self.pid][2] / self.tick
        self.last_sample = time.monotonic()
        return {"tree": tree, "nbgrader": self.nbgrader_last, "kernels": self._kernels(table)}

    def _kernels(self, table):
        """Kernel CPU: the live kernels (own and reaped children's times), and each kernel seen
        before it ended whose parent was not a kernel (a kernel's parent kernel counts it when it reaps it)."""
        live = {(p, table[p][1]) for p in _below(table, self.kernel_roots) | (self.kernel_roots & set(table))}
        total = sum(table[p][2] + table[p][3] for p, _ in live)
        for key, (parent_is_kernel, ticks) in list(self.kernel_seen.items()):
            if key not in live:
                del self.kernel_seen[key]
                if not parent_is_kernel:
                    self.kernel_retired += ticks
        for key in live:
            row = table[key[0]]
            self.kernel_seen[key] = ((row[0], table.get(row[0], (0, 0))[1]) in live, row[2] + row[3])
        return (total + self.kernel_retired) / self.tick

    def mark(self, phase):
        """From now on the command is in ``phase`` (the launcher's own, before the command starts)."""
        self.spans.append([phase, None, time.monotonic(), self.sample()])

    def read_events(self):
        """Read what the command told; sample at each event. False once the pipe is closed."""
        try:
            data = os.read(self.fd, 1 << 16)
        except BlockingIOError:
            return True
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        for line in lines:
            try:
                event = json.loads(line)
                moment = float(event["t"])
            except (ValueError, KeyError, TypeError):
                continue
            if "kernel" in event:
                self.kernel_roots.add(int(event["kernel"]))
            elif "phase" in event:
                self.spans.append([str(event["phase"]), event.get("notebook"), moment, self.sample()])
        return bool(data)

    def phases(self):
        """The spans merged by (phase, notebook), in order of first appearance."""
        self.spans.append(["end", None, time.monotonic(), self.sample()])
        merged = {}
        for (phase, notebook, begin, before), (_, _, end, after) in zip(self.spans, self.spans[1:]):
            row = merged.setdefault((phase, notebook), {"phase": phase, "notebook": notebook, "seconds": 0.0, "cpu": 0.0,
                                                        "cpu_nbgrader": 0.0, "cpu_kernels": 0.0, "spans": 0})
            row["seconds"] += max(0.0, end - begin)
            row["spans"] += 1
            for key, name in (("tree", "cpu"), ("nbgrader", "cpu_nbgrader"), ("kernels", "cpu_kernels")):
                row[name] += after[key] - before[key]
        return [{k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()} for row in merged.values()]


def _command_tmp(request):
    return os.path.join(request["private"], "tmp")


def _spared():
    """What the end of a command leaves alive: this worker's kernel template (its kernels are not spared)."""
    return _TEMPLATE[0].pids() if _TEMPLATE else set()


def _template(request, accounting):
    """This worker's kernel template, or None (no notebook run: ``"kernels": false``; no course template)."""
    if not request.get("kernels", True) or not _TEMPLATE:
        return None
    template = _TEMPLATE[0].get(lambda: accounting.spans[-1].__setitem__(0, "template_started"))
    if accounting.spans[-1][0] == "template_started":
        accounting.kernel_roots |= {template.pid} if template else set()
        accounting.mark("nbgrader")
    return template


def run(request):
    """Fork, run, wait (with the time limit), clean up; (the exit code, the phases: :meth:`Accounting.phases`)."""
    os.makedirs(_command_tmp(request), mode=0o700, exist_ok=True)
    _CURRENT["private"] = request["private"]
    events, told = os.pipe()
    accounting = Accounting(events, _spared())  # a warm template's past CPU is in the baseline
    template = _template(request, accounting)
    session = template and template.session()  # (the command's end, its name), or None
    pid = os.fork()
    if pid == 0:
        os.close(events)
        _child(request, told, session and (session[0].fileno(), template.describe(session[0].fileno())))
    os.close(told)
    if session:
        session[0].close()
    accounting.pid = pid
    os.set_blocking(events, False)
    try:
        code = _wait(request, pid, accounting, session and session[1])
    finally:
        os.close(events)
    return code


def _wait(request, pid, accounting, session=None):
    deadline = time.monotonic() + float(request["timeout"])
    code, open_pipe = None, True
    while code is None:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            break
        if time.monotonic() > deadline:
            with open(request["log"], "a") as log:
                log.write(f"\n[supervise] time limit of {float(request['timeout']):g} s reached: ending nbgrader\n")
            try:
                os.killpg(pid, signal.SIGINT)
            except OSError:
                pass
            end = time.monotonic() + GRACE
            while time.monotonic() < end and not os.waitpid(pid, os.WNOHANG)[0]:
                time.sleep(0.1)
            kill_everything_below(_spared())
            code = TIMED_OUT
            break
        if open_pipe:
            ready, _, _ = select.select([accounting.fd], [], [], 0.05)
            open_pipe = not ready or accounting.read_events()
        else:
            time.sleep(0.05)
        if time.monotonic() - accounting.last_sample >= SAMPLE_EVERY:
            accounting.sample()
    if open_pipe:
        accounting.read_events()  # what the command told before it ended
    kill_everything_below(_spared())  # whatever the command left running
    if session and _TEMPLATE[0].current():
        # Its session ends with it: wait until its kernels are reaped, their folders removed.
        _TEMPLATE[0].current().wait_closed(session)
    shutil.rmtree(_command_tmp(request), ignore_errors=True)  # and whatever it left on disk
    _CURRENT.clear()
    return code, accounting.phases()


def _on_sigterm(signum, frame):
    kill_everything_below()
    for keeper in _TEMPLATE:
        keeper.stop()
    if _CURRENT.get("private"):
        shutil.rmtree(_CURRENT["private"], ignore_errors=True)
    os._exit(128 + signum)


def main():
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    if os.getppid() == 1:  # the parent died before PDEATHSIG was set
        return 1
    # As the nbgrader script: its own folder first on the path, never this one or the cwd.
    sys.path[0] = os.path.dirname(sys.executable)
    import nbgrader.apps.nbgraderapp  # noqa: F401  (the imports every child would otherwise redo)

    try:
        from grading_tests.nbgrader_plugin import worker_template

        _TEMPLATE.append(worker_template.Keeper())
    except ImportError:
        pass
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # nothing but replies on the reply channel
    replies.write(json.dumps({"ready": os.getpid()}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        code, phases = run(json.loads(line))
        replies.write(json.dumps({"code": code, "phases": phases}) + "\n")
    kill_everything_below()
    for keeper in _TEMPLATE:
        keeper.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
