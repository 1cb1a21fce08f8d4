"""Vérifications visibles des notebooks du chapitre 06.

Chaque fonction ``verifier_<nom>(fonction)`` essaie votre fonction sur de
petits exemples fixes, calculables à la main, et affiche
``✓ <nom> : …``, ou lève une ``VerificationEchouee`` (une ``AssertionError``)
dont le message court dit ce qui ne va pas, donne un indice et l'équation du
chapitre ; une fonction pas encore écrite lève ``PasEncoreFaite``. Dans un
notebook, seul ce message s'affiche, sans la trace des appels à l'intérieur
de ce module (votre propre ligne fautive reste indiquée).

Ces vérifications sont **plus faibles** que la notation : le correcteur
essaie vos fonctions sur des entrées aléatoires et compare à une
implémentation de référence. Passer ces vérifications ne garantit donc pas
tous les points ; échouer ici garantit d'en perdre.

En ligne de commande, depuis le dossier du devoir :

    python verifications.py                          # tous les notebooks
    python verifications.py 06_2_activations.ipynb   # un seul notebook

Le code de vos cellules de réponse est lu dans les fichiers .ipynb
enregistrés (pensez à Ctrl+S). Le code de retour vaut 0 si tout passe.
"""

from __future__ import annotations

import functools
import linecache
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

DOSSIER = Path(__file__).resolve().parent

# Les fonctions vérifiées, notebook par notebook, dans l'ordre des notebooks.
FONCTIONS = {
    "06_1_perceptron.ipynb": ["perceptron_update"],
    "06_2_activations.ipynb": [
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "sigmoid_derivative",
        "tanh_derivative",
        "relu_derivative",
        "leaky_relu_derivative",
    ],
    "06_3_propagation.ipynb": ["softmax", "forward_pass", "backward_pass"],
    "06_4_entrainement.ipynb": [
        "initialize_parameters",
        "dropout_forward",
        "adam_update",
        "numerical_gradient",
        "gradient_check",
        "train_digits_model",
    ],
    "06_5_regularisation.ipynb": [],
}

# Les notebooks dont chacun réutilise les fonctions (sa première cellule de code).
DEPENDANCES = {
    "06_1_perceptron.ipynb": [],
    "06_2_activations.ipynb": [],
    "06_3_propagation.ipynb": ["06_2_activations.ipynb"],
    "06_4_entrainement.ipynb": ["06_2_activations.ipynb", "06_3_propagation.ipynb"],
    "06_5_regularisation.ipynb": ["06_2_activations.ipynb", "06_3_propagation.ipynb", "06_4_entrainement.ipynb"],
}

# Tolérance des comparaisons : les exemples sont petits et exacts, seules les
# erreurs d'arrondi du float64 (ou du float32, ~1e-7) doivent passer.
TOL = 1e-6
LN2, LN3 = math.log(2.0), math.log(3.0)


# L'équation (ou l'algorithme) du chapitre que chaque fonction implémente,
# rappelée sous chaque vérification qui échoue.
EQUATIONS = {
    "perceptron_update": "ŷ = 𝕀[w·x + b > 0] ; sur une erreur, w ← w + α(y − ŷ)x et b ← b + α(y − ŷ) "
                         "(§2.2, éq. 1, algorithme 1)",
    "sigmoid": "σ(z) = 1 / (1 + e^{−z}) (§3.1, éq. 3)",
    "tanh": "tanh(z) = (e^z − e^{−z}) / (e^z + e^{−z}) = 2σ(2z) − 1 (§3.2, éq. 4)",
    "relu": "ReLU(z) = max(0, z) (§3.3, éq. 5)",
    "leaky_relu": "LeakyReLU(z) = z si z > 0, αz sinon (§3.4, éq. 6)",
    "sigmoid_derivative": "σ'(z) = σ(z)(1 − σ(z)) (§3.1, §7.5)",
    "tanh_derivative": "tanh'(z) = 1 − tanh²(z) (§3.2, §7.5)",
    "relu_derivative": "ReLU'(z) = 𝕀[z > 0] (§7.5)",
    "leaky_relu_derivative": "LReLU'(z) = 1 si z > 0, α sinon (§7.5)",
    "softmax": "softmax(z)_j = e^{z_j} / Σ_k e^{z_k}, sur le dernier axe (§3.5, éq. 9)",
    "forward_pass": "A[0] = X, Z[l] = A[l−1] W[l]ᵀ + b[l], A[l] = σ[l](Z[l]) (§5, éq. 22 à 24, algorithme 2)",
    "backward_pass": "δ[L] = Ŷ − Y, dW[l] = (1/m) δ[l]ᵀ A[l−1], δ[l] = (δ[l+1] W[l+1]) ⊙ σ'(Z[l]) "
                     "(§7, éq. 32 à 39, algorithme 3)",
    "initialize_parameters": "W[l] ~ N(0, 2/d_{l−1}), b[l] = 0 (§8.3, éq. 50)",
    "dropout_forward": "mask = rng.random(A.shape) < keep_prob, A_out = A ⊙ mask / keep_prob (§9.2)",
    "adam_update": "m = β1 m + (1 − β1) g, v = β2 v + (1 − β2) g², m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t), "
                   "θ ← θ − α m̂ / (√v̂ + ε) (§8.1.3, éq. 44 à 48)",
    "numerical_gradient": "∂f/∂θ_k ≈ (f(θ + ε e_k) − f(θ − ε e_k)) / (2ε) (§12.2, éq. 57)",
    "gradient_check": "diff = ‖g_num − g_ana‖ / (‖g_num‖ + ‖g_ana‖) (§12.2, Listing 7)",
    "train_digits_model": "mini-batchs : propagation avant, rétropropagation, mise à jour des paramètres "
                          "(§8.2, algorithme 4)",
}


class VerificationEchouee(AssertionError):
    """Une vérification qui échoue. Dans un notebook, IPython n'affiche que son
    message (``_render_traceback_``), pas la trace des appels dans ce module :
    la cellule échoue quand même, pour Validate comme pour la ligne de commande."""

    def _render_traceback_(self):
        return [f"✗ {ligne}" if i == 0 else ligne for i, ligne in enumerate(str(self).split("\n"))]


class PasEncoreFaite(VerificationEchouee, NotImplementedError):
    """La fonction vérifiée (ou une fonction qu'elle appelle) lève encore NotImplementedError."""


def _echec(nom, message, indice=None):
    texte = f"{nom} : {message}"
    if indice:
        texte += f"\nIndice : {indice}"
    raise VerificationEchouee(texte)


def _ce_module(nom_fichier):
    return Path(nom_fichier).resolve() == Path(__file__).resolve()


def _cadre_eleve(trace):
    """Le dernier appel de la trace qui est dans votre code (ni ce module, ni une bibliothèque)."""
    bibliotheques = tuple(str(Path(p).resolve()) for p in {sys.prefix, sys.base_prefix, sys.exec_prefix})
    retenu = None
    while trace is not None:
        cadre = trace.tb_frame
        fichier = cadre.f_code.co_filename
        if not _ce_module(fichier) and not str(Path(fichier).resolve()).startswith(bibliotheques):
            retenu = (cadre.f_code.co_name, trace.tb_lineno, linecache.getline(fichier, trace.tb_lineno).strip())
        trace = trace.tb_next
    return retenu


def _fonction_non_faite(trace, nom):
    """Le nom de la fonction qui a levé NotImplementedError (la dernière de la trace)."""
    dernier = nom
    while trace is not None:
        if not _ce_module(trace.tb_frame.f_code.co_filename):
            dernier = trace.tb_frame.f_code.co_name
        trace = trace.tb_next
    return nom if dernier in ("<module>", "<lambda>") else dernier


def _avec_equation(nom, texte):
    if nom in EQUATIONS:
        texte += f"\nÉquation : {EQUATIONS[nom]}"
    return texte


