#!/usr/bin/env python3
"""SparseConvNet's single-thread CPU time on a bench event, on this machine.

The same measurement as the records in shared/bench-events/scn-timings.jsonl, so that `npm run bench
-- --scn` can compare us with SparseConvNet side by side on one machine instead of with times recorded
on another: the whole forward pass as in those records (InputLayer mode 3 with the rulebooks built
-> SubmanifoldConvolution(1 -> m) -> scn.UNet(reps 2, planes m..5m, residual blocks, downsample
[2, 2]) -> BatchNormReLU -> OutputLayer -> Linear(m, 5)), eval mode, torch.no_grad, one thread,
1 warm-up then N timed runs, median. Weights follow the records' initialisation (He-normal convs, BN
weights U(0.5, 1.5)); their values do not change the time.

With --train (the batch event 2d-512-train-batch8): the recorded training step instead, in train
mode: zero_grad, forward on coords with the batch index as last column, CrossEntropyLoss against the
event's labels, backward, Adam(lr 1e-3) step; 2 warm-up then N timed iterations, median.

Needs SparseConvNet's CPU build importable (bench/scn/README.md says how).
Usage: time_scn.py EVENT_DIR FILTERS [RUNS] [--train]; prints one JSON line.
"""
import os

# One thread everywhere, before torch loads OpenMP and OpenBLAS.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import json
import resource
import statistics
import struct
import sys
import time

import numpy as np
import torch
import sparseconvnet as scn

torch.set_num_threads(1)

DTYPES = {"F32": np.float32, "I32": np.int32, "I64": np.int64}


def read_safetensors(path):
    """The tensors of a safetensors file as numpy arrays (the format is an 8-byte header length, a
    JSON header, then the raw little-endian data)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    body = data[8 + n :]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(body[a:b], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
    return out


class UResNet(torch.nn.Module):
    def __init__(self, dim, spatial_size, m, levels=5, classes=5):
        super().__init__()
        planes = [m * (i + 1) for i in range(levels)]
        self.sparseModel = scn.Sequential(
            scn.InputLayer(dim, torch.LongTensor(spatial_size), mode=3),
            scn.SubmanifoldConvolution(dim, 1, m, 3, False),
            scn.UNet(dim, 2, planes, residual_blocks=True, downsample=[2, 2]),
            scn.BatchNormReLU(m),
            scn.OutputLayer(dim),
        )
        self.linear = torch.nn.Linear(m, classes)

    def forward(self, x):
        return self.linear(self.sparseModel(x))


def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("weight") and p.dim() >= 3:  # sparse convolutions [K, (groups,) cin, cout]
                fan_in = p.shape[0] * p.shape[-2]
                p.copy_(torch.randn(p.shape, generator=g) * (2.0 / fan_in) ** 0.5)
            elif "linear" in name:
                bound = 1.0 / model.linear.in_features ** 0.5
                p.copy_((torch.rand(p.shape, generator=g) * 2 - 1) * bound)
            elif name.endswith("weight"):  # batch-norm scale
                p.copy_(torch.rand(p.shape, generator=g) + 0.5)
            else:
                p.copy_(torch.randn(p.shape, generator=g) * 0.2)
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(torch.randn(b.shape, generator=g) * 0.2)
            elif name.endswith("running_var"):
                b.copy_(torch.rand(b.shape, generator=g) * 1.5 + 0.5)


def time_inference(model, coords, features, runs):
    model.eval()
    times = []
    with torch.no_grad():
        model([coords, features])  # warm-up
        for _ in range(runs):
            t0 = time.perf_counter()
            model([coords, features])
            times.append(time.perf_counter() - t0)
    return times


def time_training_step(model, coords, features, labels, runs):
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    for it in range(2 + runs):
        t0 = time.perf_counter()
        opt.zero_grad()
        loss_fn(model([coords, features]), labels).backward()
        opt.step()
        if it >= 2:
            times.append(time.perf_counter() - t0)
    return times


def main():
    args = [a for a in sys.argv[1:] if a != "--train"]
    train = "--train" in sys.argv
    if len(args) < 2:
        sys.exit("usage: time_scn.py EVENT_DIR FILTERS [RUNS] [--train]")
    event_dir, m = args[0], int(args[1])
    runs = int(args[2]) if len(args) > 2 else 5
    manifest = json.load(open(os.path.join(event_dir, "manifest.json")))
    tensors = read_safetensors(os.path.join(event_dir, "event.safetensors"))
    coords = torch.from_numpy(tensors["coords"].astype(np.int64))
    features = torch.from_numpy(tensors["features"].astype(np.float32))
    dim = coords.shape[1]
    model = UResNet(dim, manifest["spatialSize"], m)
    randomize(model, 1234)
    if train:
        # SparseConvNet takes the batch index as the last coordinate column.
        coords = torch.cat([coords, torch.from_numpy(tensors["batch"].astype(np.int64))[:, None]], 1)
        times = time_training_step(model, coords, features, torch.from_numpy(tensors["labels"].astype(np.int64)), runs)
    else:
        times = time_inference(model, coords, features, runs)
    print(json.dumps({
        "event": manifest["name"], "m": m, "mode": "train-step" if train else "inference", "threads": 1,
        "median_s": statistics.median(times), "runs_s": times,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "software": f"SparseConvNet CPU build, torch {torch.__version__}",
    }))


if __name__ == "__main__":
    main()
