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

import json
import re
import sys
from pathlib import Path

import numpy as np

__all__ = [
    "cellules_reponse",
    "charger_fonctions",
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
        Affiche un résumé : fonctions chargées, cellules en erreur.

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
    problemes = []
    for numero, source in cellules_reponse(chemin):
        try:
            code = compile(source, f"<{chemin.name}, cellule {numero}>", "exec")
            exec(code, espace)
        except NotImplementedError:
            problemes.append(f"cellule {numero} : pas encore faite (NotImplementedError)")
        except Exception as erreur:  # le code de l'étudiant peut lever n'importe quoi
            problemes.append(f"cellule {numero} : {type(erreur).__name__} : {erreur}")
    definis = [nom for nom, valeur in espace.items() if not nom.startswith("_") and avant.get(nom) != id(valeur)]
    if verbeux:
        fonctions = [nom for nom in definis if callable(espace[nom])]
        print(f"{chemin.name} : {len(fonctions)} fonction(s) chargée(s) : {', '.join(fonctions) or 'aucune'}.")
        for probleme in problemes:
            # sur stdout : dans un notebook, stderr s'affiche comme une erreur
            print(f"  attention, {probleme}", file=sys.stdout)
    return definis


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