# Le dernier résultat de chaque vérification visible exécutée dans ce noyau : ce que dit bilan().
RESULTATS = {}
REUSSIE, EN_ECHEC, A_FAIRE = "réussie", "en échec", "pas encore faite"


def _verification(verifier):
    """Une vérification visible dont les échecs tiennent en un court message en français."""
    nom = verifier.__name__[len("verifier_"):]

    @functools.wraps(verifier)
    def verification(*arguments, **options):
        RESULTATS[nom] = EN_ECHEC  # tant qu'elle n'a pas réussi
        try:
            resultat = verifier(*arguments, **options)
            RESULTATS[nom] = REUSSIE
            return resultat
        except PasEncoreFaite:
            RESULTATS[nom] = A_FAIRE
            raise
        except VerificationEchouee as echec:
            raise type(echec)(_avec_equation(nom, str(echec))) from None
        except NotImplementedError as erreur:
            RESULTATS[nom] = A_FAIRE
            manquante = _fonction_non_faite(erreur.__traceback__, nom)
            if manquante == nom:
                texte = (f"{nom} : pas encore faite (la fonction lève NotImplementedError).\n"
                         f"Indice : remplacez « raise NotImplementedError() » par votre code, exécutez sa cellule, "
                         f"puis relancez cette vérification.")
            else:
                texte = (f"{nom} : appelle {manquante}, qui n'est pas encore faite (NotImplementedError).\n"
                         f"Indice : écrivez d'abord {manquante} (et enregistrez son notebook), puis relancez.")
            raise PasEncoreFaite(_avec_equation(nom, texte)) from None
        except Exception as erreur:  # le code vérifié peut lever n'importe quoi
            texte = f"{nom} : votre code lève {type(erreur).__name__} : {erreur}"
            cadre = _cadre_eleve(erreur.__traceback__)
            if cadre is not None:
                fonction, ligne, code = cadre
                texte += f"\n  dans {fonction}, ligne {ligne} : {code}" if code else f"\n  dans {fonction}, ligne {ligne}"
            texte += "\nIndice : relisez cette ligne ; vérifiez les formes (.shape) et les types des tableaux."
            raise VerificationEchouee(_avec_equation(nom, texte)) from None

    return verification


def _ok(nom, message):
    print(f"✓ {nom} : {message}")


def bilan(nom_notebook):
    """Le bilan d'un notebook, d'après ses vérifications exécutées : « 7/8 fonctions réussies » et ce qui reste."""
    noms = FONCTIONS[nom_notebook]
    numero = sorted(FONCTIONS).index(nom_notebook) + 1
    tete = f"Notebook {numero}/{len(FONCTIONS)} ({nom_notebook})"
    if not noms:
        print(f"{tete} : aucune fonction à écrire dans ce notebook.")
        return
    reussies = [n for n in noms if RESULTATS.get(n) == REUSSIE]
    print(f"{tete} : {len(reussies)}/{len(noms)} fonction(s) réussie(s).")
    for n in noms:
        if n not in reussies:
            etat = RESULTATS.get(n, "pas encore vérifiée (exécutez sa cellule de vérification)")
            print(f"  - {n} : {etat}")
    if len(reussies) == len(noms):
        print("Toutes les vérifications de ce notebook passent : enregistrez-le (Ctrl+S) avant le suivant.")


@_verification
def verifier_reponse(nom, valeur):
    """Une question calculée attend un nombre : sa justesse n'est vérifiée qu'à la notation."""
    if isinstance(valeur, (bool, np.bool_)) or not isinstance(valeur, (int, float, np.integer, np.floating)):
        _echec(nom, f"attendu un nombre, obtenu {type(valeur).__name__}.")
    _ok(nom, "réponse enregistrée ; sa justesse sera vérifiée à la notation.")


def _tableau(nom, valeur, quoi):
    if not isinstance(valeur, np.ndarray):
        _echec(nom, f"{quoi} : attendu un numpy.ndarray, obtenu {type(valeur).__name__}.",
               "np.array, np.where, np.maximum, np.exp… renvoient des ndarray.")
    return valeur


def _forme(nom, valeur, forme, quoi):
    valeur = _tableau(nom, valeur, quoi)
    if valeur.shape != tuple(forme):
        indice = None
        if len(forme) == 2 and valeur.shape == tuple(forme)[::-1]:
            indice = "la forme est transposée : les lignes sont les exemples (éq. 23)."
        elif valeur.size == int(np.prod(forme)):
            indice = "le nombre d'éléments est bon : un reshape ou un keepdims=True oublié ?"
        _echec(nom, f"{quoi} : forme attendue {tuple(forme)}, obtenue {valeur.shape}.", indice)
    return valeur


def _egal(nom, obtenu, attendu, quoi, indice=None, tol=TOL):
    attendu = np.asarray(attendu, dtype=float)
    obtenu_f = np.asarray(obtenu, dtype=float)
    if obtenu_f.shape != attendu.shape:
        _echec(nom, f"{quoi} : forme attendue {attendu.shape}, obtenue {obtenu_f.shape}.")
    if not np.all(np.isfinite(obtenu_f)):
        _echec(nom, f"{quoi} : valeurs non finies (nan ou inf) : {np.round(obtenu_f, 6).tolist()}.", indice)
    if not np.allclose(obtenu_f, attendu, rtol=TOL, atol=tol):
        _echec(nom, f"{quoi} : attendu {np.round(attendu, 6).tolist()}, obtenu {np.round(obtenu_f, 6).tolist()}.", indice)


def _intact(nom, avant, apres, quoi):
    if not np.array_equal(avant, apres):
        _echec(nom, f"{quoi} a été modifié par la fonction.",
               "n'utilisez pas d'opération en place (+=, *=, X[...] = …) sur les arguments : travaillez sur une copie.")


def _paire(nom, valeur, noms):
    if not isinstance(valeur, (tuple, list)) or len(valeur) != len(noms):
        _echec(nom, f"attendu un tuple de {len(noms)} éléments ({', '.join(noms)}), obtenu {type(valeur).__name__}.",
               f"terminez par return {', '.join(noms)}.")
    return valeur


# ------------------------------------------------------------ §2 perceptron
@_verification
def verifier_perceptron_update(perceptron_update):
    nom = "perceptron_update"
    # Point sur l'hyperplan : w·x + b = 0 donne ŷ = 0 (éq. 1), donc erreur si y = 1.
    # x_i est une ligne de données d'entiers (dtype int64) : w reste en flottants.
    w = np.array([0.0, 0.0])
    w_new, b_new = _paire(nom, perceptron_update(w, 0.0, np.array([1, 2]), 1, 0.5), ["w", "b"])
    indice = "ŷ = 𝕀[w·x + b > 0] vaut 0 ici (> strict), donc w ← w + α(y − ŷ)x = [0.5, 1] (ligne 6)."
    if np.asarray(w_new).dtype.kind in "iu":
        indice = ("w renvoyé est un tableau d'entiers, donc tronqué : np.zeros_like(x_i) ou x_i.copy() gardent "
                  "le dtype de x_i ; partez de w, ou de np.asarray(x_i, dtype=float).")
    _egal(nom, w_new, [0.5, 1.0],
          "w après une erreur sur un exemple positif (w = 0, b = 0, x = np.array([1, 2]) d'entiers, y = 1, α = 0.5)",
          indice)
    _egal(nom, b_new, 0.5, "b après cette erreur", "b ← b + α(y − ŷ) (ligne 7).")
    # Erreur sur un exemple négatif : w·x + b = 2.5 > 0 donne ŷ = 1 ≠ y = 0.
    w = np.array([1.0, 1.0])
    x = np.array([1.0, 1.0])
    w_new, b_new = perceptron_update(w, 0.5, x, 0, 1.0)
    _egal(nom, w_new, [0.0, 0.0], "w après une erreur sur un exemple négatif (w = [1, 1], b = 0.5, x = [1, 1], y = 0, α = 1)",
          "y − ŷ = 0 − 1 = −1 : le pas est soustrait.")
    _egal(nom, b_new, -0.5, "b après cette erreur")
    _intact(nom, np.array([1.0, 1.0]), x, "x_i")
    # Prédiction juste : rien ne bouge.
    w_new, b_new = perceptron_update(np.array([1.0, -1.0]), 0.0, np.array([2.0, 1.0]), 1, 0.5)
    _egal(nom, w_new, [1.0, -1.0], "w après une prédiction juste (w·x + b = 1 > 0 et y = 1)",
          "les poids ne bougent que sur une erreur (ligne 5).")
    _egal(nom, b_new, 0.0, "b après une prédiction juste")
    _ok(nom, "3 exemples calculés à la main sont justes.")


