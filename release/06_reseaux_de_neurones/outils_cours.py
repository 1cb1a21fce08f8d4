"""Outils partagés par les notebooks du chapitre 06 (Réseaux de neurones fondamentaux).

Ce module ne contient aucune solution : il sert à réutiliser, dans un
notebook, les fonctions que vous avez écrites dans un notebook précédent.

    from outils_cours import charger_fonctions
    charger_fonctions("06_2_activations.ipynb", globals())

exécute les cellules de réponse (celles où vous écrivez votre code) du
notebook 06_2 dans l'espace de noms du notebook courant : ``relu``,
``sigmoid``… y deviennent disponibles. Pensez à **enregistrer** le notebook
précédent (Ctrl+S) : c'est le fichier sur le disque qui est lu.

Il contient aussi la perte d'entropie croisée (§6.3, éq. 27), fournie et non
notée, dont les notebooks 06_4 et 06_5 ont besoin.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import numpy as np

__all__ = [
    "cellules_reponse",
    "charger_fonctions",
    "fonctions_a_faire",
    "categorical_cross_entropy",
    "one_hot",
]

DOSSIER = Path(__file__).resolve().parent

# Dans un notebook, une cellule qui échoue sur une fonction pas encore faite
# affiche une phrase en français, pas une trace (voir verifications.py).
if str(DOSSIER) not in sys.path:
    sys.path.insert(0, str(DOSSIER))
from verifications import installer_messages_courts  # noqa: E402

installer_messages_courts()

# Les commandes IPython (%matplotlib, !pip…) ne sont pas du Python : on les
# met en commentaire, en gardant les numéros de ligne.
_MAGIQUE = re.compile(r"^(\s*)([%!])", re.MULTILINE)

# Plus petite probabilité passée au log : log(1e-12) ≈ -27.6 reste fini.
EPS_LOG = 1e-12


def _chemin(nom_notebook):
    chemin = Path(nom_notebook)
    if not chemin.is_absolute() and not chemin.exists():
        chemin = DOSSIER / chemin
    return chemin


def cellules_reponse(nom_notebook):
    """Les cellules de réponse d'un notebook, dans l'ordre.

    Paramètres
    ----------
    nom_notebook : str ou Path
        Nom du fichier (cherché dans le dossier courant, puis dans celui de
        ce module).

    Renvoie
    -------
    list de (int, str)
        (numéro de la cellule à partir de 1, code source) pour chaque
        cellule de code marquée « réponse » par nbgrader
        (``metadata.nbgrader.solution``).
    """
    chemin = _chemin(nom_notebook)
    with open(chemin, encoding="utf-8") as fichier:
        notebook = json.load(fichier)
    cellules = []
    for numero, cellule in enumerate(notebook.get("cells", []), start=1):
        if cellule.get("cell_type") != "code":
            continue
        nbgrader = cellule.get("metadata", {}).get("nbgrader", {})
        if not nbgrader.get("solution", False):
            continue
        source = cellule.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        cellules.append((numero, _MAGIQUE.sub(r"\1# \2", source)))
    return cellules


def charger_fonctions(nom_notebook, espace, verbeux=True):
    """Exécute les cellules de réponse d'un autre notebook dans ``espace``.

    Paramètres
    ----------
    nom_notebook : str ou Path
        Par exemple ``"06_2_activations.ipynb"``.
    espace : dict
        L'espace de noms où définir les fonctions : ``globals()`` dans un
        notebook. ``np`` y est ajouté s'il manque.
    verbeux : bool
        Affiche un résumé : les fonctions faites et celles encore à faire
        (qui lèvent NotImplementedError), par leur nom, et les cellules en
        erreur.

    Renvoie
    -------
    list de str
        Les noms définis ou redéfinis par ces cellules.

    Notes
    -----
    Une cellule qui lève une exception (par exemple ``NotImplementedError``
    dans une réponse pas encore écrite) est signalée puis ignorée ; les
    autres sont quand même exécutées.
    """
    espace.setdefault("np", np)
    avant = {nom: id(valeur) for nom, valeur in espace.items()}
    chemin = _chemin(nom_notebook)
    problemes, a_faire = [], []
    identifiants = _identifiants(chemin)
    for numero, source in cellules_reponse(chemin):
        a_faire += fonctions_a_faire(source)
        try:
            code = compile(source, f"<{chemin.name}, cellule {numero}>", "exec")
            exec(code, espace)
        except NotImplementedError:
            problemes.append(f"{_nom_de_cellule(source, identifiants.get(numero) or str(numero))} : pas encore faite (NotImplementedError)")
        except Exception as erreur:  # le code de l'étudiant peut lever n'importe quoi
            problemes.append(f"{_nom_de_cellule(source, identifiants.get(numero) or str(numero))} : {type(erreur).__name__} : {erreur}")
    definis = [nom for nom, valeur in espace.items() if not nom.startswith("_") and avant.get(nom) != id(valeur)]
    if verbeux:
        fonctions = [nom for nom in definis if callable(espace[nom])]
        faites = [nom for nom in fonctions if nom not in a_faire]
        texte = f"{chemin.name} : {len(faites)} fonction(s) faite(s) : {', '.join(faites) or 'aucune'}"
        if a_faire:
            texte += f" ; {len(a_faire)} encore à faire (elles lèvent NotImplementedError) : {', '.join(a_faire)}"
        print(texte + ".")
        for probleme in problemes:
            # sur stdout : dans un notebook, stderr s'affiche comme une erreur
            print(f"  attention, {probleme}", file=sys.stdout)
    return definis


def _est_un_bouchon(fonction):
    """Le corps (hors docstring et commentaires) n'est que ``raise NotImplementedError…``."""
    corps = fonction.body
    if corps and isinstance(corps[0], ast.Expr) and isinstance(corps[0].value, ast.Constant):
        corps = corps[1:]
    if len(corps) != 1 or not isinstance(corps[0], ast.Raise) or corps[0].exc is None:
        return False
    leve = corps[0].exc.func if isinstance(corps[0].exc, ast.Call) else corps[0].exc
    return isinstance(leve, ast.Name) and leve.id == "NotImplementedError"


