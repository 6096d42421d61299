"""Saving (CSV, SQLite), loading, and writing nothing half-way."""

import filecmp
import json
import sqlite3

import pandas as pd
import pytest

import crmlab
from crmlab.data import _dataset, io


@pytest.fixture(scope="module")
def telecom():
    return crmlab.generate("telecom", 300, seed=2)


def test_csv_round_trip_keeps_values_and_types(tmp_path, telecom):
    telecom.save(tmp_path / "t")
    back = crmlab.load(tmp_path / "t")
    assert back.meta["scenario"] == "telecom" and list(back.tables) == list(telecom.tables)
    for name, df in telecom.tables.items():
        got = back.tables[name]
        pd.testing.assert_frame_equal(got, df, check_dtype=False, check_exact=False, rtol=1e-9,
                                      obj=name)
    assert back.contracts["start_date"].dtype.kind == "M"
    assert back.truth.customers["churn_type"].equals(telecom.truth.customers["churn_type"])
    assert back.truth.scalars["servqual_weights"] == telecom.truth.scalars["servqual_weights"]


def test_saved_files_are_byte_identical_for_the_same_arguments(tmp_path):
    a = crmlab.generate("bank", 200, seed=4).save(tmp_path / "a")
    b = crmlab.generate("bank", 200, seed=4).save(tmp_path / "b")
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert len(files) > 15
    match, mismatch, errors = filecmp.cmpfiles(a, b, files, shallow=False)
    assert not mismatch and not errors
    raw = (a / "customers.csv").read_bytes()
    assert b"\r\n" not in raw  # same line endings on every OS


def test_truth_is_saved_apart_from_observed_tables(tmp_path, telecom):
    path = telecom.save(tmp_path / "t")
    observed = {p.stem for p in path.glob("*.csv")}
    assert observed == set(telecom.tables)
    assert (path / "truth" / "customers.csv").exists()
    header = (path / "customers.csv").read_text().splitlines()[0]
    assert "satisfaction" not in header and "churn" not in header
    assert json.loads((path / "metadata.json").read_text())["seed"] == 2


def test_sqlite_has_tables_keys_and_the_same_rows(tmp_path, telecom):
    path = telecom.save(tmp_path / "t", format="sqlite")
    con = sqlite3.connect(path / "crm.sqlite")
    try:
        names = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
        assert names == set(telecom.tables)
        for name, df in telecom.tables.items():
            assert con.execute(f'select count(*) from "{name}"').fetchone()[0] == len(df)
        fks = con.execute("pragma foreign_key_list(orders)").fetchall()
        assert ("customers", "customer_id", "customer_id") in {(r[2], r[3], r[4]) for r in fks}
        pk = [r[1] for r in con.execute("pragma table_info(customers)") if r[5]]
        assert pk == ["customer_id"]
        con.execute("pragma foreign_keys = on")
        assert con.execute("pragma foreign_key_check").fetchall() == []
        total = con.execute(
            "select round(sum(o.amount), 2) from orders o join customers c using (customer_id)"
        ).fetchone()[0]
        assert total == pytest.approx(telecom.orders["amount"].sum())
    finally:
        con.close()


def test_build_sqlite_on_demand(tmp_path, telecom):
    path = telecom.save(tmp_path / "t")
    assert not (path / "crm.sqlite").exists()
    out = crmlab.build_sqlite(path)
    assert out.exists() and sqlite3.connect(out).execute("select count(*) from regions").fetchone()


def test_failed_save_leaves_nothing_behind(tmp_path, telecom, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(_dataset, "build_sqlite", boom)
    with pytest.raises(RuntimeError):
        telecom.save(tmp_path / "t", format="sqlite")
    assert list(tmp_path.iterdir()) == []


def test_failed_overwrite_keeps_the_old_dataset(tmp_path, telecom, monkeypatch):
    path = telecom.save(tmp_path / "t")
    before = (path / "orders.csv").read_bytes()
    monkeypatch.setattr(_dataset, "build_sqlite", lambda *a, **k: (_ for _ in ()).throw(OSError(28, "No space")))
    with pytest.raises(ValueError, match="cannot write dataset"):
        telecom.save(path, format="sqlite")
    assert (path / "orders.csv").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t"]


@pytest.mark.parametrize("where", ["file", "proc"])
def test_unwritable_destination_is_a_clear_error(tmp_path, telecom, where):
    if where == "file":
        blocker = tmp_path / "a-file"
        blocker.write_text("x")
        target = blocker / "data"
    else:
        target = "/proc/crmlab-cannot-write-here/data"
    with pytest.raises(ValueError, match="cannot write"):
        telecom.save(target)


def test_bad_format_and_target_that_is_a_file(tmp_path, telecom):
    with pytest.raises(ValueError, match="unknown format 'xlsx'; choose one of: csv, sqlite"):
        telecom.save(tmp_path / "t", format="xlsx")
    f = tmp_path / "f.csv"
    f.write_text("x")
    with pytest.raises(ValueError, match="is a file, not a folder"):
        telecom.save(f)


def test_load_errors_are_specific(tmp_path):
    with pytest.raises(ValueError, match="no dataset 'nowhere'.*retail"):
        crmlab.load("nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no dataset"):
        crmlab.load(tmp_path / "empty")


def test_load_rejects_a_tampered_table(tmp_path, telecom):
    path = telecom.save(tmp_path / "t")
    df = pd.read_csv(path / "orders.csv").drop(columns="margin")
    df.to_csv(path / "orders.csv", index=False)
    with pytest.raises(ValueError, match="orders table: missing column\\(s\\) 'margin'"):
        crmlab.load(path)


def test_load_committed_dataset_by_name():
    d = crmlab.load("retail")
    assert d.meta["n_customers"] == 5000 and len(d.customers) == 5000
    assert d.orders["order_date"].dtype.kind == "M"


def test_load_by_name_regenerates_when_datasets_folder_is_absent(tmp_path, monkeypatch):
    monkeypatch.setenv("CRMLAB_DATASETS", str(tmp_path / "none"))
    monkeypatch.setitem(io.DEFAULT_DATASETS, "b2b", dict(io.DEFAULT_DATASETS["b2b"]))
    d = crmlab.load("b2b")
    assert d.meta["scenario"] == "b2b" and d.meta["n_customers"] == 300
