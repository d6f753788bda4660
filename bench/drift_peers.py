"""Python side of `npm run bench:drift` (bench/drift.ts drives it; see bench/README.md).

Subcommands, each run in its own process so that its peak memory is its own:

  generate DIR --ref N --cur M --features F [--seed S]
      Writes the scenario's data once: DIR/ref.f64 and DIR/cur.f64 hold F columns of N (resp. M)
      little-endian float64 values, column after column, and DIR/meta.json describes each feature.
      Both driftwatch and the peers read these files, so every side sees identical data.
  scipy DIR OUT [--repeats R]
      Peer 1, "scipy loop": per feature scipy.stats.ks_2samp(ref, cur) (method='auto') and a numpy PSI.
  evidently DIR OUT
      Peer 2: Evidently 0.7 Report with DataDriftPreset(num_method='ks') plus ValueDrift(method='psi')
      per column, i.e. KS and PSI per feature, as driftwatch computes them.

Each measuring subcommand writes a JSON file: wall-clock seconds of the timed part (time.perf_counter),
per-feature results, and the process's peak RSS (resource.getrusage; Linux reports KiB).
Only numpy, scipy, pandas and evidently from .tools/py are used; never a runtime dependency of driftwatch.
"""

import argparse
import json
import os
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np

GENERATOR_VERSION = 1

# Feature families, in turn: continuous without ties, heavy right tail, bounded, and two kinds of ties.
DISTRIBUTIONS = ("normal", "lognormal", "uniform", "poisson", "rounded_normal")
# Shifts of the drifted features, in units of the feature's spread: from barely detectable to obvious.
SHIFTS = (0.01, 0.03, 0.1)
PSI_SMOOTHING = 1e-4  # driftwatch's DEFAULT_PSI_SMOOTHING
PSI_BINS = 10  # driftwatch's default binning: {strategy: "quantile", bins: 10}
SCIPY_MAX_AUTO_N = 10000  # ks_2samp(method='auto') is exact up to this sample size, asymptotic above


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def blas_info():
    try:
        from threadpoolctl import threadpool_info

        return [
            {k: info.get(k) for k in ("internal_api", "architecture", "num_threads", "version")}
            for info in threadpool_info()
        ]
    except Exception as error:  # threadpoolctl is optional; the kernel is informative only
        return [{"error": repr(error)}]


def draw(rng, dist, size, shift):
    """`shift` = 0 is the reference distribution; the current data of drifted features uses shift > 0."""
    if dist == "normal":
        return rng.normal(shift, 1.0, size)
    if dist == "lognormal":
        return rng.lognormal(shift, 1.0, size)  # shift of the log-mean
    if dist == "uniform":
        return rng.uniform(0.0, 1.0 + shift * 3.5, size)  # widened by shift spreads (sd of U(0,1) ~ 0.29)
    if dist == "poisson":
        return rng.poisson(4.0 * (1.0 + shift), size).astype(np.float64)  # few distinct values: heavy ties
    if dist == "rounded_normal":
        return np.round(rng.normal(10.0 + shift, 1.0, size), 1)  # one decimal: many ties
    raise ValueError(dist)


