"""Speed of the reference MLP against scikit-learn and a minimal numpy loop.

Three trainers of the same 64-128-64-10 ReLU/softmax network, Adam
(α = 1e-3, β1 = 0.9, β2 = 0.999, ε = 1e-8), batches of 32 reshuffled every
epoch, no L2, float64, on the same stratified 80/20 splits of
``load_digits()`` (X / 16):

- ``reference``: ``reference_impl.mlp.MLP``, one ``partial_fit`` per epoch;
- ``sklearn``: ``MLPClassifier(alpha=0)``, one ``partial_fit`` per epoch;
- ``minimal``: the floor, a hand-written loop below with the same maths,
  initialisation and shuffling as the reference and nothing else (no loss,
  no checks, no dicts). Its runs differ from the reference's only by
  rounding, which can still move the epoch where 97% is first crossed.

Only the training epoch is timed; the test accuracy is measured after every
epoch, outside the timer. Figures are medians over the splits.

    python bench/bench_mlp.py                 # table
    python bench/bench_mlp.py --json          # machine-readable
    python bench/bench_mlp.py --threads default   # OpenBLAS's own thread count
"""

import argparse
import json
import os
import sys
import time

TARGET_ACCURACY = 0.97
LAYER_DIMS = [64, 128, 64, 10]
LEARNING_RATE = 1e-3
BATCH_SIZE = 32


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--splits", type=int, default=10, help="number of stratified splits (seeds 0..n-1)")
    parser.add_argument("--epochs", type=int, default=50, help="epochs per run")
    parser.add_argument(
        "--threads", default="1", help="OPENBLAS_NUM_THREADS, or 'default' to leave OpenBLAS its own choice"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser.parse_args()


# The thread count must be set before numpy loads OpenBLAS.
ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:
    if ARGS.threads == "default":
        os.environ.pop("OPENBLAS_NUM_THREADS", None)
    else:
        os.environ["OPENBLAS_NUM_THREADS"] = ARGS.threads

import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from reference_impl.initialization import initialize_parameters  # noqa: E402
from reference_impl.mlp import MLP  # noqa: E402


# --------------------------------------------------------------- trainers
# Each trainer has epoch() (timed) and accuracy(X, y) (not timed).


class ReferenceTrainer:
    def __init__(self, X, y, seed):
        self.X, self.y = X, y
        self.model = MLP(LAYER_DIMS, learning_rate=LEARNING_RATE, optimizer="adam", batch_size=BATCH_SIZE, seed=seed)

    def epoch(self):
        self.model.partial_fit(self.X, self.y)

    def accuracy(self, X, y):
        return self.model.score(X, y)


class SklearnTrainer:
    def __init__(self, X, y, seed):
        self.X, self.y = X, y
        self.classes = np.arange(LAYER_DIMS[-1])
        self.model = MLPClassifier(
            hidden_layer_sizes=tuple(LAYER_DIMS[1:-1]),
            activation="relu",
            solver="adam",
            alpha=0.0,
            batch_size=BATCH_SIZE,
            learning_rate_init=LEARNING_RATE,
            beta_1=0.9,
            beta_2=0.999,
            epsilon=1e-8,
            shuffle=True,
            random_state=seed,
        )

    def epoch(self):
        # One partial_fit is one shuffled pass over the data.
        self.model.partial_fit(self.X, self.y, classes=self.classes)

    def accuracy(self, X, y):
        return self.model.score(X, y)


class MinimalTrainer:
    """Forward, backward and Adam written out for three layers, in place."""

    def __init__(self, X, y, seed, b1=0.9, b2=0.999, eps=1e-8):
        self.X, self.Y = X, np.eye(LAYER_DIMS[-1])[y]
        # Same generator use as MLP: He init first, then one permutation per epoch.
        self.rng = np.random.default_rng(seed)
        p = initialize_parameters(LAYER_DIMS, seed=self.rng)
        self.P = [p[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3")]
        self.M = [np.zeros_like(a) for a in self.P]
        self.V = [np.zeros_like(a) for a in self.P]
        self.t, self.b1, self.b2, self.eps = 0, b1, b2, eps

    def epoch(self):
        W1, c1, W2, c2, W3, c3 = self.P
        order = self.rng.permutation(len(self.X))
        Xs, Ys = self.X[order], self.Y[order]
        for s in range(0, len(Xs), BATCH_SIZE):
            X, Y = Xs[s : s + BATCH_SIZE], Ys[s : s + BATCH_SIZE]
            Z1 = X @ W1.T + c1
            A1 = np.maximum(Z1, 0)
            Z2 = A1 @ W2.T + c2
            A2 = np.maximum(Z2, 0)
            Z3 = A2 @ W3.T + c3
            E = np.exp(Z3 - Z3.max(axis=1, keepdims=True))
            dZ3 = (E / E.sum(axis=1, keepdims=True) - Y) / len(X)
            dZ2 = (dZ3 @ W3) * (Z2 > 0)
            dZ1 = (dZ2 @ W2) * (Z1 > 0)
            G = [dZ1.T @ X, dZ1.sum(0, keepdims=True), dZ2.T @ A1, dZ2.sum(0, keepdims=True),
                 dZ3.T @ A2, dZ3.sum(0, keepdims=True)]  # fmt: skip
            self.t += 1
            lr_t = LEARNING_RATE / (1 - self.b1**self.t)
            c = 1 / (1 - self.b2**self.t)
            for p, g, m, v in zip(self.P, G, self.M, self.V):
                m *= self.b1
                m += (1 - self.b1) * g
                v *= self.b2
                v += (1 - self.b2) * g * g
                p -= lr_t * m / (np.sqrt(v * c) + self.eps)

    def accuracy(self, X, y):
        W1, c1, W2, c2, W3, c3 = self.P
        Z3 = np.maximum(np.maximum(X @ W1.T + c1, 0) @ W2.T + c2, 0) @ W3.T + c3
        return float(np.mean(Z3.argmax(axis=1) == y))


TRAINERS = {"reference": ReferenceTrainer, "sklearn": SklearnTrainer, "minimal": MinimalTrainer}


# ------------------------------------------------------------------ runs
def run(trainers, X_test, y_test, n_epochs):
    """Train every trainer for n_epochs epochs, taking turns epoch by epoch so
    that a burst of load from other processes hits all of them alike.

    Returns {name: (per-epoch training times, per-epoch test accuracies)}.
    """
    out = {name: ([], []) for name in trainers}
    for _ in range(n_epochs):
        for name, trainer in trainers.items():
            start = time.perf_counter()
            trainer.epoch()
            out[name][0].append(time.perf_counter() - start)
            out[name][1].append(trainer.accuracy(X_test, y_test))
    return out


def summarise(runs):
    """Medians over splits of one trainer's runs."""
    epoch_ms, t97, e97, final = [], [], [], []
    for times, accuracies in runs:
        epoch_ms.append(1e3 * np.median(times))
        first = next((i for i, a in enumerate(accuracies) if a >= TARGET_ACCURACY), None)
        # A split that never reaches the target counts as infinitely slow.
        e97.append(np.inf if first is None else first + 1)
        t97.append(np.inf if first is None else float(np.sum(times[: first + 1])))
        final.append(accuracies[-1])
    return {
        "epoch_ms": float(np.median(epoch_ms)),
        "time_to_target_s": float(np.median(t97)),
        "epochs_to_target": float(np.median(e97)),
        "reached_target": int(np.sum(np.isfinite(t97))),
        "final_accuracy": float(np.median(final)),
        "final_accuracy_min": float(np.min(final)),
        "per_split_time_to_target_s": [None if not np.isfinite(t) else round(t, 4) for t in t97],
    }


def main(args):
    X, y = load_digits(return_X_y=True)
    X = X.astype(np.float64) / 16.0
    splits = [train_test_split(X, y, test_size=0.2, stratify=y, random_state=s) for s in range(args.splits)]

    # Warm-up: first calls pay for imports, BLAS start-up and caches.
    X_train, X_test, y_train, y_test = splits[0]
    run({name: cls(X_train, y_train, seed=0) for name, cls in TRAINERS.items()}, X_test, y_test, 2)

    runs = {name: [] for name in TRAINERS}
    wall = time.perf_counter()
    for seed, (X_train, X_test, y_train, y_test) in enumerate(splits):
        trainers = {name: cls(X_train, y_train, seed=seed) for name, cls in TRAINERS.items()}
        for name, result in run(trainers, X_test, y_test, args.epochs).items():
            runs[name].append(result)
    wall = time.perf_counter() - wall

    results = {name: summarise(r) for name, r in runs.items()}
    ref, skl, low = results["reference"], results["sklearn"], results["minimal"]
    return {
        "config": {
            "layer_dims": LAYER_DIMS,
            "optimizer": "adam",
            "learning_rate": LEARNING_RATE,
            "batch_size": BATCH_SIZE,
            "l2": 0.0,
            "dtype": "float64",
            "target_accuracy": TARGET_ACCURACY,
            "splits": args.splits,
            "epochs": args.epochs,
            "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
            "cpu_count": os.cpu_count(),
            "numpy": np.__version__,
            "sklearn": __import__("sklearn").__version__,
        },
        "results": results,
        "ratios": {
            # > 1 means the reference is faster.
            "sklearn_over_reference_time_to_target": skl["time_to_target_s"] / ref["time_to_target_s"],
            "sklearn_over_reference_epoch": skl["epoch_ms"] / ref["epoch_ms"],
            # > 1 means the reference is slower than the floor.
            "reference_over_minimal_epoch": ref["epoch_ms"] / low["epoch_ms"],
        },
        "wall_time_s": wall,
    }


def print_table(report):
    c, res, r = report["config"], report["results"], report["ratios"]
    target = f"{100 * c['target_accuracy']:.0f}%"
    print(
        f"MLP {'-'.join(map(str, c['layer_dims']))}, Adam lr {c['learning_rate']:g}, batch {c['batch_size']}, "
        f"no L2, float64; {c['splits']} stratified 80/20 splits of load_digits, {c['epochs']} epochs; "
        f"OPENBLAS_NUM_THREADS={c['openblas_num_threads']}, {c['cpu_count']} CPUs; medians over splits\n"
    )
    header = f"{'trainer':<10} {'epoch (ms)':>10} {'time to ' + target + ' (s)':>17} {'epochs to ' + target:>13} " \
             f"{'reached':>8} {'acc @' + str(c['epochs']):>8} {'min acc':>8}"  # fmt: skip
    print(header)
    print("-" * len(header))
    for name, s in res.items():
        t = "never" if not np.isfinite(s["time_to_target_s"]) else f"{s['time_to_target_s']:.3f}"
        e = "never" if not np.isfinite(s["epochs_to_target"]) else f"{s['epochs_to_target']:g}"
        print(
            f"{name:<10} {s['epoch_ms']:>10.2f} {t:>17} {e:>13} {s['reached_target']:>5}/{c['splits']:<2} "
            f"{s['final_accuracy']:>8.4f} {s['final_accuracy_min']:>8.4f}"
        )
    print()
    print(f"time to {target}, sklearn / reference : {r['sklearn_over_reference_time_to_target']:.2f}x  (goal >= 3)")
    print(f"epoch,         sklearn / reference : {r['sklearn_over_reference_epoch']:.2f}x")
    print(f"epoch,       reference / minimal   : {r['reference_over_minimal_epoch']:.2f}x  (goal <= 1.3)")
    print(f"\nwall time of the timed runs: {report['wall_time_s']:.1f} s")


def _finite(obj):
    """inf (target never reached) becomes null, so the output is valid JSON."""
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


if __name__ == "__main__":
    report = main(ARGS)
    if ARGS.json:
        print(json.dumps(_finite(report), indent=2, allow_nan=False))
    else:
        print_table(report)
