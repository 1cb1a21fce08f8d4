"""A warm template of the course kernel: libraries imported once, one fresh forked process per kernel.

``python -X utf8 template.py FD [MODULE ...]`` is started by trusted code
(``grading_tests/nbgrader_plugin/kernel_template.py``), never by a student.
It imports the ``MODULE``s (numpy, matplotlib, scikit-learn, ipykernel…)
and starts nothing else: no thread, no ZeroMQ context, no kernel, and it
never runs a line of a notebook. Each kernel is a child it forks: a new
process holding the template's memory as it was after the imports, which
then confines itself and becomes the kernel exactly as the kernelspec's
launcher does (``launcher.run_forked_kernel``). Whatever a notebook does to
its process (a trace function, patched builtins, a thread that prints) dies
with it: the next notebook is another child of the same pristine template.

It talks on ``FD``, a UNIX ``SOCK_SEQPACKET`` socket whose other end only
the trusted side holds, one JSON object per message. On a *session* socket:

- it sends ``{"ready": pid, "failed": {module: error}}`` first;
- ``{"start": {"cwd", "env", "connection", "options"}}`` with the kernel's
  stderr as an attached descriptor: it forks the kernel and answers
  ``{"pid": pid}`` with a pidfd of the kernel attached, once the kernel
  leads its own session and process group and listens on its ports (or
  has died trying), or ``{"error": text}``;
- ``{"status": pid}``: ``{"status": exit code, or None while it runs}``, for
  a kernel of this session only;
- end of file (the process that held the other end closed it, or died): it
  kills the process group of every kernel of the session, reaps them and
  removes their scratch folders.

Two lifetimes:

- ``template.py FD MODULE...``: ``FD`` is the one session, of the nbgrader
  process that started it (``kernel_template.KernelTemplate``); at its end
  of file the template exits;
- ``template.py --sessions FD MODULE...``: ``FD`` is a control socket of
  the class command's launcher (``course/classgrade/supervise.py``, through
  ``nbgrader_plugin/worker_template.py``), which keeps the template for
  every student its worker grades. The template sends ``{"ready": pid,
  "failed": ...}`` there once imported; then each ``{"session": name}``
  comes with a new session socket attached, whose other end the launcher
  gives to one nbgrader command; when that session ends (the command ended
  or was killed) and its kernels are reaped and their folders removed, the
  template answers ``{"closed": name}`` on the control socket. At the
  control socket's end of file, or SIGTERM (the launcher's death signal),
  it ends every session and exits.

A kernel is forked with nothing but its stderr and one pipe open: no
session socket, no control socket, no other kernel's pidfd. A session's
requests reach only that session's kernels, and a kernel is confined as
soon as it is forked, before any notebook code: the template itself never
runs a line of student code, whoever's session asked for the kernel.

It is a standalone script, like the launcher: it imports nothing from the
course, and loads ``launcher.py`` by path.
"""

import ctypes
import importlib
import importlib.util
import json
import os
import select
import shutil
import signal
import socket
import sys
import threading
import traceback

MAX_MESSAGE = 1 << 20
LISTEN_SECONDS = 60  # from the fork to the kernel's sockets: the trusted side waits for them anyway
SESSIONS = "--sessions"
_PR_SET_PDEATHSIG = 1


