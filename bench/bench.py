"""Training throughput and peak memory of dlcore against PyTorch on the CPU.

Usage (from the repository root)::

    python bench/bench.py                          # mlp, cnn, resnet; 3 processes x 5 reps
    python bench/bench.py --workloads mlp --reps 7 --steps 300
    python bench/bench.py --write-readme           # also update the table in bench/README.md

Three workloads, all float32, batch 100, Adam (lr 1e-3), softmax cross-entropy, synthetic
MNIST-shaped data (seeded; 10 classes):

* ``mlp``    — Linear(784, 100) → ReLU → Linear(100, 100) → ReLU → Linear(100, 10)
* ``cnn``    — SimpleConvNet: Conv2d(1, 30, 5) → ReLU → MaxPool2d(2) → Flatten →
               Linear(4320, 100) → ReLU → Linear(100, 10)
* ``resnet`` — Conv2d(1, 16, 3, padding 1) + BatchNorm2d + ReLU, three stages of two residual
               blocks (16, 32, 64 channels; stride 2 and a projection shortcut where the shape
               changes), GlobalAvgPool2d, Linear(64, 10)

Method (see README.md): every workload runs in a fresh subprocess whose environment drops
``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` (they can force a slow OpenBLAS kernel) and sets
``--threads`` (default 2) threads. In that process the same architecture is built in dlcore and
in PyTorch; after one warm-up run of each, timed runs of ``--steps`` training steps alternate
between four configurations — dlcore with 2 and with 1 thread (``dlcore.set_num_threads``, its
workers calling OpenBLAS with one thread each), PyTorch with 2 and with 1 thread
(``torch.set_num_threads``) — ``--reps`` rounds, the starting configuration rotating. This runs
in ``--processes`` (default 3) fresh processes one after another, whose repetitions are pooled.
Each configuration's median is kept and each framework is reported with its faster setting. Peak memory is the peak resident set size of a separate subprocess per
framework and workload that imports only that framework, builds the model and trains (``VmHWM``
in ``/proc/self/status``: ``ru_maxrss`` without the share Linux carries over from the parent);
the table also lists its growth over the resident size just before training. (tracemalloc
would miss memory that NumPy's and PyTorch's allocators take outside Python's tracing.)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORKLOADS = ("mlp", "cnn", "resnet")
TARGETS = {"mlp": 1.3, "cnn": 1.2, "resnet": 0.6}  # dlcore/torch throughput the project aims at
DEFAULT_STEPS = {"mlp": 300, "cnn": 20, "resnet": 6}  # steps per timed run
WARMUP_STEPS = {"mlp": 30, "cnn": 3, "resnet": 2}
N_SAMPLES = 1000  # synthetic training set: 10 minibatches of 100, cycled
BATCH = 100
N_CLASSES = 10
SEED = 0
README_BEGIN = "<!-- bench-table:begin -->"
README_END = "<!-- bench-table:end -->"


# -- data ------------------------------------------------------------------------------------------
def make_batches(workload, batch=BATCH, n=N_SAMPLES, seed=SEED):
    """Synthetic MNIST-shaped minibatches: x (B, 784) for the MLP, (B, 1, 28, 28) otherwise,
    float32 in [0, 1); labels (B,) int64 in 0..9. Seeded, identical for both frameworks."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, N_CLASSES, size=n, dtype=np.int64)
    if workload == "mlp":
        x = x.reshape(n, 784)
    return [(np.ascontiguousarray(x[i:i + batch]), y[i:i + batch]) for i in range(0, n, batch)]


