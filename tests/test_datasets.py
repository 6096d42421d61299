"""The committed datasets: regenerate byte for byte, documented, small."""

import filecmp
from pathlib import Path

import pytest

import crmlab
from crmlab.data.dictionary import render_dictionary
from crmlab.data.io import DEFAULT_DATASETS
from crmlab.data.schema import TABLES

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / "datasets"


@pytest.mark.parametrize("name", list(DEFAULT_DATASETS))
def test_committed_dataset_regenerates_identically(tmp_path, name):
    committed = DATASETS / name
    fresh = crmlab.generate(**DEFAULT_DATASETS[name]).save(tmp_path / name)
    files = sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file())
    committed_files = sorted(p.relative_to(committed) for p in committed.rglob("*")
                             if p.is_file() and p.name != "crm.sqlite")
    assert files == committed_files
    match, mismatch, errors = filecmp.cmpfiles(committed, fresh, files, shallow=False)
    assert not mismatch and not errors, f"{name}: {mismatch} differ"


def test_committed_data_is_small():
    size = sum(p.stat().st_size for p in DATASETS.rglob("*.csv"))
    assert size < 20 * 2**20, f"{size / 2**20:.1f} MB of CSV"


def test_data_dictionary_is_current():
    text = (DATASETS / "README.md").read_text(encoding="utf-8")
    assert text == render_dictionary(), "run `crmlab dictionary --out datasets/README.md`"
    for t in TABLES:
        assert f"### `{t.name}`" in text
        for c in t.columns:
            assert f"| `{c.name}` |" in text


def test_sqlite_files_are_not_committed():
    ignore = (ROOT / ".gitignore").read_text()
    assert "*.sqlite" in ignore
