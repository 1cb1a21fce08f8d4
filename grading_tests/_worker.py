"""The process that runs a student's code during grading.

It is started by :mod:`grading_tests.sandbox` as a plain script, with ``-I -S``
so that neither the course root nor ``site`` hooks are on ``sys.path``, and
with the environment of ``confine.environment``; it must therefore import
nothing from ``grading_tests``. Before it even imports numpy it:

- confines itself with ``confine.py`` (loaded by path; the same module as the
  course kernel's): its own process group, the worker's resource limits, no
  capabilities, Landlock (it reads only the Python installation and its
  libraries, minus the course's packages and every ready-made neural network
  such as scikit-learn's ``neural_network`` folder, and writes only its
  scratch directory); then, once IPython's shell is built and before the
  first frame of student code is read, the seccomp allow-list (no socket, no
  new process, no call aimed at another process);
- installs an audit hook, which cannot be removed, that refuses to import the
  course's reference or graders or a ready-made neural network, to start
  processes, to open sockets, and to load C libraries through ctypes.

Everything it sends back is data, in the format of ``wire.py`` (loaded by
path too): JSON plus ``.npy`` blobs written without pickle. The parent
decodes and checks it; nothing here can set a score.
"""

import json
import linecache
import os
import sys
import time
import traceback
import warnings

_CLOCK = time.monotonic  # bound before any student code runs, which may rebind time.monotonic