# ------------------------------------------------------------ §3 activations
E = math.e


def _elementaire(nom, f, z, attendu, quoi, indice=None, dtype=float, **kwargs):
    z = np.asarray(z, dtype=dtype)
    copie = z.copy()
    try:
        sortie = f(z, **kwargs)
    except TypeError as erreur:  # dont UFuncTypeError : écrire des flottants dans un tableau d'entiers
        if z.dtype.kind not in "iu":
            raise
        _echec(nom, f"{quoi} : erreur {type(erreur).__name__} : {erreur}.",
               "une copie de z garde son dtype entier, et une opération en place (*=, out=…) ne peut pas y écrire "
               "des flottants : partez de np.asarray(z, dtype=float).")
    sortie = _forme(nom, sortie, z.shape, f"{quoi}, forme")
    if sortie.dtype == bool:
        _echec(nom, f"{quoi} : tableau de booléens ; attendu des flottants (0.0 et 1.0).",
               "convertissez le masque en nombres : (z > 0).astype(float).")
    if sortie.dtype.kind in "iu" and np.allclose(sortie, np.trunc(attendu)) and not np.allclose(sortie, attendu):
        indice = ("valeurs tronquées en entiers : np.zeros_like(z), np.empty_like(z) ou z.copy() gardent le dtype "
                  "entier de z ; partez de np.asarray(z, dtype=float).")
    _egal(nom, sortie, attendu, quoi, indice)
    _intact(nom, copie, z, "z")
    return sortie


def _nombre(nom, f, z, attendu, quoi, **kwargs):
    """Pour un nombre z (un float Python), le résultat est un nombre."""
    try:
        sortie = f(z, **kwargs)
    except (AttributeError, TypeError, IndexError) as erreur:
        _echec(nom, f"{quoi} : erreur {type(erreur).__name__} : {erreur}.",
               "z peut être un nombre (un float Python n'a ni .astype, ni .copy, ni len, ni indices) : "
               "commencez par z = np.asarray(z, dtype=float).")
    if isinstance(sortie, (bool, np.bool_)) or np.asarray(sortie).dtype == bool:
        _echec(nom, f"{quoi} : obtenu un booléen ; attendu un nombre.", "convertissez : .astype(float).")
    if np.ndim(sortie) != 0:
        _echec(nom, f"{quoi} : attendu un nombre, obtenu un tableau de forme {np.shape(sortie)}.",
               "pour un nombre z, renvoyez un nombre (la forme de la sortie est celle de z).")
    _egal(nom, sortie, attendu, quoi)


@_verification
def verifier_sigmoid(sigmoid):
    nom = "sigmoid"
    # σ(ln 3) = 1 / (1 + 1/3) = 3/4 et σ(−ln 3) = 1/4.
    _elementaire(nom, sigmoid, [[0.0, LN3, -LN3]], [[0.5, 0.75, 0.25]], "σ([0, ln 3, −ln 3])",
                 "σ(z) = 1 / (1 + e^{−z}) (éq. 3).")
    # L'indice nomme le côté où la valeur n'est pas finie, et l'exponentielle qui y déborde.
    with np.errstate(all="ignore"):
        try:
            extremes = np.asarray(sigmoid(np.array([-800.0, 800.0])), dtype=float).ravel()
        except (TypeError, ValueError, ArithmeticError):
            extremes = np.zeros(0)
    cotes = []
    if extremes.size == 2 and not np.isfinite(extremes[0]):
        cotes.append("en z = −800, e^{−z} = e^{800} déborde")
    if extremes.size == 2 and not np.isfinite(extremes[1]):
        cotes.append("en z = 800, e^{z} = e^{800} déborde (dans une forme comme e^z / (1 + e^z))")
    indice = (" ; ".join(cotes) or "σ(−800) = 0 et σ(800) = 1") + " : essayez np.logaddexp, ou np.where selon le signe de z."
    _elementaire(nom, sigmoid, [-800.0, 800.0], [0.0, 1.0], "σ([−800, 800])", indice)
    # σ(1) = 1 / (1 + 1/e) = e / (1 + e).
    _elementaire(nom, sigmoid, [-1, 0, 1], [1 / (1 + E), 0.5, E / (1 + E)], "σ(np.array([−1, 0, 1])), des entiers",
                 dtype=int)
    _nombre(nom, sigmoid, 0.0, 0.5, "σ(0.0), z un float Python")
    _ok(nom, "σ(0) = 0.5, σ(ln 3) = 0.75, σ(−ln 3) = 0.25, pas de nan en ±800, entiers et nombres acceptés.")


@_verification
def verifier_tanh(tanh):
    nom = "tanh"
    # tanh(ln 2) = (2 − 1/2) / (2 + 1/2) = 0.6.
    _elementaire(nom, tanh, [[0.0, LN2, -LN2]], [[0.0, 0.6, -0.6]], "tanh([0, ln 2, −ln 2])",
                 "tanh(z) = (e^z − e^{−z}) / (e^z + e^{−z}) = 2σ(2z) − 1 (éq. 4).")
    _elementaire(nom, tanh, [-300.0, 300.0], [-1.0, 1.0], "tanh([−300, 300])")
    t1 = (E * E - 1) / (E * E + 1)  # tanh(1) = (e − 1/e) / (e + 1/e)
    _elementaire(nom, tanh, [-1, 0, 1], [-t1, 0.0, t1], "tanh(np.array([−1, 0, 1])), des entiers", dtype=int)
    _nombre(nom, tanh, LN2, 0.6, "tanh(ln 2), z un float Python")
    _ok(nom, "tanh(0) = 0, tanh(±ln 2) = ±0.6, tanh(±300) = ±1, entiers et nombres acceptés.")


@_verification
def verifier_relu(relu):
    nom = "relu"
    _elementaire(nom, relu, [[-2.0, 0.0, 3.0], [0.5, -0.1, 7.0]], [[0.0, 0.0, 3.0], [0.5, 0.0, 7.0]],
                 "ReLU([[−2, 0, 3], [0.5, −0.1, 7]])", "ReLU(z) = max(0, z) élément par élément (éq. 5).")
    _elementaire(nom, relu, [-2, 0, 3], [0.0, 0.0, 3.0], "ReLU(np.array([−2, 0, 3])), des entiers", dtype=int)
    _nombre(nom, relu, -2.0, 0.0, "ReLU(−2.0), z un float Python")
    _ok(nom, "max(0, z) sur une matrice 2×3, entiers et nombres acceptés.")


