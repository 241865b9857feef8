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
