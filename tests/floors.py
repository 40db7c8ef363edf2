"""The accuracy each recorded result must reach, in full mode and in quick mode.

The notebooks record their results with `helpers.record_results`; they never check them,
so a learner who changes a learning rate never meets a test's error. The test run checks
them instead (tests/test_recorded_results.py, run after the notebooks), and the reference
run shipped with the package must hold exactly these results.

Quick-mode floors sit well below what quick mode reaches (it trains on less, for less
long) but far above chance (0.5 on 3 vs 7, about 0.1 on ten digits).
"""

# notebook -> {(task, method): (full-mode floor, quick-mode floor)}
FLOORS: dict[str, dict[tuple[str, str], tuple[float, float]]] = {
    "02_pixel_similarity": {
        ("3 vs 7", "mean digit (L1)"): (0.95, 0.95),
        ("3 vs 7", "mean digit (RMSE)"): (0.96, 0.96),
        ("all 10 digits", "mean digit (L1)"): (0.66, 0.66),
        ("all 10 digits", "mean digit (RMSE)"): (0.82, 0.82),
    },
    "03_sgd_from_scratch": {  # 01 to 04 have no quick mode: the tests run them in full
        ("3 vs 7", "linear, SGD by hand"): (0.96, 0.96),
        ("3 vs 7", "linear, fastai Learner"): (0.97, 0.97),
    },
    "04_ten_digits": {
        ("all 10 digits", "linear (nn.Linear init)"): (0.91, 0.91),
        ("all 10 digits", "linear (randn init)"): (0.86, 0.86),
    },
    "05_mlp": {
        ("3 vs 7", "MLP 784-30-1 (fastai Learner)"): (0.98, 0.85),
        ("all 10 digits", "linear, Adam one-cycle (fastai)"): (0.91, 0.75),
        ("all 10 digits", "MLP 784-250-50-10 (fastai)"): (0.98, 0.85),
    },
    "06_resnet18": {
        ("3 vs 7", "resnet18 (fastai)"): (0.99, 0.7),
        ("all 10 digits", "resnet18, label smoothing (fastai)"): (0.98, 0.6),
    },
    "07_fast_training": {
        ("all 10 digits", "small CNN, peer recipe (tuomaso)"): (0.985, 0.85),
        ("all 10 digits", "small CNN, peer recipe + our machine settings"): (0.985, 0.85),
        ("all 10 digits", "small CNN, our fast recipe"): (0.985, 0.85),
    },
}

# Results a notebook records only where it can (none at present: 06 leaves ImageNet weights to the learner, as a deep dive).
OPTIONAL: dict[str, dict[tuple[str, str], tuple[float, float]]] = {}
