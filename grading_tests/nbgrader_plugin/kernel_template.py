"""Kernels forked from a warm template, for :class:`.ConfinedExecute`: a fresh process per notebook, imports made once.

Starting the kernel and importing numpy, matplotlib and scikit-learn took
about a third of a student's autograde, once per notebook
(``bench/profile_autograde.py``). A :class:`KernelTemplate` is a trusted
process (``kernel/rn-ch06-confine/template.py``) that imports those
libraries once and starts nothing else: no thread, no ZeroMQ context, no
kernel, no student code. Each kernel is a child it forks, which confines
itself exactly as the kernelspec's launcher does (process group, limits,
capabilities, Landlock, then seccomp once ipykernel has bound its sockets)
and becomes the kernel. So a notebook never shares a process with another
one: nothing it does to its kernel (a trace function, patched builtins, a
thread that keeps printing, a disabled ``%reset``) reaches the next, by
construction rather than by a reset the student's code could undo.

:class:`TemplateProvisioner` plugs this into jupyter_client as a kernel
provisioner: interrupts (SIGINT to the kernel's process group), kills,
``confine.kill_group`` and ``DiskWatch`` work as with a kernel that
jupyter_client started itself. No connection file is ever written: the
kernel's ports and key go to it over the template's private socket.

One template serves a process (:func:`template_for`), for as long as it
lives. Under the class command, that template is its grading worker's, kept
across students (:mod:`.worker_template`): the process gets a session of its
own with it, on a socket its launcher left open and named in
``RN_TEMPLATE``, and the template kills the session's kernels and removes
their folders when the process ends. Elsewhere (``nbgrader autograde``, the
formgrader), or when the template the process would start is another one
(another kernelspec, another ``preload``), the process starts its own; it
is stopped at exit, and it ends by itself, killing its kernels and removing
their folders, when the process that started it dies.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading

from jupyter_client.connect import LocalPortCache, port_names
from jupyter_client.localinterfaces import is_local_ip
from jupyter_client.provisioning.provisioner_base import KernelProvisionerBase

from .. import confine
from . import phases

__all__ = [
    "KernelTemplate", "TemplateError", "TemplateProvisioner", "forks_from_template", "split_kernel_command", "start_template",
    "stop_templates", "template_for",
]

TEMPLATE_SCRIPT = "template.py"
LAUNCHER_SCRIPT = "launcher.py"
START_SECONDS = 300  # the imports, on a loaded machine
SESSION_ENV = "RN_TEMPLATE"  # worker_template.describe: a session with the worker's template
REPLY_SECONDS = 60


class TemplateError(RuntimeError):
    """The template did not start, or did not answer."""


def forks_from_template(argv):
    """Whether a kernelspec's command runs the course's launcher, which has a template beside it."""
    return any(os.path.basename(arg) == LAUNCHER_SCRIPT for arg in argv)


def split_kernel_command(cmd):
    """(the template's command, the kernel's options) from a kernelspec's command running ``launcher.py``.

    The template runs with the kernelspec's interpreter and its flags, and
    the options after ``-f {connection_file}`` are the kernel's.
    """
    for i, arg in enumerate(cmd):
        if os.path.basename(arg) == LAUNCHER_SCRIPT:
            options, rest = [], iter(cmd[i + 1 :])
            for item in rest:
                if item == "-f":
                    next(rest, None)
                else:
                    options.append(item)
            return [*cmd[:i], os.path.join(os.path.dirname(arg), TEMPLATE_SCRIPT)], options
    raise TemplateError(f"the kernel's command does not run {LAUNCHER_SCRIPT}: {cmd}")


def start_template(command, options, preload):
    """Start ``template.py`` in a folder of its own: (that folder, our end of its socket, its process).

    ``options`` go before the socket's descriptor (``--sessions`` for a
    worker's template); the template gets the other end of the socket and
    nothing else of ours, and a minimal environment.
    """
    home = tempfile.mkdtemp(prefix="rn-gabarit-")
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        proc = subprocess.Popen(
            [*command, *options, str(theirs.fileno()), *preload], pass_fds=[theirs.fileno()], cwd=home,
            env=confine.environment(home), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        )
    except BaseException:
        ours.close()
        shutil.rmtree(home, ignore_errors=True)
        raise
    finally:
        theirs.close()
    return home, ours, proc


class KernelTemplate:
    """A running ``template.py``: :meth:`fork` gives a new kernel, :meth:`stop` ends it and its kernels."""

    def __init__(self, command, preload, session=None):
        self.command, self.preload, self.owner = list(command), tuple(preload), os.getpid()
        self.failed, self.reported, self._ready, self._lock = {}, False, False, threading.Lock()
        self.proc = self.home = None
        self.ended = False
        if session is not None:  # a session with the template of this worker, already running
            self.sock = session
            return
        self.home, self.sock, self.proc = start_template(self.command, [], self.preload)
        phases.kernel(self.proc.pid)  # the kernels it forks are its children: their CPU is the kernels'

    def _receive(self, seconds):
        ready, _, _ = select.select([self.sock], [], [], seconds)
        if not ready:
            raise TemplateError(f"the kernel template did not answer in {seconds} s")
        data, fds, _, _ = socket.recv_fds(self.sock, 1 << 16, 2)
        if not data:
            self.ended = True
            raise TemplateError(f"the kernel template ended (exit code {self.proc and self.proc.poll()})")
        message = json.loads(data)
        if "error" in message:
            for fd in fds:
                os.close(fd)
            raise TemplateError(f"the kernel template refused: {message['error']}")
        return message, fds

    def _request(self, message, fds=()):
        with self._lock:
            if not self._ready:
                ready, _ = self._receive(START_SECONDS)
                self.failed, self._ready = ready.get("failed", {}), True
                if self.proc is None:
                    phases.kernel(ready.get("ready"))
            socket.send_fds(self.sock, [json.dumps(message).encode()], list(fds))
            return self._receive(REPLY_SECONDS)

    def alive(self):
        return self.owner == os.getpid() and not self.ended and (self.proc is None or self.proc.poll() is None)

    def fork(self, cwd, env, connection, options, stderr=None):
        """Start a kernel in ``cwd`` with environment ``env``; (pid, pidfd). ``stderr``: a descriptor or None."""
        request = {"start": {"cwd": str(cwd), "env": dict(env), "connection": connection, "options": list(options)}}
        reply, fds = self._request(request, [stderr] if stderr is not None else [])
        if len(fds) != 1 or "pid" not in reply:
            for fd in fds:
                os.close(fd)
            raise TemplateError(f"unexpected answer from the kernel template: {reply}")
        return int(reply["pid"]), fds[0]

    def status(self, pid):
        """The exit code of kernel ``pid``, None while it runs."""
        reply, fds = self._request({"status": pid})
        for fd in fds:
            os.close(fd)
        return reply.get("status")

    def stop(self):
        """Close the socket: the template kills its kernels and removes their folders (and, if this
        process started it, its own folder, and exits)."""
        self.sock.close()
        if self.proc is not None and self.owner == os.getpid():
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)


_TEMPLATES = {}
_TEMPLATES_LOCK = threading.Lock()


def template_for(command, preload):
    """This process's template for ``command`` and ``preload``, started on first use and again if it died."""
    key = (tuple(command), tuple(preload))
    with _TEMPLATES_LOCK:
        template = _TEMPLATES.get(key)
        if template is None or not template.alive():
            if template is not None and template.owner == os.getpid():
                template.stop()
            template = _TEMPLATES[key] = _worker_session(key) or KernelTemplate(command, preload)
        return template


