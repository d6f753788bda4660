"""Python side of `npm run bench:train` (bench/train.ts drives it; see bench/README.md).

  torch DIR --model NAME --threads N
      Trains the MLP of driftwatch's trainModel (src/training/model.ts) in PyTorch on CPU, on DIR/x.f32 and
      DIR/y.f32: the matrix trainModel's own preprocessing makes of the benchmark's rows (bench/train.ts
      writes both). The network's hyperparameters (meta.json's hyperparameters[NAME]), the seed and the
      repeats come from DIR/meta.json. Prints one line of JSON:
      samples per second of each run (epoch 1 is the untimed warm-up), epoch times and losses, the
      training accuracy of the last run's model, and the peak RSS.

The model mirrors TensorFlow.js's layers as trainModel builds them:
  - hidden Dense + relu, kernel He normal (tfjs: normal truncated at 2 sd, sd = sqrt(2 / fan_in)), bias 0,
    each followed by Dropout; output Dense + sigmoid, kernel Glorot uniform, bias 0;
  - loss: mean binary cross-entropy on the sigmoid output, plus l2 * sum(kernel ** 2) over every kernel
    (tfjs's L2 regulariser, biases exempt), which tfjs also adds to the loss it reports;
  - Adam with tfjs's defaults: betas (0.9, 0.999), epsilon 1e-7 (the float32 backend epsilon);
  - rows shuffled once with the seed, then the same batch order every epoch (as trainModel does); the last
    batch is smaller when the rows do not divide evenly.
The epoch loss is the batch-size-weighted mean of the batch losses, as tfjs logs it.

Only torch and numpy (scripts/python-peers.txt) from .tools/py are used; never a runtime dependency.
"""

import argparse
import json
import math
import resource
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn


def build_model(width, hp):
    layers = []
    fan_in = width
    for _ in range(hp["hiddenLayers"]):
        dense = nn.Linear(fan_in, hp["hiddenUnits"])
        std = math.sqrt(2.0 / fan_in)
        nn.init.trunc_normal_(dense.weight, mean=0.0, std=std, a=-2 * std, b=2 * std)
        nn.init.zeros_(dense.bias)
        layers += [dense, nn.ReLU()]
        if hp["dropout"] > 0:
            layers.append(nn.Dropout(hp["dropout"]))
        fan_in = hp["hiddenUnits"]
    output = nn.Linear(fan_in, 1)
    nn.init.xavier_uniform_(output.weight)
    nn.init.zeros_(output.bias)
    layers += [output, nn.Sigmoid()]
    return nn.Sequential(*layers)


def train_once(x, y, hp, seed):
    torch.manual_seed(seed)
    model = build_model(x.shape[1], hp)
    kernels = [module.weight for module in model if isinstance(module, nn.Linear)]
    optimizer = torch.optim.Adam(model.parameters(), lr=hp["learningRate"], betas=(0.9, 0.999), eps=1e-7)
    loss_fn = nn.BCELoss()
    rows, batch = x.shape[0], hp["batchSize"]
    model.train()
    started = time.perf_counter()
    epoch_ends, epoch_end_cpu, losses = [], [], []
    for _ in range(hp["epochs"]):
        total = torch.zeros(())
        for start in range(0, rows, batch):
            xb, yb = x[start : start + batch], y[start : start + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            if hp["l2"] > 0:
                loss = loss + hp["l2"] * sum(kernel.square().sum() for kernel in kernels)
            loss.backward()
            optimizer.step()
            total += loss.detach() * xb.shape[0]
        losses.append(total.item() / rows)
        epoch_end_cpu.append(time.process_time())
        epoch_ends.append(time.perf_counter())
    timed = epoch_ends[-1] - epoch_ends[0]
    starts = [started] + epoch_ends[:-1]
    run = {
        "samplesPerSecond": rows * (len(epoch_ends) - 1) / timed,
        "timedSeconds": timed,
        "timedCpuSeconds": epoch_end_cpu[-1] - epoch_end_cpu[0],
        "wallSeconds": epoch_ends[-1] - started,
        "epochSeconds": [end - start for start, end in zip(starts, epoch_ends)],
        "losses": losses,
    }
    return run, model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["torch"])
    parser.add_argument("dir")
    parser.add_argument("--model", required=True, help="a key of meta.json's hyperparameters")
    parser.add_argument("--threads", type=int, required=True)
    args = parser.parse_args()
    directory = Path(args.dir)
    meta = json.loads((directory / "meta.json").read_text())
    rows, width, hp = meta["rows"], meta["width"], meta["hyperparameters"][args.model]
    if hp["epochs"] < 2:
        raise SystemExit("need at least 2 epochs: epoch 1 is the warm-up")
    torch.set_num_threads(args.threads)
    x_all = np.fromfile(directory / "x.f32", dtype="<f4").reshape(rows, width)
    y_all = np.fromfile(directory / "y.f32", dtype="<f4").reshape(rows, 1)
    order = np.random.default_rng(meta["seed"]).permutation(rows)
    x = torch.from_numpy(np.ascontiguousarray(x_all[order]))
    y = torch.from_numpy(np.ascontiguousarray(y_all[order]))

    runs, model = [], None
    for _ in range(meta["repeats"]):
        run, model = train_once(x, y, hp, meta["seed"])
        runs.append(run)
    model.eval()
    with torch.no_grad():
        accuracy = ((model(x) >= 0.5).float() == y).float().mean().item()
    threads = torch.get_num_threads()
    print(
        json.dumps(
            {
                "threads": f"{threads}, {torch.backends.cpu.get_cpu_capability()}",
                "versions": {"torch": torch.__version__, "numpy": np.__version__},
                "runs": runs,
                "trainAccuracy": accuracy,
                "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,  # Linux: KiB
            }
        )
    )


if __name__ == "__main__":
    main()
