"""Python side of `npm run bench:check` (bench/check.ts drives it; see bench/README.md, "Check benchmark").

  check URL MODEL OUT --window-rows N [--runs R]
      What a Python user writes for the same drift check: the newest window of rows as the monitor picks it
      (the model's monitoring.windowRows, given as N), read with psycopg 3 as a binary COPY of numeric_values parsed by numpy in one
      pass (a structured dtype over the whole stream: the fastest way we know, faster than psycopg's own row
      loaders), the champion's sorted reference values from reference_values, then per feature
      scipy.stats.ks_2samp (method='auto') and the numpy PSI of bench/drift_peers.py (driftwatch's default
      quantile binning). Each run connects, reads and computes; imports are done before the first.

Writes a JSON file: seconds and CPU seconds per run (time.perf_counter, time.process_time), p-values and PSI per feature, the verdict, peak RSS.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import psycopg
import scipy
from scipy import stats

sys.path.insert(0, str(Path(__file__).parent))
from drift_peers import peak_rss_bytes, psi_numpy  # noqa: E402

ALPHA = 0.05
COPY_HEADER_BYTES = 19  # signature, flags, header-extension length (PostgreSQL writes no extension)
COPY_TRAILER_BYTES = 2


def window_of(cur, model, rows):
    """The monitor's row window: the newest `rows` rows up to the newest row ID (src/store/feature-store.ts, latestWindow)."""
    cur.execute("SELECT max(event_time), max(id) FROM feature_rows WHERE model_name = %s", (model,))
    end, as_of = cur.fetchone()
    cur.execute(
        "SELECT event_time FROM feature_rows WHERE model_name = %s AND id <= %s AND event_time <= %s"
        " ORDER BY event_time DESC, id DESC OFFSET %s LIMIT 1",
        (model, as_of, end, rows),
    )
    first = cur.fetchone()
    return (first[0] if first else None), end, as_of


def read_columns(cur, model, start, end, as_of, features):
    """numeric_values of the window as one float64 column per feature; every value must be present."""
    element = [("length", ">i4"), ("value", ">f8")]
    row = np.dtype([("fields", ">i2"), ("bytes", ">i4"), ("ndim", ">i4"), ("has_null", ">i4"), ("oid", ">i4"),
                    ("count", ">i4"), ("lower", ">i4"), ("values", element, (features,))])
    start_clause = "AND event_time > %s" if start is not None else ""
    params = (model, *((start,) if start is not None else ()), end, as_of)
    data = bytearray()
    with cur.copy(
        f"COPY (SELECT numeric_values FROM feature_rows WHERE model_name = %s {start_clause}"
        f" AND event_time <= %s AND id <= %s) TO STDOUT (FORMAT binary)",
        params,
    ) as copy:
        for block in copy:
            data += block
    body = memoryview(data)[COPY_HEADER_BYTES:len(data) - COPY_TRAILER_BYTES]
    if len(body) % row.itemsize != 0:
        raise ValueError("rows of another shape than numeric_values of %d present values" % features)
    rows = np.frombuffer(body, dtype=row)
    if not ((rows["fields"] == 1).all() and (rows["count"] == features).all() and (rows["values"]["length"] == 8).all()):
        raise ValueError("a row with a missing value or another layout: this peer reads complete rows only")
    values = rows["values"]["value"]
    return [np.ascontiguousarray(values[:, k], dtype="<f8") for k in range(features)]


def check(url, model, window_rows):
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT DISTINCT numeric_features FROM ingest_batches WHERE model_name = %s", (model,))
        layouts = cur.fetchall()
        if len(layouts) != 1:
            raise ValueError("this peer reads models whose batches share one layout")
        names = layouts[0][0]
        cur.execute("SELECT version FROM model_versions WHERE model_name = %s AND status = 'champion'", (model,))
        version = cur.fetchone()[0]
        cur.execute("SELECT feature, sorted_values FROM reference_values WHERE model_name = %s AND version = %s", (model, version))
        reference = {feature: np.frombuffer(values, dtype="<f8") for feature, values in cur.fetchall()}
        start, end, as_of = window_of(cur, model, window_rows)
        columns = read_columns(cur, model, start, end, as_of, len(names))
    pvalues, psis = [], []
    for name, current in zip(names, columns):
        pvalues.append(float(stats.ks_2samp(reference[name], current).pvalue))
        psis.append(psi_numpy(reference[name], current))
    drifted = sum(p < ALPHA for p in pvalues)
    return pvalues, psis, f"{drifted} of {len(names)} features at p < {ALPHA} (no effect-size floor)"


def run_check(args):
    baseline = peak_rss_bytes()
    seconds, cpu_seconds = [], []
    for _ in range(args.runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        pvalues, psis, verdict = check(args.url, args.model, args.window_rows)
        seconds.append(time.perf_counter() - started)
        cpu_seconds.append(time.process_time() - cpu_started)
    Path(args.out).write_text(json.dumps({
        "seconds": seconds,
        "cpuSeconds": cpu_seconds,
        "peakRssBytes": peak_rss_bytes(),
        "baselineRssBytes": baseline,
        "verdict": verdict,
        "pValues": pvalues,
        "psi": psis,
        "versions": {"psycopg": psycopg.__version__, "numpy": np.__version__, "scipy": scipy.__version__},
    }))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    ch = sub.add_parser("check")
    ch.add_argument("url")
    ch.add_argument("model")
    ch.add_argument("out")
    ch.add_argument("--window-rows", type=int, required=True)
    ch.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    {"check": run_check}[args.command](args)


if __name__ == "__main__":
    main()