@_verification
def verifier_leaky_relu(leaky_relu):
    nom = "leaky_relu"
    _elementaire(nom, leaky_relu, [-2.0, 0.0, 3.0], [-0.02, 0.0, 3.0], "LeakyReLU([−2, 0, 3]) avec α = 0.01",
                 "z si z > 0, αz sinon (éq. 6).")
    _elementaire(nom, leaky_relu, [-2.0, 0.0, 3.0], [-0.2, 0.0, 3.0], "LeakyReLU([−2, 0, 3], alpha=0.1)",
                 "utilisez l'argument alpha au lieu de 0.01.", alpha=0.1)
    _elementaire(nom, leaky_relu, [-2, 0, 3], [-0.02, 0.0, 3.0], "LeakyReLU(np.array([−2, 0, 3])), des entiers",
                 dtype=int)
    _nombre(nom, leaky_relu, -2.0, -0.02, "LeakyReLU(−2.0), z un float Python")
    _ok(nom, "pente α pour z ≤ 0, identité pour z > 0, l'argument alpha est utilisé, entiers et nombres acceptés.")


@_verification
def verifier_sigmoid_derivative(sigmoid_derivative):
    nom = "sigmoid_derivative"
    # σ'(ln 3) = 3/4 · 1/4 = 3/16.
    _elementaire(nom, sigmoid_derivative, [[0.0, LN3, -LN3]], [[0.25, 0.1875, 0.1875]], "σ'([0, ln 3, −ln 3])",
                 "σ'(z) = σ(z)(1 − σ(z)) (§7.5) : l'argument est z, pas σ(z).")
    _elementaire(nom, sigmoid_derivative, [-800.0, 800.0], [0.0, 0.0], "σ'([−800, 800])",
                 "calculez σ(z) de façon stable (voir sigmoid).")
    s1 = E / (1 + E) ** 2  # σ'(±1) = σ(1)(1 − σ(1)) = e / (1 + e)²
    _elementaire(nom, sigmoid_derivative, [-1, 0, 1], [s1, 0.25, s1], "σ'(np.array([−1, 0, 1])), des entiers",
                 dtype=int)
    _nombre(nom, sigmoid_derivative, 0.0, 0.25, "σ'(0.0), z un float Python (la figure l'appelle)")
    _ok(nom, "σ'(0) = 0.25, σ'(±ln 3) = 3/16, σ'(±800) = 0, entiers et nombres acceptés.")


@_verification
def verifier_tanh_derivative(tanh_derivative):
    nom = "tanh_derivative"
    # tanh'(ln 2) = 1 − 0.6² = 0.64.
    _elementaire(nom, tanh_derivative, [[0.0, LN2, -LN2]], [[1.0, 0.64, 0.64]], "tanh'([0, ln 2, −ln 2])",
                 "tanh'(z) = 1 − tanh²(z) (§7.5) : l'argument est z, pas tanh(z).")
    t1 = (E * E - 1) / (E * E + 1)
    _elementaire(nom, tanh_derivative, [-1, 0, 1], [1 - t1 ** 2, 1.0, 1 - t1 ** 2],
                 "tanh'(np.array([−1, 0, 1])), des entiers", dtype=int)
    _nombre(nom, tanh_derivative, LN2, 0.64, "tanh'(ln 2), z un float Python")
    _ok(nom, "tanh'(0) = 1, tanh'(±ln 2) = 0.64, entiers et nombres acceptés.")


@_verification
def verifier_relu_derivative(relu_derivative):
    nom = "relu_derivative"
    _elementaire(nom, relu_derivative, [[-2.0, 0.0, 3.0]], [[0.0, 0.0, 1.0]], "ReLU'([−2, 0, 3])",
                 "ReLU'(z) = 𝕀[z > 0] (§7.5) : 0 en z = 0 (inégalité stricte).")
    _elementaire(nom, relu_derivative, [-2, 0, 3], [0.0, 0.0, 1.0], "ReLU'(np.array([−2, 0, 3])), des entiers",
                 dtype=int)
    _nombre(nom, relu_derivative, 1.0, 1.0, "ReLU'(1.0), z un float Python (la figure l'appelle)")
    _ok(nom, "𝕀[z > 0] en flottants 0.0/1.0, avec 0 en z = 0, entiers et nombres acceptés.")


@_verification
def verifier_leaky_relu_derivative(leaky_relu_derivative):
    nom = "leaky_relu_derivative"
    _elementaire(nom, leaky_relu_derivative, [-2.0, 0.0, 3.0], [0.01, 0.01, 1.0], "LReLU'([−2, 0, 3]) avec α = 0.01",
                 "1 si z > 0, α si z ≤ 0 (§7.5), y compris en z = 0.")
    _elementaire(nom, leaky_relu_derivative, [-2.0, 0.0, 3.0], [0.2, 0.2, 1.0], "LReLU'([−2, 0, 3], alpha=0.2)",
                 "utilisez l'argument alpha au lieu de 0.01.", alpha=0.2)
    _elementaire(nom, leaky_relu_derivative, [-2, 0, 3], [0.01, 0.01, 1.0],
                 "LReLU'(np.array([−2, 0, 3])), des entiers", dtype=int)
    _nombre(nom, leaky_relu_derivative, -1.0, 0.01, "LReLU'(−1.0), z un float Python")
    _ok(nom, "1 pour z > 0, α pour z ≤ 0, l'argument alpha est utilisé, entiers et nombres acceptés.")


# ------------------------------------------------ §3.5, §5, §7 propagation
@_verification
def verifier_softmax(softmax):
    nom = "softmax"
    # e^0 = 1 et e^{ln 3} = 3 : softmax([0, ln 3]) = [1/4, 3/4].
    Z = np.array([[0.0, LN3], [LN3, 0.0], [2.0, 2.0]])
    copie = Z.copy()
    P = _forme(nom, softmax(Z), Z.shape, "softmax(Z) pour Z de forme (3, 2)")
    _egal(nom, P, [[0.25, 0.75], [0.75, 0.25], [0.5, 0.5]], "softmax([[0, ln 3], [ln 3, 0], [2, 2]])",
          "une ligne par exemple : la somme du dénominateur se fait sur l'axe des classes (axis=1 ou -1, keepdims=True) (éq. 9).")
    _intact(nom, copie, Z, "Z")
    P = softmax(np.array([[1000.0, 1000.0 + LN3]]))
    _egal(nom, P, [[0.25, 0.75]], "softmax([[1000, 1000 + ln 3]])",
          "e^1000 déborde : soustrayez le maximum de chaque ligne avant np.exp (le softmax n'en change pas).")
    # e^{-1000} = 0 en float64 : la ligne vaut [0, 1, 0] ; la moyenne (0) ou le minimum (-1000) débordent.
    P = softmax(np.array([[0.0, 1000.0, -1000.0]]))
    _egal(nom, P, [[0.0, 1.0, 0.0]], "softmax([[0, 1000, -1000]])",
          "soustrayez le maximum de chaque ligne : c'est le seul décalage qui ne déborde pas quand les scores "
          "d'une ligne sont très écartés (la moyenne ou le minimum de la ligne débordent ici).")
    P = _forme(nom, softmax(np.array([2, 2])), (2,), "softmax d'un vecteur d'entiers, np.array([2, 2])")
    indice = "softmax porte sur le dernier axe (axis=-1) : un vecteur (K,) est une seule ligne."
    if np.asarray(P).dtype.kind in "iub":
        indice = (f"le résultat est de dtype {P.dtype}, celui de Z : np.zeros_like(Z) ou np.empty_like(Z) gardent "
                  "le dtype entier de Z ; partez de np.asarray(Z, dtype=float).")
    _egal(nom, P, [0.5, 0.5], "softmax(np.array([2, 2]))", indice)
    _ok(nom, "probabilités justes sur 3 lignes, somme 1 par ligne, stable pour des scores de 1000 et très écartés, "
        "vecteur d'entiers accepté.")