# -- dlcore models ---------------------------------------------------------------------------------
def _fallback_classes():
    """Bench-local stand-ins for dlcore parts that are not written yet (never final numbers)."""
    from dlcore.backend import xp
    from dlcore.module import Module

    class ReLU(Module):
        def forward(self, x):
            self._mask = x > 0
            return xp.multiply(x, self._mask)

        def backward(self, grad_out):
            return xp.multiply(grad_out, self._mask)

    class Flatten(Module):
        def forward(self, x):
            self._shape = x.shape
            return x.reshape(x.shape[0], -1)

        def backward(self, grad_out):
            return grad_out.reshape(self._shape)

    class CrossEntropyLoss:
        """Softmax cross-entropy with integer labels, mean over the batch."""

        def forward(self, logits, target):
            z = logits - logits.max(axis=1, keepdims=True)
            e = xp.exp(z)
            s = e.sum(axis=1, keepdims=True)
            self._p, self._t = e / s, target
            rows = xp.arange(len(target))
            return float(-(z[rows, target] - xp.log(s[:, 0])).mean())

        def backward(self):
            g = self._p.copy()
            g[xp.arange(len(self._t)), self._t] -= 1.0
            g /= len(self._t)
            return g

    return {"ReLU": ReLU, "Flatten": Flatten, "CrossEntropyLoss": CrossEntropyLoss}


def dlcore_parts():
    """dlcore's classes the workloads need, with bench-local fallbacks (and their names) for
    the ones not written yet."""
    import dlcore
    from dlcore import layers, losses

    parts, fallbacks = {}, []
    stand_ins = _fallback_classes()
    for name, module in (("ReLU", layers), ("Flatten", layers), ("CrossEntropyLoss", losses)):
        parts[name] = getattr(module, name, None)
        if parts[name] is None:
            parts[name] = stand_ins[name]
            fallbacks.append(name)
    for name in ("Conv2d", "MaxPool2d", "BatchNorm2d", "GlobalAvgPool2d", "ResidualBlock"):
        parts[name] = getattr(layers, name, None)
    parts["Linear"], parts["Sequential"] = dlcore.Linear, dlcore.Sequential
    return parts, fallbacks


def missing_layers(workload):
    """Names of dlcore layers the workload needs that do not exist yet (empty when ready)."""
    parts, _ = dlcore_parts()
    need = {"mlp": (), "cnn": ("Conv2d", "MaxPool2d"),
            "resnet": ("Conv2d", "BatchNorm2d", "GlobalAvgPool2d", "ResidualBlock")}[workload]
    return [n for n in need if parts[n] is None]


def build_dlcore(workload, seed=SEED):
    """The workload's network, loss and Adam optimiser in dlcore (float32)."""
    from dlcore.optim import Adam

    P, _ = dlcore_parts()
    f32 = np.float32
    # The first layer of each network needs no gradient with respect to the data, so it is
    # built with needs_input_grad=False (PyTorch's autograd skips that product on its own).
    if workload == "mlp":
        model = P["Sequential"](
            P["Linear"](784, 100, dtype=f32, seed=seed, needs_input_grad=False), P["ReLU"](),
            P["Linear"](100, 100, dtype=f32, seed=seed + 1), P["ReLU"](),
            P["Linear"](100, 10, dtype=f32, seed=seed + 2))
    elif workload == "cnn":
        model = P["Sequential"](
            P["Conv2d"](1, 30, 5, dtype=f32, seed=seed, needs_input_grad=False), P["ReLU"](),
            P["MaxPool2d"](2),
            P["Flatten"](),
            P["Linear"](30 * 12 * 12, 100, dtype=f32, seed=seed + 1), P["ReLU"](),
            P["Linear"](100, 10, dtype=f32, seed=seed + 2))
    elif workload == "resnet":
        blocks, c_in, s = [], 16, seed + 1
        for c_out, stride in ((16, 1), (32, 2), (64, 2)):
            for i in range(2):
                blocks.append(P["ResidualBlock"](c_in, c_out, stride=stride if i == 0 else 1,
                                                 dtype=f32, seed=s))
                c_in, s = c_out, s + 1
        model = P["Sequential"](
            P["Conv2d"](1, 16, 3, padding=1, bias=False, dtype=f32, seed=seed,
                        needs_input_grad=False),
            P["BatchNorm2d"](16, dtype=f32), P["ReLU"](),
            *blocks, P["GlobalAvgPool2d"](), P["Linear"](64, 10, dtype=f32, seed=s))
    else:
        raise ValueError(f"bench: expected a workload in {WORKLOADS}, got {workload!r}")
    model.train()
    return model, P["CrossEntropyLoss"](), Adam(model.parameters(), lr=1e-3)


