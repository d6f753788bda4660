"""Python side of `npm run bench:tuning` (bench/tuning.ts drives it).

  tpe OUT --seeds N --evals E
      Runs Optuna's TPESampler (default settings, seed = 0 .. N-1, so n_startup_trials = 10 random
      trials first) on Branin and Hartmann-6 for E evaluations each and writes OUT, a JSON object
      {problem: [[best value after 1, 2, ..., E evaluations] for each seed]}.

Only optuna (scripts/python-peers.txt) from .tools/py is used; never a runtime dependency of driftwatch.
The problem definitions mirror bench/tuning.ts exactly.
"""

import argparse
import json
import math

import optuna

HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2]
HARTMANN_A = [
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
]
HARTMANN_P = [
    [1312, 1696, 5569, 124, 8283, 5886],
    [2329, 4135, 8307, 3736, 1004, 9991],
    [2348, 1451, 3522, 2883, 3047, 6650],
    [4047, 8828, 8732, 5743, 1091, 381],
]


def branin(trial):
    x1 = trial.suggest_float("x1", -5, 10)
    x2 = trial.suggest_float("x2", 0, 15)
    b = 5.1 / (4 * math.pi**2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def hartmann6(trial):
    x = [trial.suggest_float(f"x{i}", 0, 1) for i in range(1, 7)]
    total = 0.0
    for i in range(4):
        inner = sum(HARTMANN_A[i][j] * (x[j] - HARTMANN_P[i][j] * 1e-4) ** 2 for j in range(6))
        total -= HARTMANN_ALPHA[i] * math.exp(-inner)
    return total


PROBLEMS = {"branin": branin, "hartmann6": hartmann6}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["tpe"])
    parser.add_argument("out")
    parser.add_argument("--seeds", type=int, required=True)
    parser.add_argument("--evals", type=int, required=True)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    result = {}
    for name, objective in PROBLEMS.items():
        traces = []
        for seed in range(args.seeds):
            study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
            study.optimize(objective, n_trials=args.evals)
            best, trace = math.inf, []
            for trial in study.trials:
                best = min(best, trial.value)
                trace.append(best)
            traces.append(trace)
        result[name] = traces
    with open(args.out, "w") as out:
        json.dump({"optuna": optuna.__version__, "traces": result}, out)


if __name__ == "__main__":
    main()