def _petit_reseau():
    """Un réseau 2-2-2 et un batch de 2 exemples, calculables à la main.

    Z1 = X W1ᵀ + b1 = [[1, −1], [−1, 1]], A1 = ReLU(Z1) = I ;
    Z2 = A1 W2ᵀ + b2 = [[0, ln 3], [0, 0]], A2 = [[1/4, 3/4], [1/2, 1/2]].
    """
    X = np.array([[1.0, 2.0], [-1.0, 0.0]])
    parameters = {
        "W1": np.array([[1.0, 0.0], [0.0, -1.0]]),
        "b1": np.array([[0.0, 1.0]]),
        "W2": np.array([[0.0, 0.0], [LN3, 0.0]]),
        "b2": np.array([[0.0, 0.0]]),
    }
    cache = {
        "A0": X,
        "Z1": np.array([[1.0, -1.0], [-1.0, 1.0]]),
        "A1": np.array([[1.0, 0.0], [0.0, 1.0]]),
        "Z2": np.array([[0.0, LN3], [0.0, 0.0]]),
        "A2": np.array([[0.25, 0.75], [0.5, 0.5]]),
    }
    return X, parameters, cache


@_verification
def verifier_forward_pass(forward_pass):
    nom = "forward_pass"
    X, parameters, attendu = _petit_reseau()
    copies = {k: v.copy() for k, v in parameters.items()}
    A, cache = _paire(nom, forward_pass(X, parameters), ["A", "cache"])
    _forme(nom, A, (2, 2), "A (sortie du réseau)")
    if not isinstance(cache, dict):
        _echec(nom, f"cache : attendu un dict, obtenu {type(cache).__name__}.")
    manquantes = [k for k in attendu if k not in cache]
    if manquantes:
        _echec(nom, f"cache : clés manquantes {manquantes} (attendu A0, Z1, A1, Z2, A2).",
               "stockez cache[f'Z{l}'] et cache[f'A{l}'] à chaque couche, et A0 = X (Algorithme 2).")
    for cle in ["Z1", "A1", "Z2", "A2", "A0"]:
        indice = {
            "Z1": "Z[l] = A[l−1] W[l]ᵀ + b[l] (éq. 23) : W est de forme (d_l, d_{l−1}), il faut sa transposée.",
            "A1": "les couches cachées utilisent ReLU (éq. 24).",
            "A2": "la couche de sortie utilise softmax.",
        }.get(cle)
        _egal(nom, cache[cle], attendu[cle], f"cache['{cle}']", indice)
    _egal(nom, A, attendu["A2"], "A (doit être cache['A2'])")
    for cle, valeur in copies.items():
        _intact(nom, valeur, parameters[cle], f"parameters['{cle}']")
    # Le même X en entiers, puis son premier exemple seul (m = 1) : mêmes valeurs, mêmes lignes.
    A = _paire(nom, forward_pass(X.astype(int), parameters), ["A", "cache"])[0]
    _egal(nom, _forme(nom, A, (2, 2), "A pour X d'entiers"), attendu["A2"], "A pour X = [[1, 2], [-1, 0]] en entiers",
          "X peut contenir des entiers : un tableau créé au dtype de X (np.zeros_like(X), dtype=X.dtype) "
          "tronque les valeurs ; calculez en float.")
    A = _paire(nom, forward_pass(X[:1], parameters), ["A", "cache"])[0]
    _egal(nom, _forme(nom, A, (1, 2), "A pour un seul exemple, X de forme (1, 2)"), attendu["A2"][:1],
          "A pour le seul exemple X = [[1, 2]]", "un seul exemple reste un batch de forme (1, d) : pas de np.squeeze.")
    _ok(nom, "réseau 2-2-2 calculé à la main : Z1, A1, Z2, A2 et la sortie sont justes, aussi pour X d'entiers "
        "et pour un seul exemple.")


@_verification
def verifier_backward_pass(backward_pass):
    nom = "backward_pass"
    _, parameters, cache = _petit_reseau()
    Y = np.array([[0.0, 1.0], [1.0, 0.0]])
    # δ2 = A2 − Y = [[1/4, −1/4], [−1/2, 1/2]] (éq. 32), m = 2.
    # δ1 = (δ2 W2) ⊙ 𝕀[Z1 > 0] = [[−ln3/4, 0], [0, 0]] (éq. 35).
    attendu = {
        "dW2": [[0.125, -0.25], [-0.125, 0.25]],
        "db2": [[-0.125, 0.125]],
        "dW1": [[-0.125 * LN3, -0.25 * LN3], [0.0, 0.0]],
        "db1": [[-0.125 * LN3, 0.0]],
    }
    grads = backward_pass(Y, cache, parameters)
    if not isinstance(grads, dict):
        _echec(nom, f"attendu un dict de gradients, obtenu {type(grads).__name__}.")
    manquantes = [k for k in attendu if k not in grads]
    if manquantes:
        _echec(nom, f"clés manquantes {manquantes} (attendu dW1, db1, dW2, db2).")
    for cle in ["dW2", "db2", "dW1", "db1"]:
        forme = np.shape(attendu[cle])
        _forme(nom, grads[cle], forme, f"grads['{cle}']")
        g = np.asarray(grads[cle], dtype=float)
        a = np.asarray(attendu[cle])
        indice = {
            "dW2": "dW[l] = (1/m) δ[l]ᵀ A[l−1] (éq. 38) avec δ[L] = ŷ − y (éq. 32).",
            "db2": "db[l] = (1/m) Σ_i δ[l]_i (éq. 39), avec keepdims=True pour la forme (1, d_l).",
            "dW1": "δ[l−1] = (δ[l] W[l]) ⊙ ReLU'(Z[l−1]) (éq. 35).",
            "db1": "δ[l−1] = (δ[l] W[l]) ⊙ ReLU'(Z[l−1]) (éq. 35).",
        }[cle]
        if np.allclose(g, 2 * a, atol=TOL) and np.any(a):
            indice = "le résultat est 2× trop grand (m = 2) : la moyenne sur le batch (1/m, éq. 38-39) manque-t-elle ?"
        _egal(nom, g, a, f"grads['{cle}']", indice)
    # Les mêmes étiquettes en entiers : mêmes gradients.
    grads = backward_pass(Y.astype(int), cache, parameters)
    for cle in ["dW2", "db2", "dW1", "db1"]:
        _egal(nom, _forme(nom, grads[cle], np.shape(attendu[cle]), f"grads['{cle}'] pour y_true d'entiers"),
              attendu[cle], f"grads['{cle}'] pour y_true = [[0, 1], [1, 0]] en entiers",
              "y_true peut être en entiers : un tableau qui prend son dtype (np.zeros_like(y_true)…) "
              "tronque ŷ − y ; calculez δ[L] en float.")
    _ok(nom, "gradients du réseau 2-2-2 calculés à la main : dW1, db1, dW2, db2 sont justes, "
        "pour y_true en float et en entiers.")