def dlcore_step(model, loss_fn, opt, x, y):
    """One training step: zero_grad → forward → loss → backward → Adam step."""
    opt.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    opt.step()
    return loss


# -- PyTorch models --------------------------------------------------------------------------------
def build_torch(workload, seed=SEED):
    """The same architecture in PyTorch (float32), with PyTorch's default initialisation."""
    import torch
    from torch import nn

    torch.manual_seed(seed)

    class ResidualBlock(nn.Module):
        def __init__(self, c_in, c_out, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(c_out)
            self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(c_out)
            self.shortcut = nn.Identity()
            if stride != 1 or c_in != c_out:
                self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False),
                                              nn.BatchNorm2d(c_out))

        def forward(self, x):
            h = torch.relu(self.bn1(self.conv1(x)))
            return torch.relu(self.bn2(self.conv2(h)) + self.shortcut(x))

    if workload == "mlp":
        model = nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(),
                              nn.Linear(100, 10))
    elif workload == "cnn":
        model = nn.Sequential(nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(30 * 12 * 12, 100), nn.ReLU(), nn.Linear(100, 10))
    elif workload == "resnet":
        blocks, c_in = [], 16
        for c_out, stride in ((16, 1), (32, 2), (64, 2)):
            for i in range(2):
                blocks.append(ResidualBlock(c_in, c_out, stride if i == 0 else 1))
                c_in = c_out
        model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16),
                              nn.ReLU(), *blocks, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                              nn.Linear(64, 10))
    else:
        raise ValueError(f"bench: expected a workload in {WORKLOADS}, got {workload!r}")
    model.train()
    return model, nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters(), lr=1e-3)


def torch_step(model, loss_fn, opt, x, y):
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    return loss


