"""The small things a student trips on: `make lab` runs JupyterLab inside the
virtual environment (its terminal finds `crmlab`) without the "Jupyter news"
pop-up, and `crmlab.<submodule>` works after a bare `import crmlab`."""

from __future__ import annotations

import json
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import crmlab

ROOT = Path(__file__).resolve().parents[1]
ANNOUNCEMENTS = "@jupyterlab/apputils-extension:announcements"
needs_make = pytest.mark.skipif(shutil.which("make") is None or os.name != "posix",
                                reason="needs make and a POSIX shell")

FAKE_JUPYTER = """#!/bin/sh
# stands in for jupyter: logs how it was called and what its environment is
log="$(dirname "$0")/../calls.log"
echo "ARGS $*" >> "$log"
if [ "$1" = "lab" ]; then
    echo "PATH $PATH" >> "$log"
    echo "VIRTUAL_ENV $VIRTUAL_ENV" >> "$log"
    echo "CRMLAB $(command -v crmlab)" >> "$log"
fi
if [ "$1" = "labextension" ]; then  # what the real one writes
    mkdir -p "$(dirname "$0")/../etc/jupyter/labconfig"
    echo '{"disabledExtensions": {"'"$4"'": true}}' \
        > "$(dirname "$0")/../etc/jupyter/labconfig/page_config.json"
fi
"""


@needs_make
def test_make_lab_runs_jupyter_inside_the_virtual_environment(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    for name, text in [("jupyter", FAKE_JUPYTER), ("crmlab", "#!/bin/sh\nexit 0\n")]:
        (venv / "bin" / name).write_text(text)
        (venv / "bin" / name).chmod(0o755)
    (venv / ".crmlab-installed").touch()  # installed after pyproject.toml last changed
    installed = (ROOT / "pyproject.toml").stat().st_mtime + 1
    os.utime(venv / ".crmlab-installed", (installed, installed))
    env = {**os.environ, "PATH": "/usr/bin:/bin"}  # no virtual environment on it
    env.pop("VIRTUAL_ENV", None)
    run = subprocess.run(["make", "-C", str(ROOT), "lab", f"VENV={venv}", "LAB_ARGS=--no-browser"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    log = (venv / "calls.log").read_text().splitlines()
    calls = [line for line in log if line.startswith("ARGS ")]
    assert calls == [f"ARGS labextension disable --level=sys_prefix {ANNOUNCEMENTS}",
                     "ARGS lab notebooks/00_welcome.ipynb --no-browser"]
    seen = dict(line.split(" ", 1) for line in log if not line.startswith("ARGS "))
    assert seen["PATH"].split(":")[0] == str(venv / "bin")
    assert seen["VIRTUAL_ENV"] == str(venv)
    assert seen["CRMLAB"] == str(venv / "bin" / "crmlab")  # what the lab's terminal finds
    again = subprocess.run(["make", "-C", str(ROOT), "lab", f"VENV={venv}"], env=env,
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 0
    assert sum("labextension" in line for line in (venv / "calls.log").read_text().splitlines()
               ) == 1  # done once, at install


@needs_make
@pytest.mark.skipif(not (Path(sys.prefix) / ".crmlab-installed").exists(),
                    reason="this Python's environment was not made by `make install`")
def test_the_news_pop_up_is_off_in_the_installed_environment():
    venv = Path(sys.prefix)
    config = venv / "etc" / "jupyter" / "labconfig" / "page_config.json"
    # what `make install` (or the first `make lab`) does; nothing to do once done
    run = subprocess.run(["make", "-C", str(ROOT), f"VENV={venv}",
                          "-o", str(venv / ".crmlab-installed"), str(config)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    settings = json.loads(config.read_text(encoding="utf-8"))
    assert settings["disabledExtensions"][ANNOUNCEMENTS] is True


def test_submodules_are_attributes_of_a_bare_import():
    code = ("import sys, crmlab; assert 'pandas' not in sys.modules; "
            "print(crmlab.glossary.__name__, crmlab.rfm.__name__, 'glossary' in dir(crmlab))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["crmlab.glossary", "crmlab.rfm", "True"]
    public = {m.name for m in pkgutil.iter_modules(crmlab.__path__)
              if not m.name.startswith("_")}
    assert crmlab.SUBMODULES == public  # every submodule, and only those
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        crmlab.nope  # noqa: B018
