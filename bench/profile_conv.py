"""Where the time of dlcore's convolutional networks goes: per-layer times and conv vs PyTorch.

Usage (from the repository root)::

    python bench/profile_conv.py                    # both networks of bench.py, 1 thread
    python bench/profile_conv.py --threads 2 --workloads resnet

1. Per layer type: total forward and backward milliseconds per training step of the ``cnn`` and
   ``resnet`` workloads of ``bench/bench.py`` (same models, data, loss and Adam).
2. Per convolution shape of the small ResNet: minimum forward and backward times of one dlcore
   ``Conv2d`` against PyTorch's forward+backward (skipped without PyTorch).

Timings on a shared machine are noisy: compare the numbers of one run with each other only.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (bench/bench.py: the models, data and loss)


def per_layer(workload, steps):
    """Milliseconds per step spent in each layer type's forward/backward, and the total."""
    from dlcore import layers, optim

    spent = collections.defaultdict(float)
    patched = []

    def wrap(cls, name):
        original = getattr(cls, name)

        def timed(self, *args):
            t = time.perf_counter()
            result = original(self, *args)
            spent[f"{cls.__name__}.{name}"] += time.perf_counter() - t
            return result

        setattr(cls, name, timed)
        patched.append((cls, name, original))

    classes = [layers.Conv2d, layers.BatchNorm2d, layers.ReLU, layers.MaxPool2d, layers.Flatten,
               layers.Linear, layers.GlobalAvgPool2d, layers.ResidualBlock]
    for cls in classes:
        wrap(cls, "forward")
        wrap(cls, "backward")
    wrap(optim.Adam, "step")
    try:
        model, loss, opt = bench.build_dlcore(workload)[:3]
        batches = bench.make_batches(workload)

        def step(xb, yb):
            opt.zero_grad()
            loss.forward(model.forward(xb), yb)
            model.backward(loss.backward())
            opt.step()

        for xb, yb in batches[:2]:
            step(xb, yb)
        spent.clear()
        t = time.perf_counter()
        for i in range(steps):
            step(*batches[i % len(batches)])
        total = (time.perf_counter() - t) / steps
    finally:
        for cls, name, original in patched:
            setattr(cls, name, original)
    return total, {k: v / steps for k, v in spent.items()}


def best_time(f, reps=7):
    f()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


RESNET_CONVS = [  # (C_in, C_out, H, kernel, stride, padding, how many in the network)
    (16, 16, 28, 3, 1, 1, 4), (16, 32, 28, 3, 2, 1, 1), (16, 32, 28, 1, 2, 0, 1),
    (32, 32, 14, 3, 1, 1, 3), (32, 64, 14, 3, 2, 1, 1), (32, 64, 14, 1, 2, 0, 1),
    (64, 64, 7, 3, 1, 1, 3)]


def conv_shapes():
    from dlcore.layers import Conv2d
    try:
        import torch
    except ImportError:
        torch = None
    rows = []
    for c_in, c_out, h, k, s, p, count in RESNET_CONVS:
        rng = np.random.default_rng(0)
        layer = Conv2d(c_in, c_out, k, s, p, bias=False, dtype=np.float32, seed=0)
        x = rng.random((bench.BATCH, c_in, h, h), dtype=np.float32)
        g = rng.random(layer(x).shape, dtype=np.float32)
        fwd = best_time(lambda layer=layer, x=x: layer(x))
        bwd = best_time(lambda layer=layer, g=g: layer.backward(g))
        ref = None
        if torch is not None:
            conv = torch.nn.Conv2d(c_in, c_out, k, s, p, bias=False)
            xt, gt = torch.from_numpy(x).requires_grad_(True), torch.from_numpy(g)
            ref = best_time(lambda conv=conv, xt=xt, gt=gt: conv(xt).backward(gt))
        rows.append((f"{c_in}->{c_out} {h}x{h} k{k} s{s}", count, fwd, bwd, ref))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workloads", default="cnn,resnet")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=5)
    args = ap.parse_args(argv)
    from threadpoolctl import threadpool_limits
    try:
        import torch
        torch.set_num_threads(args.threads)
    except ImportError:
        pass
    import dlcore.parallel

    dlcore.parallel.set_num_threads(args.threads)   # its workers: one BLAS thread each
    with threadpool_limits(1):
        for workload in args.workloads.split(","):
            total, spent = per_layer(workload, args.steps)
            print(f"{workload}: {1000 * total:.1f} ms per step ({args.threads} thread(s))")
            for name, sec in sorted(spent.items(), key=lambda kv: -kv[1]):
                print(f"  {name:26s} {1000 * sec:8.2f} ms")
        if "resnet" in args.workloads:
            print("ResNet convolutions, best of 7 (ms): dlcore forward, backward | torch both")
            for name, count, fwd, bwd, ref in conv_shapes():
                torch_ms = "-" if ref is None else f"{1000 * ref:.1f}"
                print(f"  {name:22s} x{count}: {1000 * fwd:6.1f} {1000 * bwd:6.1f} | {torch_ms}")


if __name__ == "__main__":
    main()