def _load_confine():
    """``confine.py`` beside this file, loaded by path: the package is off limits."""
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "confine.py")
    spec = importlib.util.spec_from_file_location("confine", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# All are loaded before the worker confines itself: it may not read them afterwards.
confine = _load_confine()
wire = confine.load_beside("wire")
notebook_look = confine.load_beside("_notebook")


# --- the audit hook ----------------------------------------------------------

_BLOCKED_EVENTS = {
    "os.system": "lancer une commande système",
    "os.exec": "remplacer le processus",
    "os.fork": "créer un processus",
    "os.forkpty": "créer un processus",
    "os.posix_spawn": "créer un processus",
    "os.spawn": "créer un processus",
    "subprocess.Popen": "créer un processus",
    "ctypes.dlopen": "charger une bibliothèque C",
    "ctypes.dlsym": "appeler une bibliothèque C",
    "ctypes.dlsym/handle": "appeler une bibliothèque C",
    "ctypes.cdata": "lire la mémoire brute",
    "ctypes.addressof": "lire la mémoire brute",
    "socket.__new__": "ouvrir une connexion réseau",
    "socket.connect": "ouvrir une connexion réseau",
    "socket.bind": "ouvrir une connexion réseau",
}


class _Guard:
    def __init__(self, forbidden_modules):
        self.forbidden = tuple(forbidden_modules)
        self.armed = False
        self.blocked = []

    def _forbidden_module(self, name):
        for prefix in self.forbidden:
            if name == prefix or name.startswith(prefix + "."):
                return prefix
        return None

    def __call__(self, event, args):
        if not self.armed:
            return
        if event == "import":
            prefix = self._forbidden_module(str(args[0]))
            if prefix is not None:
                self.blocked.append(prefix)
                refused = ImportError(f"import interdit pendant la notation : {prefix}")
                refused.blocked = prefix
                raise refused
        elif event in _BLOCKED_EVENTS:
            raise PermissionError(f"interdit pendant la notation : {_BLOCKED_EVENTS[event]} ({event})")
        elif event in ("os.kill", "os.killpg") and args[0] != os.getpid():
            raise PermissionError("interdit pendant la notation : envoyer un signal à un autre processus")


# Scalar test functions for numerical_gradient and gradient_check. Their
# parameters come from the parent, so a student can't learn them in advance.
def _scalar_function(name, params, np):
    if name == "generator":  # an rng argument, drawn from a seed the grader chose
        return np.random.default_rng(int(params["seed"]))
    calls = []
    if name == "quadratic":  # ½ θᵀAθ + bᵀθ on the flattened θ

        def f(theta):
            x = np.asarray(theta, dtype=float).ravel()
            calls.append(1)
            return float(0.5 * x @ params["A"] @ x + params["b"] @ x)

    elif name == "cubic":  # Σ c·θ³ + Σ sin(θ): its third derivative makes ε visible

        def f(theta):
            x = np.asarray(theta, dtype=float).ravel()
            calls.append(1)
            return float(np.sum(params["c"] * x**3) + np.sum(np.sin(x)))

    elif name == "softmax_loss":  # mean cross-entropy of softmax(X θ) against Y

        def f(theta):
            W = np.asarray(theta, dtype=float).reshape(params["shape"])
            calls.append(1)
            Z = params["X"] @ W
            Z = Z - Z.max(axis=1, keepdims=True)
            log_p = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
            return float(-np.sum(params["Y"] * log_p) / params["X"].shape[0])

    else:
        raise ValueError(f"unknown test function {name}")
    f.calls = calls
    if "closure" in params:
        return _closure(f, int(params["closure"]))
    return f


def _closure(inner, index):
    """Listing 7's loss: it ignores its argument and reads θ, the call's
    argument number ``index``, through a closure (bound in ``_serve``)."""

    def f(theta):
        return inner(f.bound)

    f.calls = inner.calls
    f.bind = index
    f.bound = None
    return f


# --- running the student's code ------------------------------------------------


# (folder, module) pairs the worker may not read: a read refused there is
# reported as the forbidden import it is, without the instructor's path.
_FORBIDDEN_DIRS = []
_GUARDS = []
_NOTEBOOK = []  # the notebook_look.Notebook whose cells run here


def _forbidden_read(exc):
    path = getattr(exc, "filename", None)
    if isinstance(exc, OSError) and isinstance(path, str):
        for folder, module in _FORBIDDEN_DIRS:
            if path == folder or path.startswith(folder + os.sep):
                return module
    return None


def _cell_of(filename):
    return _NOTEBOOK[0].cell_of(filename) if _NOTEBOOK else None


def _describe_error(exc):
    module = _forbidden_read(exc)
    if module is not None:
        for guard in _GUARDS:
            guard.blocked.append(module)
        exc = ImportError(f"import interdit pendant la notation : {module}").with_traceback(exc.__traceback__)
        exc.blocked = module
    tb = traceback.extract_tb(exc.__traceback__)
    frames = [f for f in tb if _cell_of(f.filename) is not None]
    where = None
    if frames:
        frame = frames[-1]
        where = {"cell": str(_cell_of(frame.filename)), "line": frame.lineno, "code": frame.line}
    error = {"type": type(exc).__name__, "message": wire.clip(exc, "message"), "where": where}
    blocked = getattr(exc, "blocked", None)
    if isinstance(blocked, str):
        # The module the guard refused, for the grader to name without reading the message.
        error["blocked"] = wire.clip(blocked, "message")
    return error


def _run_cells(cells, skip, notebook, out_fd, nonce, budget=None, until=None):
    """Run the cells one top-level statement at a time; (errors, how many, where it stopped or None).

    No statement starts past ``budget`` seconds or at ``until`` (a later load
    stops where the first did); only the first ``wire.MAX_LOAD_ERRORS``
    errors are kept.
    """
    import ast

    namespace = notebook.namespace
    errors, count, end = [], 0, None if budget is None else _CLOCK() + float(budget)
    until = tuple(until) if until else None
    for index, source in enumerate(cells):
        filename = notebook.filename(index, source)
        # Registered so that tracebacks can quote the student's line.
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            tree = ast.parse(source, filename)
        except SyntaxError as exc:
            count += 1
            if len(errors) < wire.MAX_LOAD_ERRORS:
                errors.append({"cell": index, "type": "SyntaxError", "message": wire.clip(exc, "message"), "line": exc.lineno})
            continue
        # One statement at a time: a failing statement does not hide the
        # definitions that follow it in the same cell.
        for position, node in enumerate(tree.body):
            if (index, position) == until or (until is None and end is not None and _CLOCK() > end):
                return errors, count, [index, position]
            if (index, position) in skip:
                continue
            wire.write(out_fd, {"event": "statement", "cell": index, "statement": position, "nonce": nonce})
            module = ast.Module(body=[node], type_ignores=[])
            try:
                exec(compile(module, filename, "exec"), namespace)
            except BaseException as exc:  # SystemExit and KeyboardInterrupt included
                count += 1
                if len(errors) < wire.MAX_LOAD_ERRORS:
                    info = _describe_error(exc)
                    errors.append({"cell": index, "type": info["type"], "message": info["message"], "line": node.lineno})
    return errors, count, None


def _serve(in_fd, out_fd, notebook, np, guard):
    namespace = notebook.namespace

    def build(name, params):
        return _scalar_function(name, params, np)

    while True:
        try:
            request, blobs = wire.read(in_fd)
        except EOFError:
            return
        op = request["op"]
        response = {"status": "ok"}
        nonce = request.get("nonce")
        out_blobs = []
        if op == "call":
            target = namespace.get(request["name"])
            # ``repeat`` calls on fresh copies of the arguments; the value is then their list.
            repeat = request.get("repeat")
            values = []
            start = time.perf_counter()
            try:
                for _ in range(int(repeat or 1)):
                    args = wire.decode(request["args"], blobs, np, build)
                    kwargs = wire.decode(request["kwargs"], blobs, np, build)
                    functions = [a for a in list(args) + list(kwargs.values()) if callable(a)]
                    for function in functions:
                        if hasattr(function, "bind"):
                            function.bound = args[function.bind]
                    if not callable(target):
                        raise NameError(f"{request['name']} n'est pas défini")
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")  # a warning never costs points
                        values.append(notebook.call(target, args, kwargs))
                value = values if repeat else values[0]
            except BaseException as exc:
                response = {"status": "error", "error": _describe_error(exc)}
            else:
                response["elapsed"] = time.perf_counter() - start
                try:
                    response["value"] = (wire.encode_repeated if repeat else wire.encode)(value, out_blobs, np)
                    if request.get("return_args"):
                        response["args_after"] = wire.encode(args, out_blobs, np)
                        response["kwargs_after"] = wire.encode(kwargs, out_blobs, np)
                except BaseException as exc:  # a hostile object that breaks when read
                    out_blobs = []
                    response = {"status": "error", "error": _describe_error(exc)}
                    response["error"]["during"] = "encode"
            response["calls"] = [len(f.calls) for f in functions if hasattr(f, "calls")]
        elif op == "get":
            if request["name"] not in namespace:
                response = {"status": "error", "error": {"type": "NameError", "message": request["name"], "where": None}}
            else:
                response["value"] = wire.encode(namespace[request["name"]], out_blobs, np)
        elif op == "blocked":
            response["blocked"] = sorted(set(guard.blocked))
        wire.write(out_fd, dict(response, nonce=nonce), out_blobs)


def main():
    fds = json.loads(sys.argv[1])
    in_fd, out_fd = fds["in_fd"], fds["out_fd"]
    config, _ = wire.read(in_fd)  # the first frame: too long for the command line
    sys.path[:] = config["sys_path"]
    os.chdir(config["workdir"])

    # seccomp comes last, once IPython's shell below has made its profile folder (it chmods a file there).
    report = confine.confine(
        "worker", config["read_paths"], [config["workdir"], "/dev/null"], seccomp=False,
        memory_mb=config["memory_mb"], cpu_s=config["cpu_s"],
    )
    import numpy as np  # loaded before the guard is armed: numpy itself uses ctypes

    guard = _Guard(config["forbidden_modules"])
    sys.addaudithook(guard)
    _GUARDS.append(guard)
    _FORBIDDEN_DIRS.extend((str(folder), str(module)) for folder, module in config["forbidden_dirs"])
    abi = report["landlock"]

    # The student's code sees a notebook kernel (see _notebook.py).
    notebook = notebook_look.Notebook(config["sys_path"])
    _NOTEBOOK.append(notebook)
    notebook.start_shell()
    notebook.install()
    report["seccomp"] = confine.seccomp_wanted() and confine.filter_syscalls()
    namespace = notebook.namespace
    namespace.update(np=np, numpy=np)

    request, blobs = wire.read(in_fd)
    cells = request["cells"]
    skip = {(int(cell), int(statement)) for cell, statement in request.get("skip", ())}
    guard.armed = True
    errors, count, stopped = _run_cells(cells, skip, notebook, out_fd, request.get("nonce"), request.get("budget"), request.get("until"))
    defined = sorted(k for k, v in namespace.items() if callable(v) and not k.startswith("__"))
    wire.write(
        out_fd,
        {
            "event": "loaded",
            "errors": errors,
            "errors_total": count,
            "stopped": stopped,
            "defined": defined,
            "landlock": abi,
            "blocked": sorted(set(guard.blocked)),
            "nonce": request.get("nonce"),
        },
    )
    _serve(in_fd, out_fd, notebook, np, guard)


if __name__ == "__main__":
    # Whatever the student's code does to stdout, the protocol uses its own fds.
    main()