def fonctions_a_faire(source):
    """Les fonctions d'une cellule qui ne sont encore que le bouchon ``raise NotImplementedError()``.

    Lu dans le code (sans l'exécuter) ; une cellule qui n'est pas du Python valide n'en a aucune.
    """
    try:
        arbre = ast.parse(_MAGIQUE.sub(r"\1# \2", source))
    except SyntaxError:
        return []
    return [n.name for n in arbre.body if isinstance(n, ast.FunctionDef) and _est_un_bouchon(n)]


def _identifiants(chemin):
    """{numéro de cellule : nom de la réponse (l'identifiant nbgrader : la fonction ou la variable)}."""
    with open(chemin, encoding="utf-8") as fichier:
        cellules = json.load(fichier).get("cells", [])
    return {numero: str(c.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")) for numero, c in enumerate(cellules, start=1)}


def _nom_de_cellule(source, identifiant):
    """« la cellule de sigmoid » : ce qu'elle définit, ou le nom de sa réponse."""
    try:
        arbre = ast.parse(_MAGIQUE.sub(r"\1# \2", source))
    except SyntaxError:
        arbre = ast.Module(body=[], type_ignores=[])
    noms = [n.name for n in arbre.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    noms += [c.id for n in arbre.body if isinstance(n, ast.Assign) for c in n.targets if isinstance(c, ast.Name)]
    return f"la cellule de {', '.join(noms or [identifiant])}"


def one_hot(y, K):
    """Encodage one-hot d'étiquettes entières (§6.3).

    Paramètres
    ----------
    y : array_like d'entiers, de forme (m,)
        Classes 0..K-1.
    K : int
        Nombre de classes.

    Renvoie
    -------
    ndarray de forme (m, K)
        ``Y[i, y[i]] = 1``, des 0 ailleurs.
    """
    y = np.asarray(y, dtype=int)
    Y = np.zeros((y.shape[0], K))
    Y[np.arange(y.shape[0]), y] = 1.0
    return Y


def categorical_cross_entropy(y_pred, y_true):
    """Entropie croisée catégorielle L = -(1/m) Σ_i Σ_k y_ik log ŷ_ik (éq. 27).

    Paramètres
    ----------
    y_pred : ndarray de forme (m, K)
        Probabilités prédites (sorties du softmax).
    y_true : ndarray de forme (m, K)
        Étiquettes one-hot.

    Renvoie
    -------
    float
        La perte moyenne sur les m exemples.

    Notes
    -----
    Les probabilités sont bornées à 1e-12 avant le log, pour qu'une erreur
    très confiante donne une perte finie (au plus 27.6 par exemple).
    """
    y_pred = np.clip(np.asarray(y_pred, dtype=float), EPS_LOG, 1.0)
    m = y_pred.shape[0]
    return float(-np.sum(np.asarray(y_true) * np.log(y_pred)) / m)