def _worker_session(key):
    """A :class:`KernelTemplate` on the session the launcher left open (``RN_TEMPLATE``) if its template is
    the one ``key`` names, else None; taken once (the variable is removed, the socket closed if unused)."""
    described = os.environ.pop(SESSION_ENV, None)
    if not described:
        return None
    try:
        session = json.loads(described)
        sock = socket.socket(fileno=int(session["fd"]))
    except (ValueError, KeyError, TypeError, OSError):
        return None
    if sock.type != socket.SOCK_SEQPACKET or (tuple(session.get("command") or ()), tuple(session.get("preload") or ())) != key:
        sock.close()
        return None
    return KernelTemplate(key[0], key[1], session=sock)


def stop_templates():
    with _TEMPLATES_LOCK:
        while _TEMPLATES:
            _, template = _TEMPLATES.popitem()
            if template.owner == os.getpid():
                template.stop()


atexit.register(stop_templates)


def _descriptor(stream):
    """A descriptor for the kernel's stderr from a Popen-style argument, or None (nowhere)."""
    if stream is None or stream in (subprocess.DEVNULL, subprocess.PIPE, subprocess.STDOUT):
        return None
    return stream if isinstance(stream, int) else stream.fileno()


class TemplateProvisioner(KernelProvisionerBase):
    """A jupyter_client provisioner whose kernels are forked from this process's :class:`KernelTemplate`.

    Its kernel manager (``parent``) names the modules to preload in ``preload``.

    The kernel is the template's child, not this process's: it is followed
    through a pidfd, signalled through its process group (it leads one, as a
    kernel started by the launcher does), and its exit code is asked of the
    template.
    """

    pid = pgid = None
    _pidfd = _code = _template = None
    _ports_taken = ()

    @property
    def has_process(self):
        return self._pidfd is not None

    def _exited(self):
        return bool(select.select([self._pidfd], [], [], 0)[0])

    async def poll(self):
        if self._pidfd is None:
            return 0
        if not self._exited():
            return None
        if self._code is None:
            try:
                self._code = self._template.status(self.pid)
            except (TemplateError, OSError):
                self._code = None
            if self._code is None:  # the template itself is gone: the kernel ended all the same
                self._code = -signal.SIGKILL
        return self._code

    async def wait(self):
        if self._pidfd is not None and not self._exited():
            # Woken by the pidfd as soon as the kernel has exited, not by polling.
            loop, exited = asyncio.get_running_loop(), asyncio.Event()
            loop.add_reader(self._pidfd, exited.set)
            try:
                await exited.wait()
            finally:
                loop.remove_reader(self._pidfd)
        code = await self.poll()
        self._close_pidfd()
        return code

    async def send_signal(self, signum):
        if self.pgid is None:
            return
        try:
            os.killpg(self.pgid, signum)
        except ProcessLookupError:
            pass  # the group is empty: nothing left to signal

    async def kill(self, restart=False):
        await self.send_signal(signal.SIGKILL)

    async def terminate(self, restart=False):
        await self.send_signal(signal.SIGTERM)

    async def pre_launch(self, **kwargs):
        km = self.parent
        if km.transport != "tcp" or not is_local_ip(km.ip):
            raise TemplateError(f"a forked kernel listens on a local TCP address only, not {km.transport}://{km.ip}")
        ports = LocalPortCache.instance()
        taken = []
        for name in port_names:
            if not getattr(km, name):
                setattr(km, name, ports.find_available_port(km.ip))
                taken.append(getattr(km, name))
        self._ports_taken = tuple(taken)
        self.connection_info = km.get_connection_info()
        cmd = km.format_kernel_cmd(extra_arguments=kwargs.pop("extra_arguments", []))
        return await super().pre_launch(cmd=cmd, **kwargs)

    async def launch_kernel(self, cmd, **kwargs):
        command, options = split_kernel_command(cmd)
        self._template = template_for(command, self.parent.preload)
        connection = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in self.connection_info.items()}
        cwd = kwargs.get("cwd") or os.getcwd()
        self.pid, self._pidfd = self._template.fork(cwd, kwargs["env"], connection, options, _descriptor(kwargs.get("stderr")))
        self.pgid, self._code = self.pid, None
        if self._template.failed and not self._template.reported:
            self._template.reported = True
            self.log.warning("The kernel template could not import %s; each kernel imports them itself", self._template.failed)
        return self.connection_info

    def _close_pidfd(self):
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None

    async def cleanup(self, restart=False):
        if not restart:
            self._close_pidfd()
            ports = LocalPortCache.instance()
            for port in self._ports_taken:
                ports.return_port(port)
            self._ports_taken = ()

    async def get_provisioner_info(self):
        info = await super().get_provisioner_info()
        info.update({"pid": self.pid, "pgid": self.pgid})
        return info
