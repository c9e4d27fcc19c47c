"""cli.py: report (table, JSON, Markdown, exit codes) and figures dispatch."""

import json

import pytest

from dwf_theory import cli


def test_report_subset_passes_and_prints_a_table(capsys):
    assert cli.main(["report", "--only", "C1,C5"]) == 0
    out = capsys.readouterr().out
    assert "C1" in out and "C5" in out and "2 passed, 0 failed" in out


def test_report_json(capsys):
    assert cli.main(["report", "--json", "--only", "C2"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["id"] == "C2" and row["passed"] is True and row["error"] <= row["tolerance"]


def test_report_markdown(capsys):
    assert cli.main(["report", "--markdown", "--only", "C3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("| id |") and lines[2].startswith("| C3 |") and lines[2].endswith("pass |")


def test_report_exits_nonzero_when_a_claim_fails(monkeypatch, capsys):
    from dwf_theory import claims
    from dwf_theory.claims import _registry

    failing = claims.Claim(
        "C1", "forced failure", "s", "m", 0.0, lambda: claims.Measured(1.0, {"x": 1}), claims.derived(), {"x": 1}
    )
    monkeypatch.setitem(_registry._REGISTRY, "C1", failing)
    assert cli.main(["report", "--only", "C1"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_report_filters_on_source(capsys):
    from dwf_theory import claims

    kind = claims.all_claims()[0].source.kind
    expected = {c.id for c in claims.select(source=kind)}
    assert cli.main(["report", "--json", "--source", kind, "--only", ",".join(sorted(expected)[:2])]) in (0, 1)
    import json

    rows = json.loads(capsys.readouterr().out)
    assert rows and all(r["source"].split(":")[0] == kind for r in rows)


def test_bad_arguments_are_reported(capsys):
    assert cli.main(["report", "--only", "C0"]) == 2
    assert "ids" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["no-such-command"])


def test_figures_writes_png_and_pdf(tmp_path, capsys):
    assert cli.main(["figures", "--quick", "--out", str(tmp_path), "--only", "prox_curves"]) == 0
    assert (tmp_path / "prox_curves.png").stat().st_size > 1000
    assert (tmp_path / "prox_curves.pdf").stat().st_size > 1000


def test_markdown_escapes_pipes_inside_cells(capsys):
    # C1's statement contains |w_j|: every row must still have exactly seven cells.
    assert cli.main(["report", "--markdown", "--only", "C1,C2"]) == 0
    for line in capsys.readouterr().out.splitlines():
        assert line.replace("\\|", "").count("|") == 8