# ---------------------------------------------- §8, §9.2, §12.2 entraînement
@_verification
def verifier_initialize_parameters(initialize_parameters):
    nom = "initialize_parameters"
    p = initialize_parameters([4, 3, 2], seed=0)
    if not isinstance(p, dict):
        _echec(nom, f"attendu un dict, obtenu {type(p).__name__}.")
    if sorted(p) != ["W1", "W2", "b1", "b2"]:
        _echec(nom, f"clés attendues W1, b1, W2, b2 pour layer_dims = [4, 3, 2] ; obtenu {sorted(p)}.",
               "les couches sont numérotées de 1 à L (Listing 4).")
    for cle, forme in [("W1", (3, 4)), ("b1", (1, 3)), ("W2", (2, 3)), ("b2", (1, 2))]:
        _forme(nom, p[cle], forme, f"parameters['{cle}']")
    for cle in ["b1", "b2"]:
        _egal(nom, p[cle], np.zeros(p[cle].shape), f"parameters['{cle}']", "les biais démarrent à 0 (Listing 4).")
    q = initialize_parameters([4, 3, 2], seed=0)
    if not np.array_equal(p["W1"], q["W1"]):
        _echec(nom, "deux appels avec seed=0 donnent des W1 différents.",
               "créez le générateur à partir de l'argument seed : np.random.default_rng(seed).")
    if np.array_equal(p["W1"], initialize_parameters([4, 3, 2], seed=1)["W1"]):
        _echec(nom, "seed=0 et seed=1 donnent le même W1 : l'argument seed est-il utilisé ?")
    if len({tuple(ligne) for ligne in np.asarray(p["W1"]).tolist()}) < 3:
        _echec(nom, "des lignes de W1 sont identiques : ces neurones auraient les mêmes poids, donc la même sortie et "
                    "le même gradient (symétrie, §8.3).", "tirez un nombre indépendant par poids (éq. 50).")
    try:
        r = initialize_parameters((np.int64(4), np.int64(3), np.int64(2)), seed=0)
    except (AttributeError, TypeError) as erreur:
        _echec(nom, f"layer_dims donné comme tuple d'entiers numpy, (4, 3, 2) : {type(erreur).__name__} : {erreur}.",
               "layer_dims est une liste ou un tuple d'entiers : lisez-le avec len() et des indices, sans .copy() "
               "ni test du type exact des tailles.")
    if not isinstance(r, dict) or not np.array_equal(np.asarray(r.get("W1")), p["W1"]):
        _echec(nom, "layer_dims donné comme tuple d'entiers numpy, (4, 3, 2) : attendu les mêmes paramètres "
                    "qu'avec la liste [4, 3, 2] et la même graine.",
               "layer_dims est une liste ou un tuple d'entiers : lisez-le avec len() et des indices.")
    # 500 × 400 = 200 000 tirages : l'écart-type empirique est à ±0.3 % près.
    W = initialize_parameters([400, 500], seed=0)["W1"]
    attendu = math.sqrt(2 / 400)
    if abs(W.std() - attendu) > 0.03 * attendu or abs(W.mean()) > 0.03 * attendu:
        indice = None
        if abs(W.std() - math.sqrt(2 / 500)) < 0.03 * attendu:
            indice = "la variance de He utilise d_{l−1} (les entrées de la couche), pas d_l (éq. 50)."
        elif abs(W.std() - math.sqrt(2 / 900)) < 0.03 * attendu:
            indice = "c'est l'initialisation de Xavier (éq. 49) ; He utilise 2 / d_{l−1} (éq. 50)."
        _echec(nom, f"couche 400 → 500 : écart-type de W1 {W.std():.4f}, moyenne {W.mean():.4f} ; "
                    f"attendu écart-type √(2/400) = {attendu:.4f} et moyenne ≈ 0.",
               indice or "W ~ N(0, 2/d_{l−1}) : tirage normal centré multiplié par √(2/d_{l−1}) (éq. 50).")
    _ok(nom, "clés, formes, biais nuls, graine respectée, layer_dims en liste ou en tuple, écart-type √(2/d_{l−1}).")


@_verification
def verifier_dropout_forward(dropout_forward):
    nom = "dropout_forward"
    A = np.ones((100, 50))
    A_out, mask = _paire(nom, dropout_forward(A, keep_prob=0.8, rng=np.random.default_rng(0)), ["A_out", "mask"])
    _forme(nom, A_out, A.shape, "A_out")
    _forme(nom, np.asarray(mask), A.shape, "mask")
    _intact(nom, np.ones((100, 50)), A, "A")
    m = np.asarray(mask, dtype=float)
    if not np.all((m == 0) | (m == 1)):
        _echec(nom, "mask doit valoir 0/1 (ou False/True) : True pour les neurones gardés.")
    _egal(nom, A_out, A * m / 0.8, "A_out (avec A = 1 partout, keep_prob = 0.8)",
          "inverted dropout : A_out = A * mask / keep_prob (§9.2).")
    garde = m.mean()
    # 5000 tirages : l'écart-type de la proportion est 0.0057 ; ±0.03 ≈ 5 écarts-types.
    if abs(garde - 0.8) > 0.03:
        _echec(nom, f"{100 * garde:.1f} % des neurones sont gardés, attendu environ keep_prob = 80 %.",
               "mask = rng.random(A.shape) < keep_prob : chaque neurone est gardé avec probabilité keep_prob.")
    # Des lignes de 3 neurones : un tirage indépendant par neurone garde 0, 1, 2 ou 3 neurones
    # par ligne avec les probabilités de la loi binomiale B(3, 1/2) : 1/8, 3/8, 3/8, 1/8.
    _, m3 = _paire(nom, dropout_forward(np.ones((4000, 3)), keep_prob=0.5, rng=np.random.default_rng(1)), ["A_out", "mask"])
    comptes = np.bincount(np.asarray(m3, dtype=float).sum(axis=1).astype(int), minlength=4)[:4] / 4000
    # 4000 lignes : l'écart-type de chaque fréquence est au plus 0.0077 ; ±0.035 ≈ 4.5 écarts-types.
    if np.any(np.abs(comptes - [0.125, 0.375, 0.375, 0.125]) > 0.035):
        _echec(nom, f"lignes de 3 neurones, keep_prob = 0.5 : 0, 1, 2 ou 3 neurones gardés dans "
                    f"{', '.join(f'{100 * c:.0f} %' for c in comptes)} des lignes ; attendu 12.5 %, 37.5 %, 37.5 %, 12.5 %.",
               "chaque neurone est gardé indépendamment, avec probabilité keep_prob : mask = rng.random(A.shape) < keep_prob. "
               "Garder un nombre fixe de neurones par ligne biaise les petites couches.")
    A_test, mask_test = _paire(nom, dropout_forward(A, keep_prob=0.8, training=False), ["A", "None"])
    if mask_test is not None or not np.array_equal(np.asarray(A_test), A):
        _echec(nom, "avec training=False, attendu (A, None) : au test, le dropout ne fait rien.")
    A_un, _ = dropout_forward(A, keep_prob=1.0)
    _egal(nom, A_un, A, "A_out avec keep_prob = 1", "avec keep_prob = 1 tous les neurones sont gardés.")
    _ok(nom, f"{100 * garde:.1f} % de neurones gardés pour keep_prob = 0.8, un tirage par neurone, mise à l'échelle "
        "1/keep_prob, rien au test.")


