"""The command line: bad input gets one readable message and exit code 1, never a traceback."""

from __future__ import annotations

from landkit.cli import main


def test_missing_file_is_a_message(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nofile.gpkg")]) == 1
    err = capsys.readouterr().err
    assert "nofile.gpkg" in err and "Traceback" not in err


def test_bad_scenario_key_is_named(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nmodels:\n  reserve: {enabled: true, budjet: 3}\n", encoding="utf-8")
    assert main(["run", str(bad), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "models.reserve.budjet" in err and "budget_wan_yuan" in err
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_store_info_and_upgrade(tmp_path, capsys):
    from landkit.store import open_store
    from landkit.store._backend import GeoPackageBackend
    from landkit.store.schema import ensure_schema

    path = tmp_path / "old.gpkg"
    backend = GeoPackageBackend(path)
    ensure_schema(backend, target=1)  # written by a landkit without the reserve ledger
    backend.close()
    assert main(["store", "info", str(path)]) == 1
    assert "landkit store upgrade" in capsys.readouterr().err
    assert main(["store", "upgrade", str(path)]) == 0
    assert "store schema version 2" in capsys.readouterr().out
    with open_store(path, user="dan") as store:
        store.ledger.record_acquisition("P1", on="2020-01-01", area_mu=3, compensation_wan_yuan=30)
    assert main(["store", "info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "parcels 1" in out and "held_mu 3.0" in out
    assert main(["store", "info", str(tmp_path / "none.gpkg")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_store_import_validates_like_files(tmp_path, capsys):
    import landkit
    from landkit.store import open_store

    target = tmp_path / "store.gpkg"
    sample = landkit.sample_path("tanyi.gpkg")
    assert main(["store", "import", str(target), str(sample), "--layer", "DLTB"]) == 0
    assert main(["store", "import", str(target), str(sample), "--layer", "CZKFBJ", "--kind", "zoning"]) == 0
    with open_store(target) as store:
        layers = store.layers().set_index("name")
        assert layers.loc["DLTB", "kind"] == "parcels" and layers.loc["CZKFBJ", "kind"] == "zoning"
        assert len(store.read_parcels()) == layers.loc["DLTB", "n_rows"]
    bad = tmp_path / "bad.gpkg"
    parcels = landkit.read_parcels(sample).iloc[:20].reset_index(drop=True)
    parcels.loc[5, "DLBM"] = "9999"
    parcels.to_file(bad, layer="DLTB")
    capsys.readouterr()
    assert main(["store", "import", str(target), str(bad)]) == 1  # refused, with the BSM and the code
    err = capsys.readouterr().err
    assert "9999" in err and str(parcels.loc[5, "BSM"]) in err


def test_run_kept_in_a_store(tmp_path, capsys):
    import landkit
    from landkit.store import open_store

    scenario = landkit.sample_path("scenarios/baseline.yaml")
    target = tmp_path / "runs.gpkg"
    assert main(["run", str(scenario), "--out", str(tmp_path / "b"), "--quiet", "--store", str(target)]) == 0
    assert "as run 1" in capsys.readouterr().out
    with open_store(target) as store:
        assert list(store.runs()["scenario"]) == ["baseline"]
        assert not store.run_kpis().empty
