"""dwf_theory.figures: every figure of FIGURES draws in quick mode, to PNG and PDF, deterministically."""

import pytest

from dwf_theory import figures


def test_enough_figures_are_registered():
    assert len(figures.FIGURES) >= 10


@pytest.mark.parametrize("name", sorted(figures.FIGURES))
def test_figure_writes_png_and_pdf(name, tmp_path):
    paths = figures.write_all(tmp_path, quick=True, names=[name], progress=False)
    assert sorted(p.suffix for p in paths) == [".pdf", ".png"]
    png = (tmp_path / f"{name}.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 2000
    assert (tmp_path / f"{name}.pdf").read_bytes().startswith(b"%PDF")


def test_output_is_deterministic(tmp_path):
    for sub in ("a", "b"):
        figures.write_all(tmp_path / sub, quick=True, names=["prox_curves"], progress=False)
    for ext in ("png", "pdf"):
        first, second = (tmp_path / sub / f"prox_curves.{ext}" for sub in ("a", "b"))
        assert first.read_bytes() == second.read_bytes()


def test_unknown_figure_name_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="names"):
        figures.write_all(tmp_path, names=["no_such_figure"], progress=False)