@_verification
def verifier_adam_update(adam_update):
    nom = "adam_update"
    parameters = {"W1": np.array([[1.0, -2.0]]), "b1": np.array([[0.0]])}
    grads = {"dW1": np.array([[0.5, -0.5]]), "db1": np.array([[0.0]])}
    m0 = {"dW1": np.zeros((1, 2)), "db1": np.zeros((1, 1))}
    v0 = {"dW1": np.zeros((1, 2)), "db1": np.zeros((1, 1))}
    copies = {k: v.copy() for k, v in parameters.items()}
    sortie = _paire(nom, adam_update(parameters, grads, m0, v0, 1, learning_rate=0.1), ["parameters", "m", "v"])
    p1, m1, v1 = sortie
    # t = 1 : m = 0.1 g, v = 0.001 g², m̂ = g, v̂ = g², donc le pas vaut α·g/|g| = ±α.
    _egal(nom, m1["dW1"], [[0.05, -0.05]], "m['dW1'] après le pas t = 1", "m_t = β1 m_{t−1} + (1 − β1) g (éq. 44).")
    _egal(nom, v1["dW1"], [[0.00025, 0.00025]], "v['dW1'] après le pas t = 1", "v_t = β2 v_{t−1} + (1 − β2) g² (éq. 45).")
    _egal(nom, p1["W1"], [[0.9, -1.9]], "W1 après le pas t = 1 (α = 0.1, g = [0.5, −0.5])",
          "grâce à la correction de biais (éq. 46-47), le premier pas vaut α·g/|g| = ±α (éq. 48).")
    _egal(nom, p1["b1"], [[0.0]], "b1 (gradient nul : il ne doit pas bouger)")
    for cle, valeur in copies.items():
        _intact(nom, valeur, parameters[cle], f"parameters['{cle}']")
    for quoi, d in (("m", m0), ("v", v0)):
        for cle, valeur in d.items():
            _intact(nom, np.zeros(valeur.shape), valeur, f"{quoi}['{cle}']")
    _intact(nom, np.array([[0.5, -0.5]]), grads["dW1"], "grads['dW1']")
    # Avec ε = 1 : pas de α·0.5 / (0.5 + 1) = α/3.
    p_eps = _paire(nom, adam_update(parameters, grads, m0, v0, 1, learning_rate=0.1, epsilon=1.0),
                   ["parameters", "m", "v"])[0]
    _egal(nom, p_eps["W1"], [[1 - 0.1 / 3, -2 + 0.1 / 3]], "W1 après le pas t = 1 avec epsilon = 1",
          "le pas vaut α m̂ / (√v̂ + ε) = 0.1 × 0.5 / (0.5 + 1) : utilisez l'argument epsilon (éq. 48).")
    # t = 2, même gradient : m̂ = g et v̂ = g² encore, donc encore un pas de ±α.
    p2, m2, v2 = adam_update(p1, grads, m1, v1, 2, learning_rate=0.1)
    _egal(nom, m2["dW1"], [[0.095, -0.095]], "m['dW1'] après le pas t = 2")
    _egal(nom, p2["W1"], [[0.8, -1.8]], "W1 après le pas t = 2 (même gradient)",
          "la correction de biais divise par 1 − β^t avec t = 2 (éq. 46-47).")
    _ok(nom, "deux pas calculés à la main (gradient constant : pas de ±α) et un pas avec ε = 1 sont justes ; "
        "les dicts reçus sont intacts.")


@_verification
def verifier_numerical_gradient(numerical_gradient):
    nom = "numerical_gradient"
    theta = np.array([[1.0, -2.0], [3.0, 0.5]])
    copie = theta.copy()
    g = _forme(nom, numerical_gradient(lambda t: float(np.sum(t**2)), theta), theta.shape, "gradient de Σθ²")
    # Tolérance 1e-4 : l'erreur d'arrondi de la différence centrée avec ε = 1e-7 est d'environ 1e-8·|f|/ε.
    _egal(nom, g, 2 * copie, "gradient de f(θ) = Σθ² en θ = [[1, −2], [3, 0.5]] (attendu 2θ)",
          "(f(θ + ε) − f(θ − ε)) / (2ε), une composante à la fois (éq. 57).", tol=1e-4)
    # θ doit revenir à sa valeur ; ajouter puis retrancher ε la rétablit à quelques arrondis près (accepté).
    if not np.all(np.abs(theta - copie) <= 4 * np.spacing(np.abs(copie) + 2e-7)):
        _echec(nom, "θ n'a pas retrouvé sa valeur après l'appel.",
               "gardez l'ancienne valeur de côté (old_value = theta[idx]) et remettez-la après f(θ+ε) et f(θ−ε).")
    # f lit θ par une fermeture et ignore son argument, comme la perte du Listing 7.
    g = numerical_gradient(lambda t: float(np.sum(theta**2)), theta)
    _egal(nom, g, 2 * copie, "gradient de Σθ² quand f lit θ par une fermeture (elle ignore son argument)",
          "perturbez theta lui-même, en place (theta[idx] = old_value + epsilon), pas une copie "
          "(theta.copy(), theta.flatten(), theta + ε·e_k…) : f ne voit que theta.", tol=1e-4)
    v = np.array([2.0, 5.0])
    g = numerical_gradient(lambda t: float(t[0] * t[1]), v)
    _egal(nom, g, [5.0, 2.0], "gradient de f(θ) = θ0·θ1 en θ = [2, 5]", tol=1e-4)
    _ok(nom, "gradients de Σθ² (f lisant son argument, puis θ par une fermeture) et de θ0·θ1 justes, θ remis.")


@_verification
def verifier_gradient_check(gradient_check):
    nom = "gradient_check"
    f = lambda t: float(np.sum(t**2))  # noqa: E731
    theta = np.array([1.0, -2.0, 3.0])
    juste = gradient_check(f, theta, 2 * theta)
    if not isinstance(juste, (float, np.floating)):
        _echec(nom, f"attendu un float, obtenu {type(juste).__name__}.")
    if not juste < 1e-7:
        _echec(nom, f"avec le bon gradient 2θ, attendu une différence < 1e-7, obtenu {juste:.3g}.",
               "‖num − ana‖ / (‖num‖ + ‖ana‖), normes euclidiennes (§12.2).")
    # Un gradient 2× trop grand : ‖2θ − 4θ‖ / (‖2θ‖ + ‖4θ‖) = 2/6 = 1/3.
    faux = gradient_check(f, theta, 4 * theta)
    _egal(nom, faux, 1 / 3, "différence relative pour un gradient analytique 2× trop grand (attendu 1/3)",
          "‖num − ana‖ / (‖num‖ + ‖ana‖) (§12.2) : la somme des deux normes au dénominateur.", tol=1e-5)
    # f lit θ par une fermeture (elle ignore son argument), comme la perte du Listing 7.
    ferme = gradient_check(lambda t: float(np.sum(theta**2)), theta, 2 * theta)
    if not (np.isfinite(ferme) and ferme < 1e-7):
        _echec(nom, f"avec le bon gradient 2θ et une f qui lit θ par une fermeture, attendu < 1e-7, obtenu {ferme:.3g}.",
               "passez à numerical_gradient le theta reçu lui-même, pas une copie : f ne voit que theta.")
    nul = gradient_check(lambda t: 5.0, theta, np.zeros(3))
    if not (np.isfinite(nul) and abs(nul) < 1e-12):
        _echec(nom, f"pour une fonction constante (deux gradients nuls), attendu 0.0, obtenu {nul}.",
               "si ‖num‖ + ‖ana‖ = 0, renvoyez 0.0 au lieu de diviser par zéro.")
    _ok(nom, "≈ 0 pour le bon gradient (f lisant son argument ou θ par une fermeture), 1/3 pour un gradient "
             "2× trop grand, 0.0 si les deux sont nuls.")


