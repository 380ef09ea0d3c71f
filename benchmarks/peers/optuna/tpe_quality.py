"""Search quality of Optuna's TPESampler (this version's defaults) and RandomSampler on Branin
(2-D, minimum 0.397887) and Hartmann6 (6-D, minimum -3.32237), minimising: for each seed, --trials
trials (100) one after the other; the best value after 25, 50 and all trials, median and
interquartile range over --seeds seeds (10, seeds 0..9), as the Markdown table of Prism's
dev.prism.benchmarks.tune.SearchQuality (benchmarks/run search).

    benchmarks/peers/optuna/.venv/bin/python benchmarks/peers/optuna/tpe_quality.py [--trials N] [--seeds N]
"""

import argparse
import inspect
import math
import time

import numpy as np
import optuna

HARTMANN_A = np.array(
    [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
)
HARTMANN_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
HARTMANN_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def branin(trial):
    x1 = trial.suggest_float("x1", -5, 10)
    x2 = trial.suggest_float("x2", 0, 15)
    b = 5.1 / (4 * math.pi**2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def hartmann6(trial):
    x = np.array([trial.suggest_float(f"x{j}", 0, 1) for j in range(6)])
    inner = (HARTMANN_A * (x - HARTMANN_P) ** 2).sum(axis=1)
    return float(-(HARTMANN_ALPHA * np.exp(-inner)).sum())


def cell(values):
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    return f"{med:.4f} ({q1:.4f}–{q3:.4f})"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    default_mv = inspect.signature(optuna.samplers.TPESampler.__init__).parameters["multivariate"].default
    print(
        f"Optuna {optuna.__version__}: TPESampler(seed=seed) with this version's defaults"
        f" (multivariate={default_mv!r} in the signature; None means multivariate for one objective);"
        " RandomSampler(seed=seed)"
    )
    print()
    print(f"Best value found (minimising), median (IQR) over {args.seeds} seeds (0..{args.seeds - 1}), {args.trials} trials")
    print()
    print(f"| function | searcher | after 25 | after 50 | after {args.trials} | s / run |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    samplers = [
        ("Optuna TPE", lambda s: optuna.samplers.TPESampler(seed=s)),
        ("Optuna random", lambda s: optuna.samplers.RandomSampler(seed=s)),
    ]
    checkpoints = [25, 50, args.trials]
    for name, optimum, fn in [("Branin", 0.397887, branin), ("Hartmann6", -3.32237, hartmann6)]:
        for label, make in samplers:
            at = [[] for _ in checkpoints]
            t0 = time.perf_counter()
            for seed in range(args.seeds):
                study = optuna.create_study(direction="minimize", sampler=make(seed))
                study.optimize(fn, n_trials=args.trials)
                best = np.minimum.accumulate([t.value for t in study.trials])
                for i, c in enumerate(checkpoints):
                    at[i].append(best[min(c, args.trials) - 1])
            per_run = (time.perf_counter() - t0) / args.seeds
            print(f"| {name} (min {optimum}) | {label} | {cell(at[0])} | {cell(at[1])} | {cell(at[2])} | {per_run:.3f} |")
    print()
    print(f"({checkpoints} trials; IQR = 25th–75th percentile)")


if __name__ == "__main__":
    main()