def _load_launcher():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "launcher.py")
    spec = importlib.util.spec_from_file_location("launcher", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


launcher = _load_launcher()


def _threads():
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def _preload(names):
    """Import ``names``; {name: error} of those that failed."""
    failed = {}
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:  # a missing optional library: the kernel imports it itself, or fails as it would have
            failed[name] = f"{type(exc).__name__}: {exc}"
    return failed


def _child(request, stderr, listening):
    """In the forked child: its own session, its own descriptors, then the kernel; never returns.

    ``listening`` is a pipe's end, written to and closed once the kernel
    listens on its ports.
    """
    code = 1
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.dup2(stderr if stderr is not None else null, 2)
        # The template's socket and the other kernels' pidfds are not the kernel's business.
        os.closerange(3, listening)
        os.closerange(listening + 1, os.sysconf("SC_OPEN_MAX"))
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

        def on_listening():
            os.write(listening, b"1")
            os.close(listening)

        launcher.run_forked_kernel(request, on_listening)
        code = 0
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stderr.flush()
        finally:
            os._exit(code)


class Session:
    """The kernels forked through one socket: {pid: pidfd} while they run, their exit codes and scratch folders."""

    def __init__(self, sock, name=None):
        self.sock, self.name, self.running, self.codes, self.scratches = sock, name, {}, {}, set()

    def reply(self, message, fds=()):
        socket.send_fds(self.sock, [json.dumps(message).encode()], list(fds))

    def start(self, request, stderr):
        """Fork the kernel of ``request``; answer with its pid and a pidfd once it leads its own group."""
        self.scratches.add(request["cwd"])
        ready_r, ready_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(ready_r)
            _child(request, stderr, ready_w)
        os.close(ready_w)
        try:
            # One byte once it listens; end of file if it died before (its pid is reported all the same).
            if select.select([ready_r], [], [], LISTEN_SECONDS)[0]:
                os.read(ready_r, 1)
        finally:
            os.close(ready_r)
        self.running[pid] = os.pidfd_open(pid)
        self.reply({"pid": pid}, [self.running[pid]])

    def reap(self, pid=None):
        """Collect the exit codes of the kernels that ended (of ``pid`` only, if given)."""
        for child in [pid] if pid is not None else list(self.running):
            if child not in self.running:
                continue
            try:
                done, status = os.waitpid(child, os.WNOHANG)
            except ChildProcessError:
                done, status = child, 0
            if done:
                self.codes[child] = os.waitstatus_to_exitcode(status)
                os.close(self.running.pop(child))

    def handle(self):
        """Answer one request; False at end of file (the other end was closed: its process ended)."""
        try:
            data, fds, _, _ = socket.recv_fds(self.sock, MAX_MESSAGE, 4)
        except OSError:
            return False
        if not data:
            return False
        try:
            message = json.loads(data)
            if "start" in message:
                self.start(message["start"], fds[0] if fds else None)
            elif "status" in message:
                self.reap(message["status"])
                self.reply({"status": self.codes.get(message["status"])})
            else:
                raise ValueError(f"unknown request: {sorted(message)}")
        except Exception as exc:  # a bad request costs that request only
            try:
                self.reply({"error": f"{type(exc).__name__}: {exc}"})
            except OSError:
                return False
        finally:
            for fd in fds:  # the child has its own copies
                os.close(fd)
        return True

    def close(self):
        """Kill every kernel still running (its whole process group), reap them, remove the folders."""
        for pid in list(self.running):
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        for pid in list(self.running):
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
            os.close(self.running.pop(pid))
        for folder in self.scratches:
            shutil.rmtree(folder, ignore_errors=True)
        self.sock.close()


class Template:
    """The sessions being served: one for good (``control`` None), or one per socket received on ``control``."""

    def __init__(self, control, sessions, failed):
        self.control, self.sessions, self.failed = control, list(sessions), failed

    def accept(self):
        """Take the session socket sent on ``control``; False at end of file (the launcher ended)."""
        try:
            data, fds, _, _ = socket.recv_fds(self.control, MAX_MESSAGE, 1)
        except OSError:
            return False
        if not data:
            return False
        try:
            name = json.loads(data)["session"]
            if len(fds) != 1:
                raise ValueError("a session comes with one socket")
        except (ValueError, KeyError, TypeError) as exc:
            for fd in fds:
                os.close(fd)
            self.control.sendall(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
            return True
        session = Session(socket.socket(fileno=fds[0]), name)
        self.sessions.append(session)
        try:
            session.reply({"ready": os.getpid(), "failed": self.failed})
        except OSError:
            pass  # its process is gone already: the end of file comes next
        return True

    def end(self, session):
        """Its process ended: kill its kernels, reap them, remove their folders; tell the launcher once done."""
        self.sessions.remove(session)
        session.close()
        if self.control is not None:
            self.control.sendall(json.dumps({"closed": session.name}).encode())

    def serve(self):
        while True:
            owners = {fd: s for s in self.sessions for fd in s.running.values()}
            sockets = {s.sock.fileno(): s for s in self.sessions}
            control = [self.control.fileno()] if self.control is not None else []
            readable, _, _ = select.select([*control, *sockets, *owners], [], [])
            for session in {owners[fd] for fd in readable if fd in owners}:
                session.reap()
            for fd in readable:
                if fd in sockets and not sockets[fd].handle():
                    self.end(sockets[fd])
                    if self.control is None:
                        return
            if control and control[0] in readable and not self.accept():
                return

    def close(self):
        while self.sessions:
            self.sessions.pop().close()


def _die_with_launcher():
    """SIGTERM when the launcher that started this process dies; SIGTERM ends the template as end of file does."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def main():
    sessions = sys.argv[1] == SESSIONS
    args = sys.argv[2:] if sessions else sys.argv[1:]
    sock = socket.socket(fileno=int(args[0]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for nbgrader; the template ends when its socket does
    if sessions:
        _die_with_launcher()
    home = os.getcwd()
    os.environ.update(launcher.confine.FIXED_ENV)  # read by numpy and matplotlib as they load
    failed = _preload(args[1:])
    template = Template(sock, [], failed) if sessions else Template(None, [Session(sock)], failed)
    try:
        if _threads() != 1:
            # A fork copies one thread only: a library that started another one
            # would leave the kernels with its locks held.
            sock.sendall(json.dumps({"error": f"the template runs {_threads()} threads after its imports; it forks from one only"}).encode())
            return 1
        sock.sendall(json.dumps({"ready": os.getpid(), "failed": failed}).encode())
        template.serve()
    finally:
        template.close()
        if sessions:
            sock.close()
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