@_verification
def verifier_train_digits_model(train_digits_model, forward_pass):
    """Entraîne sur 600 chiffres et teste sur 300 autres, puis sur 300 chiffres
    aux étiquettes en one-hot (le correcteur, lui, entraîne sur ~1350 chiffres
    et exige plus de 95 % sur le test)."""
    from sklearn.datasets import load_digits

    nom = "train_digits_model"
    digits = load_digits()
    # Les chiffres du fichier sont rangés par scripteur : on mélange (graine fixe).
    ordre = np.random.default_rng(0).permutation(len(digits.target))
    X, y = digits.data[ordre] / 16.0, digits.target[ordre]
    parameters = train_digits_model(X[:600], y[:600])
    if not isinstance(parameters, dict):
        _echec(nom, f"attendu le dict des paramètres, obtenu {type(parameters).__name__}.")
    L = len(parameters) // 2
    cles = [k for l in range(1, L + 1) for k in (f"W{l}", f"b{l}")]
    if sorted(parameters) != sorted(cles) or L < 1:
        _echec(nom, f"clés attendues W1, b1, …, WL, bL ; obtenu {sorted(parameters)}.")
    if parameters["W1"].shape[1] != 64 or parameters[f"W{L}"].shape[0] != 10:
        _echec(nom, f"W1 doit avoir 64 colonnes (pixels) et W{L} 10 lignes (classes) ; "
                    f"obtenu {parameters['W1'].shape} et {parameters[f'W{L}'].shape}.")
    proba, _ = forward_pass(X[600:900], parameters)
    precision = float(np.mean(np.argmax(proba, axis=1) == y[600:900]))
    if precision < 0.9:
        _echec(nom, f"précision de {100 * precision:.1f} % sur 300 chiffres de test après un entraînement sur 600 ; "
                    "attendu au moins 90 %.",
               "vérifiez le learning rate, le nombre d'epochs, le mélange des données à chaque epoch (Algorithme 4).")
    # Les étiquettes peuvent aussi arriver en one-hot, de forme (m, 10), comme dans le Listing 5.
    try:
        parameters = train_digits_model(X[:300], np.eye(10)[y[:300]])
    except Exception as erreur:  # the student's own error, shown as it is
        _echec(nom, f"avec y_train en one-hot (forme (300, 10)) : erreur {type(erreur).__name__} : {erreur}.",
               "n'encodez y_train en one-hot que s'il est à une dimension (if y_train.ndim == 1: …).")
    if not isinstance(parameters, dict):
        _echec(nom, f"avec y_train en one-hot : attendu le dict des paramètres, obtenu {type(parameters).__name__}.")
    proba, _ = forward_pass(X[600:900], parameters)
    precision_1h = float(np.mean(np.argmax(proba, axis=1) == y[600:900]))
    if precision_1h < 0.8:
        _echec(nom, f"avec y_train en one-hot (300 chiffres), précision de {100 * precision_1h:.1f} % sur 300 chiffres "
                    "de test ; attendu au moins 80 %.",
               "si y_train a deux dimensions, il est déjà encodé : ne le réencodez pas.")
    _ok(nom, f"{L} couches, précision de {100 * precision:.1f} % sur 300 chiffres (entraînement sur 600), "
             f"{100 * precision_1h:.1f} % avec 300 étiquettes en one-hot.")


# ------------------------------------------- messages courts dans le notebook
def _message_court(shell, type_erreur, erreur, trace, tb_offset=None):
    """Affiche ce que montre une cellule qui échoue sur une fonction pas encore
    faite, ou sur un nom qu'une cellule précédente (en échec) n'a pas défini :
    une phrase en français au lieu de la trace. La cellule échoue quand même."""
    lignes = _lignes_courtes(erreur, trace)
    if lignes is None:
        lignes = shell.InteractiveTB.structured_traceback(type_erreur, erreur, trace, tb_offset=tb_offset)
    # IPython n'affiche pas lui-même ce que renvoie ce gestionnaire.
    shell._showtraceback(type_erreur, erreur, lignes)


def _lignes_courtes(erreur, trace):
    if hasattr(erreur, "_render_traceback_"):
        return erreur._render_traceback_()
    if isinstance(erreur, NotImplementedError):
        manquante = _fonction_non_faite(trace, None)
        if manquante:
            return [f"✗ Cette cellule utilise {manquante}, qui n'est pas encore faite (NotImplementedError).",
                    f"Indice : écrivez {manquante} plus haut, exécutez sa cellule, puis relancez celle-ci."]
        return ["✗ Réponse pas encore faite (NotImplementedError).",
                "Indice : remplacez « raise NotImplementedError() » par votre réponse, puis exécutez la cellule."]
    dernier = trace
    while dernier is not None and dernier.tb_next is not None:
        dernier = dernier.tb_next
    # Un nom inconnu au niveau de la cellule elle-même (pas dans une fonction) : une cascade.
    if isinstance(erreur, NameError) and dernier is not None and dernier.tb_frame.f_code.co_name == "<module>":
        nom = getattr(erreur, "name", None) or str(erreur)
        return [f"✗ « {nom} » n'est pas défini : une cellule plus haut n'a pas abouti (une fonction pas encore "
                "faite ?) ou n'a pas été exécutée.",
                "Indice : exécutez les cellules dans l'ordre, depuis le début du notebook."]
    return None


def installer_messages_courts():
    """Dans IPython (un notebook), les deux erreurs en cascade d'un notebook pas fini
    s'affichent en une phrase (:func:`_message_court`)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and hasattr(shell, "set_custom_exc"):
        shell.set_custom_exc((NotImplementedError, NameError), _message_court)


installer_messages_courts()


# ------------------------------------------------------- ligne de commande
def _verifier_un_notebook(nom_notebook):
    """Dans un sous-processus : charge le notebook (et ceux dont il dépend), lance ses vérifications."""
    sys.path.insert(0, str(DOSSIER))
    from outils_cours import charger_fonctions

    espace = {"np": np, "__name__": "__verifications__"}
    for precedent in DEPENDANCES[nom_notebook]:
        charger_fonctions(DOSSIER / precedent, espace, verbeux=False)
    charger_fonctions(DOSSIER / nom_notebook, espace, verbeux=True)
    bilan = {"ok": 0, "echec": 0, "a_faire": 0}
    for nom in FONCTIONS[nom_notebook]:
        verification = globals()[f"verifier_{nom}"]
        if nom not in espace:
            print(f"✗ {nom} : fonction introuvable (la cellule qui la définit a-t-elle été enregistrée ?).")
            bilan["echec"] += 1
            continue
        arguments = [espace[nom]]
        if nom == "train_digits_model":
            arguments.append(espace.get("forward_pass"))
        try:
            verification(*arguments)
            bilan["ok"] += 1
        except NotImplementedError:
            print(f"… {nom} : pas encore fait (NotImplementedError).")
            bilan["a_faire"] += 1
        except AssertionError as erreur:
            print(f"✗ {erreur}")
            bilan["echec"] += 1
        except Exception as erreur:  # le code vérifié peut lever n'importe quoi
            print(f"✗ {nom} : erreur {type(erreur).__name__} : {erreur}")
            bilan["echec"] += 1
    print(f"Bilan {nom_notebook} : {bilan['ok']} réussie(s), {bilan['echec']} en échec, {bilan['a_faire']} pas encore faite(s).")
    return 0 if bilan["echec"] == 0 and bilan["a_faire"] == 0 else 1


def main(arguments=None, delai=300):
    arguments = sys.argv[1:] if arguments is None else list(arguments)
    if arguments[:1] == ["--un"]:
        return _verifier_un_notebook(arguments[1])
    notebooks = [Path(a).name for a in arguments] or sorted(FONCTIONS)
    inconnus = [n for n in notebooks if n not in FONCTIONS]
    if inconnus:
        print(f"Notebook(s) inconnu(s) : {', '.join(inconnus)}. Attendu l'un de : {', '.join(sorted(FONCTIONS))}.")
        return 2
    code = 0
    for nom in notebooks:
        print(f"=== {nom}")
        if not (DOSSIER / nom).exists():
            print(f"✗ {nom} introuvable dans {DOSSIER}.")
            code = 1
            continue
        # Un sous-processus par notebook : une boucle infinie ou un exit()
        # dans un notebook n'empêche pas de vérifier les autres.
        try:
            resultat = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--un", nom],
                cwd=DOSSIER, capture_output=True, text=True, timeout=delai,
                # petites matrices : un seul thread BLAS va plus vite
                env=dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1"),
            )
        except subprocess.TimeoutExpired:
            print(f"✗ {nom} : pas de réponse en {delai} s (boucle infinie, ou calcul beaucoup trop long ?).")
            code = 1
            continue
        sys.stdout.write(resultat.stdout)
        if resultat.returncode not in (0, 1):
            dernieres = "\n".join(resultat.stderr.strip().splitlines()[-5:])
            print(f"✗ {nom} : la vérification s'est arrêtée (code {resultat.returncode}).\n{dernieres}")
        if resultat.returncode != 0:
            code = 1
    print("Tout est vérifié." if code == 0 else "Certaines vérifications ne passent pas encore (voir ci-dessus).")
    return code


if __name__ == "__main__":
    sys.exit(main())