def generate(args):
    out = Path(args.dir)
    meta_path = out / "meta.json"
    wanted = {
        "generatorVersion": GENERATOR_VERSION,
        "seed": args.seed,
        "nRef": args.ref,
        "nCur": args.cur,
        "nFeatures": args.features,
    }
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if all(meta.get(k) == v for k, v in wanted.items()) and (out / "ref.f64").exists() and (out / "cur.f64").exists():
            print(f"[peers] reusing {out}", file=sys.stderr)
            return
    out.mkdir(parents=True, exist_ok=True)
    features = []
    started = time.perf_counter()
    with open(out / "ref.f64.tmp", "wb") as ref_file, open(out / "cur.f64.tmp", "wb") as cur_file:
        for i in range(args.features):
            dist = DISTRIBUTIONS[i % len(DISTRIBUTIONS)]
            drifted = i % 3 == 2  # a third of the features
            shift = SHIFTS[(i // 3) % len(SHIFTS)] if drifted else 0.0
            # One stream per feature, so a feature's data does not depend on how many features there are.
            rng = np.random.default_rng([args.seed, i])
            draw(rng, dist, args.ref, 0.0).astype("<f8").tofile(ref_file)
            draw(rng, dist, args.cur, shift).astype("<f8").tofile(cur_file)
            features.append({"name": f"f{i:02d}_{dist}", "distribution": dist, "drifted": drifted, "shift": shift})
    os.replace(out / "ref.f64.tmp", out / "ref.f64")
    os.replace(out / "cur.f64.tmp", out / "cur.f64")
    meta_path.write_text(json.dumps({**wanted, "features": features}, indent=1))
    print(f"[peers] generated {out} in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def load(directory):
    directory = Path(directory)
    meta = json.loads((directory / "meta.json").read_text())
    f = meta["nFeatures"]
    ref = np.fromfile(directory / "ref.f64", dtype="<f8").reshape(f, meta["nRef"])
    cur = np.fromfile(directory / "cur.f64", dtype="<f8").reshape(f, meta["nCur"])
    return meta, ref, cur


def psi_numpy(ref, cur, eps=PSI_SMOOTHING):
    """PSI in numpy with driftwatch's default binning (src/drift/binning.ts, strategy 'quantile'), so that the
    two can be compared value for value: interior edges at the reference order statistics sorted[floor(n*k/10)]
    (found with np.partition, no full sort), deduplicated and kept only above the reference minimum; in-range
    bins [min, e1), ..., [ek, max]; one bin below the reference minimum and one above its maximum; empty bins
    get `eps`, then each side is renormalised."""
    n = ref.size
    ranks = np.concatenate(([0], (n * np.arange(1, PSI_BINS)) // PSI_BINS, [n - 1]))
    order_statistics = np.partition(ref, ranks)[ranks]
    lower, upper = order_statistics[0], order_statistics[-1]
    interior = np.unique(order_statistics[1:-1])
    interior = interior[interior > lower]
    # np.histogram closes only its last bin on the right: the bin after `upper` starts just above it.
    bins = np.concatenate(([-np.inf, lower], interior, [np.nextafter(upper, np.inf), np.inf]))
    r = np.histogram(ref, bins)[0] / n
    c = np.histogram(cur, bins)[0] / cur.size
    r = np.where(r == 0, eps, r)
    c = np.where(c == 0, eps, c)
    r /= r.sum()
    c /= c.sum()
    return float(np.sum((c - r) * np.log(c / r)))


def scipy_loop(ref, cur):
    from scipy import stats

    pvalues, statistics, psis = [], [], []
    ks_seconds = psi_seconds = 0.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        started = time.perf_counter()
        for i in range(ref.shape[0]):
            t0 = time.perf_counter()
            result = stats.ks_2samp(ref[i], cur[i])  # method='auto', alternative='two-sided'
            t1 = time.perf_counter()
            psi = psi_numpy(ref[i], cur[i])
            t2 = time.perf_counter()
            ks_seconds += t1 - t0
            psi_seconds += t2 - t1
            pvalues.append(float(result.pvalue))
            statistics.append(float(result.statistic))
            psis.append(psi)
        seconds = time.perf_counter() - started
    fallbacks = sum("Exact calculation unsuccessful" in str(w.message) for w in caught)
    return seconds, ks_seconds, psi_seconds, pvalues, statistics, psis, fallbacks


def run_scipy(args):
    import scipy

    meta, ref, cur = load(args.dir)
    # Warm-up on a slice: imports, first-call dispatch and page faults are not what is measured.
    scipy_loop(ref[:1, :1000], cur[:1, :1000])
    runs = [scipy_loop(ref, cur) for _ in range(args.repeats)]
    best = min(runs, key=lambda run: run[0])
    seconds, ks_seconds, psi_seconds, pvalues, statistics, psis, fallbacks = best
    auto_method = "exact" if max(meta["nRef"], meta["nCur"]) <= SCIPY_MAX_AUTO_N else "asymp"
    method = auto_method if fallbacks == 0 else f"{auto_method} ({fallbacks} fell back to asymp)"
    write(args.out, {
        "peer": "scipy",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__},
        "seconds": seconds,
        "allSeconds": [run[0] for run in runs],
        "phases": {"ks_2samp": ks_seconds, "psi": psi_seconds},
        "ksMethod": f"ks_2samp method='auto' -> {method}",
        "pValues": pvalues,
        "statistics": statistics,
        "psi": psis,
        "peakRssBytes": peak_rss_bytes(),
        "blas": blas_info(),
    })


def run_evidently(args):
    import pandas as pd
    import evidently
    from evidently import DataDefinition, Dataset, Report
    from evidently.metrics import ValueDrift
    from evidently.presets import DataDriftPreset

    meta, ref, cur = load(args.dir)
    names = [feature["name"] for feature in meta["features"]]
    # DataFrames are built outside the timing (as if read from a file); Evidently's own handling is timed.
    ref_df = pd.DataFrame({name: ref[i] for i, name in enumerate(names)})
    cur_df = pd.DataFrame({name: cur[i] for i, name in enumerate(names)})
    del ref, cur

    def report_for(columns):
        # The preset runs KS on every numeric column; PSI needs one more ValueDrift per column.
        return Report([DataDriftPreset(num_method="ks")] + [ValueDrift(column=c, method="psi") for c in columns])

    def run(reference, current):
        # Without an explicit definition Evidently would take low-cardinality numeric columns (poisson) as categorical.
        definition = DataDefinition(numerical_columns=list(reference.columns))
        report = report_for(list(reference.columns))
        snapshot = report.run(
            Dataset.from_pandas(current, data_definition=definition),
            Dataset.from_pandas(reference, data_definition=definition),
        )
        return snapshot

    # Warm-up on a small slice: imports and registries are set up once per process.
    run(ref_df.iloc[:2000, :2], cur_df.iloc[:2000, :2])
    started = time.perf_counter()
    snapshot = run(ref_df, cur_df)
    seconds = time.perf_counter() - started

    pvalues, psis = extract_evidently(snapshot, names)
    write(args.out, {
        "peer": "evidently",
        "versions": {"evidently": evidently.__version__, "pandas": pd.__version__},
        "seconds": seconds,
        "ksMethod": "DataDriftPreset(num_method='ks') -> scipy ks_2samp method='auto'",
        "pValues": pvalues,
        "psi": psis,
        "peakRssBytes": peak_rss_bytes(),
        "blas": blas_info(),
    })


def extract_evidently(snapshot, names):
    """KS p-values and PSI per feature from the snapshot's ValueDrift results."""
    pvalues = {name: None for name in names}
    psis = {name: None for name in names}
    for metric in snapshot.dict()["metrics"]:
        config = metric.get("config", {})
        column, method = config.get("column"), config.get("method")
        if column in pvalues and config.get("type", "").endswith("ValueDrift"):
            value = metric["value"]
            value = float(value) if not isinstance(value, dict) else float(value.get("value"))
            if method == "ks":
                pvalues[column] = value
            elif method == "psi":
                psis[column] = value
    return [pvalues[name] for name in names], [psis[name] for name in names]


def write(path, result):
    Path(path).write_text(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("dir")
    gen.add_argument("--ref", type=int, required=True)
    gen.add_argument("--cur", type=int, required=True)
    gen.add_argument("--features", type=int, required=True)
    gen.add_argument("--seed", type=int, default=20240611)
    sp = sub.add_parser("scipy")
    sp.add_argument("dir")
    sp.add_argument("out")
    sp.add_argument("--repeats", type=int, default=1)
    ev = sub.add_parser("evidently")
    ev.add_argument("dir")
    ev.add_argument("out")
    args = parser.parse_args()
    {"generate": generate, "scipy": run_scipy, "evidently": run_evidently}[args.command](args)


if __name__ == "__main__":
    main()
