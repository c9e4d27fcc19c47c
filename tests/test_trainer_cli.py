"""Smoke tests of ``dwf-theory train`` and ``dwf-theory sweep``."""

from __future__ import annotations

import json

from dwf_theory.cli import main


def test_train_json_is_one_object(capsys):
    assert main(["train", "--preset", "quick", "--epochs", "3", "--hidden", "16", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["D"] == 3 and out["epochs_run"] == 3 and out["zero_tol"] == 1e-3
    assert 0 <= out["test_accuracy"] <= 1 and out["compression_ratio"] >= 1


def test_train_text_and_bad_input(capsys):
    assert main(["train", "--preset", "quick", "--epochs", "2", "--hidden", "8", "--depth", "1"]) == 0
    assert "compression ratio" in capsys.readouterr().out
    assert main(["train", "--preset", "quick", "--epochs", "2", "--depth", "0"]) == 2
    assert "D must be a whole number" in capsys.readouterr().err


def test_sweep_json_in_process(capsys):
    assert main(["sweep", "layer-density", "--quick", "--workers", "1", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["D"] for r in rows] == [2, 3, 4]
    assert all(len(r["layer_density"]) == 2 for r in rows)


def test_teacher_student_recovers_the_support(capsys):
    """The linear least-squares student (D = 3) finds the teacher's 5 nonzero weights out of 50."""
    assert main(["train", "--dataset", "teacher-student", "--depth", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["sizes"] == [50, 1] and out["metric"] == "r2"
    assert out["n_nonzero"] == 5 and out["test_accuracy"] > 0.99  # R² on held-out data


def test_train_cnn_on_mnist1d_prints_one_object(capsys):
    # the first command, shortened to one epoch
    assert main(["train", "--dataset", "mnist1d", "--arch", "cnn1d", "--depth", "3", "--epochs", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["arch"] == "cnn1d" and out["D"] == 3 and out["dataset"] == "mnist1d"
    assert out["layers"].startswith("conv1d25k5s2p1")


def test_train_with_a_pruner_hits_its_compression(capsys):
    # the second command, shortened to one epoch: SynFlow keeps round(N / 50) weights of LeNet-5
    argv = ["train", "--dataset", "digits", "--arch", "lenet5", "--pruner", "synflow", "--compression", "50"]
    assert main([*argv, "--epochs", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "synflow" and out["n_weights"] == 19518
    assert out["n_kept"] == round(19518 / 50)
    assert out["layer_collapse"] is False
    assert main([*argv[:-2], "--epochs", "1"]) == 2
    assert "--compression" in capsys.readouterr().err
    assert main(["train", "--compression", "5", "--epochs", "1"]) == 2
    assert "--pruner" in capsys.readouterr().err


def test_train_rescale_is_recorded_and_refused_for_pruners(capsys):
    argv = ["train", "--preset", "quick", "--epochs", "1", "--hidden", "8", "--json"]
    assert main([*argv, "--rescale"]) == 0
    assert json.loads(capsys.readouterr().out)["rescale"] is True
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["rescale"] is False  # the paper's truncated initialization
    assert main(["train", "--pruner", "snip", "--compression", "5", "--epochs", "1", "--rescale"]) == 2
    assert "--rescale" in capsys.readouterr().err


def test_train_grouped_counts_units_and_is_refused_for_pruners(capsys):
    argv = ["train", "--preset", "quick", "--epochs", "2", "--hidden", "8", "--lam", "0.5", "--lr", "0.1"]
    assert main([*argv, "--grouped", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["grouped"] is True and out["layers"] == "dense8g-dense10" and out["units"] == [8, 10]
    assert 0 <= out["units_kept"][0] <= 8
    assert main([*argv, "--grouped"]) == 0
    assert f"units kept per layer {out['units_kept'][0]}/8, " in capsys.readouterr().out
    assert main(["train", "--pruner", "snip", "--compression", "5", "--epochs", "1", "--grouped"]) == 2
    assert "--grouped" in capsys.readouterr().err


def test_sweep_units_in_process(capsys):
    assert main(["sweep", "units", "--quick", "--workers", "1", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["D"] for r in rows} == {2, 3, 4} and all(r["grouped"] and r["units"] == [16, 10] for r in rows)
