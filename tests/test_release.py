"""The package behaves like a released one: a wheel that installs and runs, version, license, typing marker,
no side effects at import, and the sweep executors (a bare Dask client, the in-process progress bar)."""

from __future__ import annotations

import concurrent.futures as cf
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import dwf_theory
from dwf_theory import cli
from dwf_theory.trainer import sweep
from dwf_theory.trainer.sweep import InlineExecutor, run_sweep

ROOT = Path(__file__).resolve().parent.parent


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"dwf-theory {dwf_theory.__version__}"


def test_license_and_typing_marker():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "The dwf_theory authors" in text
    assert (Path(dwf_theory.__file__).parent / "py.typed").is_file()


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_the_package_leaves_matplotlib_backend_and_scikit_learn_alone():
    # A notebook's backend must survive `import dwf_theory` and its figure modules (only the CLI picks Agg);
    # scikit-learn is imported at module level by dwf_theory.estimators alone.
    out = _run(
        "import matplotlib; matplotlib.use('svg'); import sys\n"
        "import dwf_theory, dwf_theory.plot, dwf_theory.figures, dwf_theory.lq_solver, dwf_theory.minima\n"
        "print(matplotlib.get_backend(), 'sklearn' in sys.modules)\n"
        "import dwf_theory.estimators; print('sklearn' in sys.modules)"
    )
    assert out.split() == ["svg", "False", "True"]


class _FakeDaskClient:
    """Like ``dask.distributed.Client``: ``submit`` returns futures that are not ``concurrent.futures`` ones."""

    def __init__(self):
        self.executor = InlineExecutor()

    def submit(self, fn, *args):
        return object()

    def get_executor(self):
        return self.executor


def _square(x):
    return x * x


def test_a_bare_dask_client_runs_through_its_executor_and_other_objects_are_refused():
    res = run_sweep(_square, [1, 2, 3], executor=_FakeDaskClient(), progress=False)
    assert res.results == (1, 4, 9) and res.completed

    class SubmitOnly:
        def submit(self, fn, *args):
            return object()

    with pytest.raises(TypeError, match="get_executor"):
        run_sweep(_square, [1], executor=SubmitOnly(), progress=False)


def test_progress_moves_while_an_in_process_sweep_runs(monkeypatch):
    # With InlineExecutor every run happens inside submit: the bar must count each before the next starts.
    class Bar:
        n = 0

        def update(self, k):
            self.n += k

        def close(self):
            pass

    bar = Bar()
    seen = []
    monkeypatch.setattr(sweep, "_progress_bar", lambda total, desc: bar)

    def record(x):
        seen.append(bar.n)
        return x

    run_sweep(record, range(5), executor=InlineExecutor(), progress=True)
    assert seen == [0, 1, 2, 3, 4] and bar.n == 5
    with cf.ThreadPoolExecutor(2) as pool:  # and every run is counted once with a real pool
        bar.n = 0
        run_sweep(_square, range(7), executor=pool, progress=True)
    assert bar.n == 7


def test_wheel_installs_into_a_fresh_environment_and_runs(tmp_path):
    # Build the wheel from a copy of the sources (no build isolation: the setuptools installed here), install it
    # with no dependencies into a new virtual environment (without pip) that sees this environment's packages
    # through a .pth line — not the editable checkout — and run the console script from outside the checkout.
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "dwf_theory", src / "dwf_theory", ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path / "dist"
    pip = [sys.executable, "-m", "pip"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(src)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = dist.glob("dwf_theory-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        metadata = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "dwf_theory/py.typed" in names and any(n.endswith("licenses/LICENSE") for n in names)
    assert "License-Expression: MIT" in metadata and "Classifier: Typing :: Typed" in metadata
    env = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True, timeout=300)
    python = env / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [*pip, "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    script = env / "bin" / "dwf-theory"

    def run(*args):
        return subprocess.run([str(script), *args], cwd=tmp_path, capture_output=True, text=True, timeout=600)

    where = subprocess.run(
        [str(python), "-c", "import dwf_theory; print(dwf_theory.__file__)"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert where.startswith(str(env))
    version = run("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"dwf-theory {dwf_theory.__version__}"
    report = run("report", "--only", "C1")
    assert report.returncode == 0, report.stdout + report.stderr
    assert "C1" in report.stdout and "1 passed, 0 failed" in report.stdout