# -- workers (run in subprocesses) -----------------------------------------------------------------
def _rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mb():
    """Peak resident set size of this process's memory image (``VmHWM``), in MB.

    ``getrusage(RUSAGE_SELF).ru_maxrss`` would be the same number, except that Linux carries the
    parent's peak over into a child started with vfork/exec (as ``subprocess`` does), so a small
    worker of a large parent would report the parent's size.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _blas_info():
    from threadpoolctl import threadpool_info
    for pool in threadpool_info():
        if pool.get("user_api") == "blas" and "numpy" in pool.get("filepath", ""):
            return {k: pool.get(k) for k in ("internal_api", "version", "architecture",
                                             "num_threads")}
    return {}


def _runner(framework, workload):
    """A function running ``steps`` training steps of one framework (and its setup)."""
    batches = make_batches(workload)
    if framework == "dlcore":
        model, loss_fn, opt = build_dlcore(workload)
        step, data = dlcore_step, batches
    else:
        import torch
        model, loss_fn, opt = build_torch(workload)
        step = torch_step
        data = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in batches]

    def run(steps):
        for i in range(steps):
            x, y = data[i % len(data)]
            step(model, loss_fn, opt, x, y)

    return run


def _dlcore_threads(n):
    """dlcore.set_num_threads(n) (a dlcore without dlcore.parallel runs on one thread)."""
    try:
        from dlcore.parallel import set_num_threads
    except ImportError:
        return
    set_num_threads(n)


def worker_time(workload, steps, reps, threads):
    """Alternate timed runs of every configuration (framework, threads); print JSON.

    Configurations: dlcore with ``threads`` and with 1 thread (``dlcore.set_num_threads``; its
    workers call OpenBLAS with one thread each), PyTorch with ``threads`` and with 1 thread. One warm-up run of each first; then ``reps`` rounds, each running every
    configuration once, the starting configuration rotating from round to round.
    """
    import torch
    from threadpoolctl import threadpool_limits

    runners = {"dlcore": _runner("dlcore", workload), "torch": _runner("torch", workload)}
    configs = [("dlcore", threads), ("torch", threads)]
    if threads > 1:
        configs += [("dlcore", 1), ("torch", 1)]
    times = {c: [] for c in configs}
    for rep in range(-1, reps):  # rep -1: warm-up, not recorded
        k = max(rep, 0) % len(configs)
        for fw, nthreads in configs[k:] + configs[:k]:
            torch.set_num_threads(nthreads if fw == "torch" else threads)
            if fw == "dlcore":
                _dlcore_threads(nthreads)
            # (dlcore's worker threads run BLAS on one thread each: dlcore.parallel)
            with threadpool_limits(limits=1 if fw == "dlcore" else threads, user_api="blas"):
                n = WARMUP_STEPS[workload] if rep < 0 else steps
                t0 = time.perf_counter()
                runners[fw](n)
                elapsed = time.perf_counter() - t0
            if fw == "dlcore":
                _dlcore_threads(1)
            if rep >= 0:
                times[(fw, nthreads)].append(elapsed)
    result = {"workload": workload, "steps": steps, "batch": BATCH, "blas": _blas_info(),
              "runs": []}
    for (fw, nthreads), ts in times.items():
        med = statistics.median(ts)
        result["runs"].append({"framework": fw, "threads": nthreads, "median_s": med,
                               "samples_per_s": steps * BATCH / med,
                               "all_samples_per_s": [steps * BATCH / t for t in ts]})
    print(json.dumps(result))


def worker_memory(workload, framework, steps, threads):
    """Peak RSS of building and training one framework's model; print JSON."""
    if framework == "torch":
        import torch
        torch.set_num_threads(threads)
    else:
        _dlcore_threads(threads)
    before_import = _rss_mb()
    run = _runner(framework, workload)
    before_train = _rss_mb()
    run(WARMUP_STEPS[workload] + steps)
    print(json.dumps({"workload": workload, "framework": framework,
                      "rss_before_import_mb": before_import, "rss_before_train_mb": before_train,
                      "peak_rss_mb": _peak_rss_mb()}))


# -- driver ----------------------------------------------------------------------------------------
def clean_env(threads):
    """The subprocess environment: no OpenBLAS kernel overrides, ``threads`` threads."""
    env = dict(os.environ)
    removed = [k for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if env.pop(k, None) is not None]
    for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[k] = str(threads)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env, removed


def _call_worker(args, env):
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"bench worker {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def merge_processes(parts):
    """One result from the time workers of several processes: every configuration's
    repetitions pooled, and their median recomputed.

    A machine shared with other virtual machines can be faster or slower for a whole process
    (how the host schedules its cores then); pooling several processes' repetitions keeps one
    such process from deciding the table."""
    merged = dict(parts[0], runs=[])
    for run in parts[0]["runs"]:
        key = (run["framework"], run["threads"])
        samples = [s for p in parts for r in p["runs"] if (r["framework"], r["threads"]) == key
                   for s in r["all_samples_per_s"]]
        med = statistics.median(samples)
        merged["runs"].append(dict(run, samples_per_s=med, median_s=merged["steps"] * BATCH / med,
                                   all_samples_per_s=samples))
    return merged


