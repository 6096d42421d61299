"""The Binder configuration (binder/) stays complete and consistent with pyproject.toml."""

import os
import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"


@pytest.fixture(scope="module")
def project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


@pytest.fixture(scope="module")
def pins():
    """binder/requirements.txt as {canonical name: (version, line number)}."""
    pinned = {}
    lines = (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines()
    for number, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==" and "*" not in specs[0].version, (
            f"binder/requirements.txt line {number}: {raw!r} is not an exact pin (name==version)")
        name = canonicalize_name(req.name)
        assert name not in pinned, f"binder/requirements.txt pins {req.name} twice"
        pinned[name] = (Version(specs[0].version), number)
    return pinned


def test_every_runtime_dependency_is_pinned_inside_its_range(project, pins):
    problems = []
    for dep in project["dependencies"]:
        req = Requirement(dep)
        if req.marker is not None and not req.marker.evaluate({"python_version": "3.11",
                                                               "sys_platform": "linux"}):
            continue
        name = canonicalize_name(req.name)
        if name not in pins:
            problems.append(f"{req.name} is not pinned")
        elif not req.specifier.contains(pins[name][0], prereleases=True):
            problems.append(f"{req.name}=={pins[name][0]} is outside pyproject's range "
                            f"{req.specifier}")
    assert not problems, ("binder/requirements.txt is out of date with pyproject.toml ("
                          + "; ".join(problems) + "): regenerate it as binder/README.md says")


def test_pins_are_lean_and_leave_the_package_to_postbuild(project, pins):
    assert "crmlab" not in pins, "the package itself is installed by binder/postBuild"
    dev_only = {canonicalize_name(Requirement(d).name)
                for d in project["optional-dependencies"]["dev"]}
    runtime = {canonicalize_name(Requirement(d).name) for d in project["dependencies"]}
    assert not (dev_only - runtime) & set(pins), "test and lint tools do not belong on Binder"


def test_the_regeneration_command_is_documented():
    header = (BINDER / "requirements.txt").read_text(encoding="utf-8").split("\n\n")[0]
    assert "pip freeze" in header and "pip install ." in header
    assert "pip freeze" in (BINDER / "README.md").read_text(encoding="utf-8")


def test_runtime_matches_requires_python(project):
    text = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-(\d+\.\d+)", text)
    assert match, f"binder/runtime.txt should read python-X.Y, not {text!r}"
    assert SpecifierSet(project["requires-python"]).contains(Version(match.group(1))), (
        f"{text} does not satisfy requires-python {project['requires-python']}")


def _commands(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def test_postbuild_stops_on_errors_installs_the_package_and_builds_datasets():
    path = BINDER / "postBuild"
    commands = _commands(path)  # a #! line and comments may come first
    assert commands[0] == "set -e", "postBuild must start with set -e"
    assert any(re.match(r"(python -m )?pip install .*(-e \.|\.)$", c) for c in commands)
    assert any(re.match(r"crmlab datasets\b", c) for c in commands)
    assert any("matplotlib.font_manager" in c for c in commands), "build the font cache"
    if sys.platform != "win32":
        assert os.access(path, os.X_OK), "binder/postBuild must be executable"


def test_apt_installs_a_cjk_font():
    packages = _commands(BINDER / "apt.txt")
    assert any(re.fullmatch(r"fonts-(noto-cjk.*|wqy-.*|arphic-.*|droid-fallback)", p)
               for p in packages), packages
