"""Smoke tests for bench/bench.py: same architectures in both frameworks, one step each, the
table format. The timing itself is not tested (it belongs to `python bench/bench.py`)."""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("threadpoolctl")

_PATH = Path(__file__).resolve().parents[1] / "bench" / "bench.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("dlcore_bench", _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_batches_are_seeded_and_shaped(bench):
    a, b = bench.make_batches("cnn"), bench.make_batches("cnn")
    assert len(a) == 10
    x, y = a[0]
    assert x.shape == (100, 1, 28, 28) and x.dtype == np.float32 and x.flags.c_contiguous
    assert y.shape == (100,) and y.min() >= 0 and y.max() < 10
    np.testing.assert_array_equal(x, b[0][0])
    assert bench.make_batches("mlp")[0][0].shape == (100, 784)


@pytest.mark.parametrize("workload", ["mlp", "cnn", "resnet"])
def test_same_architecture_and_one_step(bench, workload):
    if bench.missing_layers(workload):
        pytest.skip(f"dlcore lacks {bench.missing_layers(workload)}")
    model, loss_fn, opt = bench.build_dlcore(workload)
    tmodel, tloss, topt = bench.build_torch(workload)
    shapes = sorted(p.shape for p in model.parameters())
    tshapes = sorted(tuple(p.shape) for p in tmodel.parameters())
    assert shapes == tshapes
    x, y = bench.make_batches(workload, n=100)[0]
    before = [p.data.copy() for p in model.parameters()]
    loss = bench.dlcore_step(model, loss_fn, opt, x, y)
    assert math.isfinite(loss) and abs(loss - math.log(10)) < 3.0
    assert all(p.data.dtype == np.float32 for p in model.parameters())
    assert any(not np.array_equal(b, p.data) for b, p in zip(before, model.parameters(),
                                                              strict=True))
    tl = bench.torch_step(tmodel, tloss, topt, torch.from_numpy(x), torch.from_numpy(y))
    assert math.isfinite(tl.item())


def test_markdown_table(bench):
    runs = [{"framework": fw, "threads": n, "samples_per_s": s}
            for fw, n, s in (("dlcore", 2, 900.0), ("torch", 2, 1000.0), ("dlcore", 1, 1200.0),
                             ("torch", 1, 800.0))]
    results = [
        {"workload": "mlp", "dlcore": 1200.0, "torch": 1000.0, "ratio": 1.2, "dlcore_threads": 1,
         "torch_threads": 2, "runs": runs,
         "memory": {"dlcore": {"peak_rss_mb": 50.0, "delta_mb": 2.0},
                    "torch": {"peak_rss_mb": 300.0, "delta_mb": 10.0}}},
        {"workload": "resnet", "skipped": "dlcore.layers lacks ResidualBlock"},
    ]
    meta = {"configs": [("dlcore", 2), ("torch", 2), ("dlcore", 1), ("torch", 1)], "reps": 5,
            "threads": 2, "cpu": "CPU", "cores": 2, "python": "3.11", "numpy": "2",
            "blas": "openblas", "torch": "2", "dlcore": "0.1", "fallbacks": [], "removed_env": [],
            "command": "python bench/bench.py"}
    table = bench.markdown_table(results, meta)
    assert ("| mlp | 1,200 (1) | 1,000 (2) | **1.20** | **1.50** | ≥ 1.30 | 50 / 300 | 2 / 10 |"
            in table)
    assert "| mlp | 900 | 1,000 | 1,200 | 800 |" in table
    assert "Skipped: resnet (dlcore.layers lacks ResidualBlock)" in table
    assert "Command: `python bench/bench.py`" in table


def test_merge_processes_pools_every_repetition_before_the_median(bench):
    def part(dl, to):
        return {"workload": "mlp", "steps": 10, "batch": bench.BATCH, "blas": {},
                "runs": [{"framework": "dlcore", "threads": 2, "all_samples_per_s": dl},
                         {"framework": "torch", "threads": 2, "all_samples_per_s": to}]}

    merged = bench.merge_processes([part([1.0, 2.0, 9.0], [5.0, 5.0, 5.0]),
                                    part([3.0, 4.0, 8.0], [1.0, 1.0, 7.0])])
    dl, to = merged["runs"]
    assert dl["all_samples_per_s"] == [1.0, 2.0, 9.0, 3.0, 4.0, 8.0]
    assert dl["samples_per_s"] == 3.5 and to["samples_per_s"] == 5.0
    assert dl["median_s"] == 10 * bench.BATCH / 3.5