def markdown_table(results, meta):
    """The results table (best thread setting per framework), a table of every configuration's
    median, and notes on the method and the machine."""
    lines = [
        "| workload | dlcore samples/s (threads) | PyTorch samples/s (threads) | dlcore / PyTorch "
        "| dlcore / PyTorch, 1 thread each | target | peak RSS dlcore / PyTorch (MB) "
        "| growth during training dlcore / PyTorch (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    detail = ["| workload | " + " | ".join(f"{fw} {n} thr." for fw, n in meta["configs"]) + " |",
              "|---|" + "---:|" * len(meta["configs"])]
    for r in results:
        w = r["workload"]
        if r.get("skipped"):
            lines.append(f"| {w} | — | — | — | — | ≥ {TARGETS[w]:.2f} | — | — |")
            continue
        m = r["memory"]

        def mb(fw, key, m=m):
            return f"{m[fw][key]:.0f}" if fw in m else "—"

        one = {x["framework"]: x["samples_per_s"] for x in r["runs"] if x["threads"] == 1}
        ratio1 = f"**{one['dlcore'] / one['torch']:.2f}**" if len(one) == 2 else "—"
        lines.append(
            f"| {w} | {r['dlcore']:,.0f} ({r['dlcore_threads']}) | {r['torch']:,.0f} "
            f"({r['torch_threads']}) | **{r['ratio']:.2f}** | {ratio1} | ≥ {TARGETS[w]:.2f} | "
            f"{mb('dlcore', 'peak_rss_mb')} / {mb('torch', 'peak_rss_mb')} | "
            f"{mb('dlcore', 'delta_mb')} / {mb('torch', 'delta_mb')} |")
        med = {(x["framework"], x["threads"]): x["samples_per_s"] for x in r["runs"]}
        detail.append(f"| {w} | " + " | ".join(
            f"{med[c]:,.0f}" if c in med else "—" for c in meta["configs"]) + " |")
    notes = [
        "",
        "Training throughput in samples per second (higher is better): batch "
        f"{BATCH}, float32, Adam, softmax cross-entropy, synthetic MNIST-shaped data. Each "
        f"number is the median of {meta.get('processes', 1) * meta['reps']} timed runs "
        f"({meta.get('processes', 1)} processes x {meta['reps']}); within a process the runs "
        f"of dlcore and PyTorch alternate. Each framework is shown with its faster thread "
        f"setting ({meta['threads']} or 1; dlcore: `dlcore.set_num_threads`, its worker threads "
        "calling OpenBLAS with one thread each; PyTorch: `torch.set_num_threads`). Peak RSS: `VmHWM` (peak resident set size) of a separate process per framework "
        "and workload; growth: peak RSS minus the resident size before the first step.",
        "",
        "Median samples/s of every configuration:",
        "",
        *detail,
        "",
        f"Machine: {meta['cpu']}, {meta['cores']} cores; Python {meta['python']}, "
        f"NumPy {meta['numpy']} ({meta['blas']}), PyTorch {meta['torch']}, dlcore {meta['dlcore']}.",
    ]
    skipped = [f"{r['workload']} ({r['skipped']})" for r in results if r.get("skipped")]
    if skipped:
        notes.append(f"Skipped: {'; '.join(skipped)}.")
    if meta.get("fallbacks"):
        notes.append(f"Bench-local stand-ins used for unfinished dlcore parts: "
                     f"{', '.join(meta['fallbacks'])} (not final numbers).")
    if meta.get("removed_env"):
        notes.append(f"Removed from the workers' environment: {', '.join(meta['removed_env'])}.")
    notes.append(f"Command: `{meta['command']}`")
    return "\n".join(lines + notes)


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workloads", default=",".join(WORKLOADS),
                    help="comma-separated subset of mlp,cnn,resnet (default: all)")
    ap.add_argument("--reps", type=int, default=5,
                    help="timed repetitions per process (default 5)")
    ap.add_argument("--processes", type=int, default=3,
                    help="worker processes per workload, their repetitions pooled (default 3)")
    ap.add_argument("--steps", type=int, default=None,
                    help="training steps per timed run (default: mlp 300, cnn 20, resnet 6)")
    ap.add_argument("--threads", type=int, default=2, help="threads for both frameworks")
    ap.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    ap.add_argument("--write-readme", action="store_true",
                    help="write the table into bench/README.md between its marker comments")
    ap.add_argument("--json", type=Path, help="also save the raw results as JSON")
    # internal: the subprocess workers
    ap.add_argument("--worker", choices=("time", "memory"), help=argparse.SUPPRESS)
    ap.add_argument("--workload", help=argparse.SUPPRESS)
    ap.add_argument("--framework", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker == "time":
        return worker_time(args.workload, args.steps, args.reps, args.threads)
    if args.worker == "memory":
        return worker_memory(args.workload, args.framework, args.steps, args.threads)

    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    bad = [w for w in workloads if w not in WORKLOADS]
    if bad or not workloads:
        ap.error(f"expected --workloads from {','.join(WORKLOADS)}, got {args.workloads!r}")
    if args.reps < 3:
        ap.error(f"expected --reps >= 3 (a median needs a few runs), got {args.reps}")
    if args.threads < 1:
        ap.error(f"expected --threads >= 1, got {args.threads}")
    if args.processes < 1:
        ap.error(f"expected --processes >= 1, got {args.processes}")

    from importlib.metadata import version  # the driver imports neither framework's heavy parts

    env, removed = clean_env(args.threads)
    _, fallbacks = dlcore_parts()
    results, blas = [], {}
    for w in workloads:
        missing = missing_layers(w)
        if missing:
            msg = f"dlcore.layers lacks {', '.join(missing)} (not written yet)"
            print(f"bench: skipping {w}: {msg}", file=sys.stderr)
            results.append({"workload": w, "skipped": msg})
            continue
        steps = args.steps or DEFAULT_STEPS[w]
        print(f"bench: {w}: {args.processes} processes x {args.reps} x {steps} steps per "
              "configuration ...", file=sys.stderr)
        t = merge_processes([
            _call_worker(["--worker", "time", "--workload", w, "--steps", str(steps),
                          "--reps", str(args.reps), "--threads", str(args.threads)], env)
            for _ in range(args.processes)])
        blas = t["blas"]

        def best(fw, runs=t["runs"]):
            return max((r for r in runs if r["framework"] == fw), key=lambda r: r["samples_per_s"])

        bd, bt = best("dlcore"), best("torch")
        res = {"workload": w, "dlcore": bd["samples_per_s"], "torch": bt["samples_per_s"],
               "ratio": bd["samples_per_s"] / bt["samples_per_s"],
               "dlcore_threads": bd["threads"], "torch_threads": bt["threads"],
               "runs": t["runs"], "memory": {}}
        for fw in ("dlcore", "torch"):
            if args.no_memory:
                continue
            m = _call_worker(["--worker", "memory", "--workload", w, "--framework", fw,
                              "--steps", str(steps), "--threads", str(args.threads)], env)
            m["delta_mb"] = max(0.0, m["peak_rss_mb"] - m["rss_before_train_mb"])
            res["memory"][fw] = m
        results.append(res)
        for r in t["runs"]:
            print(f"bench:   {r['framework']:6s} {r['threads']} thr: "
                  + " ".join(f"{s:,.0f}" for s in r["all_samples_per_s"]) + " samples/s",
                  file=sys.stderr)

    blas_str = (f"{blas.get('internal_api', '?')} {blas.get('version', '')} "
                f"kernel {blas.get('architecture', '?')}") if blas else "BLAS not reported"
    cmd = " ".join(["python bench/bench.py", *(sys.argv[1:] if argv is None else argv)])
    configs = [("dlcore", args.threads), ("torch", args.threads)]
    if args.threads > 1:
        configs += [("dlcore", 1), ("torch", 1)]
    meta = {"configs": configs, "reps": args.reps, "processes": args.processes,
            "threads": args.threads, "cpu": _cpu_name(),
            "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "blas": blas_str, "torch": version("torch"),
            "dlcore": version("dlcore"), "fallbacks": fallbacks, "removed_env": removed,
            "command": cmd.strip()}
    table = markdown_table(results, meta)
    print(table)
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    if args.write_readme:
        readme = HERE / "README.md"
        text = readme.read_text(encoding="utf-8")
        if README_BEGIN not in text or README_END not in text:
            raise SystemExit(f"bench: {readme} lacks the markers {README_BEGIN} / {README_END}")
        head, rest = text.split(README_BEGIN, 1)
        _, tail = rest.split(README_END, 1)
        readme.write_text(f"{head}{README_BEGIN}\n{table}\n{README_END}{tail}", encoding="utf-8")
        print(f"bench: table written to {readme}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
