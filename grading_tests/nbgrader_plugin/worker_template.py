"""One warm kernel template per grading worker, kept across students: the launcher's side.

The class command's launcher (``course/classgrade/supervise.py``, one per
grading worker thread) forks one ``nbgrader autograde`` per student. With
a template per nbgrader process (:func:`.kernel_template.template_for`),
every student paid the template's imports (numpy, matplotlib,
scikit-learn, ipykernel) again: seconds of CPU per student, before its
first notebook. A :class:`WorkerTemplate` is started by the launcher
instead, once (and again if it died), and serves each command through a
*session* of its own:

- the template (``kernel/rn-ch06-confine/template.py --sessions``) talks to
  the launcher on a control socket;
- per command, :meth:`WorkerTemplate.session` makes a new ``SOCK_SEQPACKET``
  pair, sends one end to the template (``SCM_RIGHTS``) and returns the
  other, which the launcher leaves open in the nbgrader process alone
  (close-on-exec), named in ``RN_TEMPLATE`` with the template's command and
  preload (:func:`describe`); the plug-in's trusted code uses it as its
  template (:func:`.kernel_template.template_for`) when it would have
  started the same template, and starts its own otherwise;
- the command's kernels are forked on that session, and a session's
  requests reach only its own kernels. When the command ends (or is
  killed), its end of the session closes; the template kills the process
  group of each of the session's kernels, reaps them, removes their
  folders and says so on the control socket: :meth:`WorkerTemplate.wait_closed`
  returns then, before the launcher answers, so no kernel of one student
  is alive, or unreaped, when the next one starts.

The template is trusted code that never runs a line of a notebook; every
kernel is a fresh child of it, confined after the fork as before, and holds
neither the control socket nor any session socket. What a student's kernel
does dies with that kernel: the next student's kernels are forked from the
same pristine template.
"""

from __future__ import annotations

import json
import select
import shutil
import socket
import subprocess
import time

from .kernel_template import START_SECONDS, TemplateError, split_kernel_command, start_template

__all__ = ["ENV", "Keeper", "WorkerTemplate", "course_template"]

ENV = "RN_TEMPLATE"  # read by kernel_template.template_for, in the nbgrader process
SESSIONS = "--sessions"  # template.py's option
CLOSE_SECONDS = 30  # from a command's end to its kernels reaped and their folders removed
MAX_MESSAGE = 1 << 16


def course_template():
    """(command, preload) of the template :class:`.ConfinedExecute` starts with its defaults, or None.

    Derived the way the plug-in does (its kernelspec ``rn-ch06-confine`` and
    its ``preload``): None when that kernelspec does not fork from a template.
    """
    from .confined_execute import ConfinedExecute

    km = ConfinedExecute().create_kernel_manager()
    if km.preload is None:
        return None
    command, _ = split_kernel_command(km.format_kernel_cmd())
    return command, list(km.preload)


class WorkerTemplate:
    """A running ``template.py --sessions``: :meth:`session` per command, :meth:`stop` ends it and its kernels."""

    def __init__(self, command, preload):
        self.command, self.preload, self.sessions = list(command), list(preload), 0
        self.home, self.sock, self.proc = start_template(self.command, [SESSIONS], self.preload)
        self.pid = self.proc.pid
        try:
            ready = self._receive(START_SECONDS)
            if "ready" not in ready:
                raise TemplateError(f"the kernel template refused: {ready.get('error', ready)}")
        except BaseException:
            self.stop()
            raise
        self.failed = ready.get("failed", {})

    def _receive(self, seconds):
        if not select.select([self.sock], [], [], max(0.0, seconds))[0]:
            raise TemplateError(f"the kernel template did not answer in {seconds:.0f} s")
        data = self.sock.recv(MAX_MESSAGE)
        if not data:
            raise TemplateError(f"the kernel template ended (exit code {self.proc.poll()})")
        return json.loads(data)

    def describe(self, fd):
        """The value of ``RN_TEMPLATE`` for the nbgrader process that holds session socket ``fd``."""
        return json.dumps({"fd": int(fd), "command": self.command, "preload": self.preload})

    def alive(self):
        return self.sock.fileno() >= 0 and self.proc.poll() is None

    def session(self):
        """A new session: (the socket to leave open in one command, its name for :meth:`wait_closed`), or None
        if the template cannot take it (the command then starts its own)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sessions += 1
        try:
            socket.send_fds(self.sock, [json.dumps({"session": self.sessions}).encode()], [theirs.fileno()])
        except OSError:
            ours.close()
            return None
        finally:
            theirs.close()
        return ours, self.sessions

    def wait_closed(self, name, seconds=CLOSE_SECONDS):
        """Wait until the template has ended session ``name``; if it does not say so in time, stop it (False)."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                if self._receive(deadline - time.monotonic()).get("closed") == name:
                    return True
        except (TemplateError, OSError, ValueError):
            self.stop()
            return False

    def stop(self):
        """Close the control socket: the template ends every session and exits; killed if it does not."""
        self.sock.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.home, ignore_errors=True)


class Keeper:
    """A worker's template: started when a command needs one and none runs (again if it died)."""

    def __init__(self):
        self.course, self.running = (), None  # course: () until derived, then (command, preload) or None

    def current(self):
        return self.running if self.running is not None and self.running.alive() else None

    def pids(self):
        current = self.current()
        return {current.pid} if current else set()

    def get(self, starting):
        """The running template, else a new one (``starting()`` is called first); None when the course's
        kernel has no template, or it failed to start."""
        if self.current():
            return self.running
        self.stop()
        if self.course == ():
            try:
                self.course = course_template()
            except Exception:  # no course kernelspec here: per-command templates, as outside the class command
                self.course = None
        if self.course is None:
            return None
        starting()
        try:
            self.running = WorkerTemplate(*self.course)
        except (TemplateError, OSError, ValueError):
            self.running = None
        return self.running

    def stop(self):
        running, self.running = self.running, None
        if running is not None:
            running.stop()
