"""The reference trainer: NumPy + autograd DWF networks.

Dense and convolutional layers whose weights are depth-``D`` factorizations (or, grouped, one gated
vector per unit or filter, so that whole units switch off), SGD (with or
without momentum) on ``mean loss + (λ/D) Σ‖ω_d‖²``, sparsity metrics on the collapsed weights,
the paper's pruning baselines, data sets by name, and the experiments of the empirical side
of Kolb et al., ICLR 2025.

>>> from dwf_theory.trainer import MLP, load_digits_split, train
>>> data = load_digits_split(rng=0)
>>> model = MLP([64, 300, 100, 10], D=3, rng=0)
>>> history = train(model, data, lam=5e-4, lr=0.3, epochs=300, batch_size=64)  # doctest: +SKIP
"""

from .compare import cluster_executor, compare
from .compare_result import Budget, Comparison
from .data import Split, load_digits_split, teacher_student
from .datasets import DATASETS, Dataset, load_dataset
from .experiments import (
    PRESETS,
    accuracy_vs_compression,
    init_lr_grid,
    layer_density,
    learning_phases,
    prune_finetune,
    run,
    run_pruner,
    units_vs_lambda,
)
from .frontier import accuracy_at, frontier, max_compression_within
from .groups import CompactMLP, compact
from .layers import MLP, forward
from .metrics import SparsityReport, magnitude_masks, prune, sparsity_report
from .network import ARCHITECTURES, Conv1d, Conv2d, Dense, Flatten, MaxPool, ModelSpec, Network, build_network
from .objective import objective, value_and_grad
from .optim import SCHEDULES, learning_rates, sgd_momentum_step
from .polish import PolishResult, polish
from .pruning import PRUNERS, prune_and_train
from .sharpness import sharpness
from .studies import LRStudy, PhaseStudy, load_study, lr_study, phase_markers, phase_study
from .sweep import InlineExecutor, SweepResult, default_executor, run_sweep
from .train import EpochRecord, History, train

__all__ = [
    "MLP",
    "Network",
    "Dense",
    "Conv1d",
    "Conv2d",
    "MaxPool",
    "Flatten",
    "ARCHITECTURES",
    "build_network",
    "ModelSpec",
    "forward",
    "value_and_grad",
    "objective",
    "train",
    "History",
    "EpochRecord",
    "load_digits_split",
    "teacher_student",
    "Split",
    "load_dataset",
    "Dataset",
    "DATASETS",
    "frontier",
    "accuracy_at",
    "max_compression_within",
    "compare",
    "Comparison",
    "Budget",
    "cluster_executor",
    "sparsity_report",
    "SparsityReport",
    "prune",
    "magnitude_masks",
    "learning_rates",
    "SCHEDULES",
    "sgd_momentum_step",
    "run_sweep",
    "SweepResult",
    "InlineExecutor",
    "default_executor",
    "PRESETS",
    "run",
    "run_pruner",
    "prune_finetune",
    "PRUNERS",
    "prune_and_train",
    "accuracy_vs_compression",
    "learning_phases",
    "layer_density",
    "units_vs_lambda",
    "compact",
    "CompactMLP",
    "init_lr_grid",
    "sharpness",
    "polish",
    "PolishResult",
    "lr_study",
    "phase_study",
    "phase_markers",
    "load_study",
    "LRStudy",
    "PhaseStudy",
]
