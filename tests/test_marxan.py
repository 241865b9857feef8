"""Tests of the Marxan reader and writer (landkit.select.from_marxan / to_marxan)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from landkit import ValidationError
from landkit.select import (
    SelectionProblem,
    evaluate_selection,
    from_marxan,
    read_marxan_solution,
    to_marxan,
)
from landkit.select.marxan import read_marxan_table

SOLVERS = ["highs", "cbc"]


def _write(path: Path, rows: list[str], *, sep: str | None = "\t", newline: str = "\r\n") -> None:
    """Write rows, replacing single spaces by ``sep`` (rows as given when ``sep`` is None)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = newline.join(r if sep is None else r.replace(" ", sep) for r in rows)
    path.write_bytes((text + newline).encode())


# The line of four units from test_select plus a fifth, locked-out unit that holds a lot:
#
#   [1]--[2]--[3]--[4]    [5]      cost    2  3  4  1  1     status 2 (unit 1) and 3 (unit 5)
#                                  a       1  1  0  1  5     total 8, prop 0.25   -> target 2
#                                  b       0  1  1  0  5     total 7, prop 1/7    -> target 1
#   shared edges 1-2, 2-3, 3-4 of length 1; exposed (diagonal rows) 1 for units 1 and 4, 4 for unit 5.
#
# Unit 5 is locked out, so the targets need a in two of {1, 2, 4} and b in 2 or 3. Unit 1 is locked in.
# BLM 1: {1,2} costs 5 with boundary exp1 + e23 = 2, objective 7 (the unlocked optimum is {1,2} too).
# BLM 0: sets holding unit 1: {1,2} = 5, {1,2,4} = 6, {1,3,4} = 7 ... so {1,2} with cost 5.


@pytest.fixture
def marxan_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "line"
    _write(folder / "input.dat", [
        "Input file for Annealing program.",
        "",
        "General Parameters",
        "BLM 1",
        "NUMREPS 10",
        "INPUTDIR input",
        "PUNAME PU.DAT",
        "SPECNAME spec.dat",
        "PUVSPRNAME puvspr.dat",
        "BOUNDNAME Bound.dat",
    ], sep=" ")
    _write(folder / "input" / "pu.dat", ["id cost status", "1 2 2", "2 3 0", "3 4 0", "4 1 0", "5 1 3"])
    _write(folder / "input" / "spec.dat", ["id prop spf name", "1 0.25 10 a", "2 0.142857142857143 10 b"])
    _write(folder / "input" / "puvspr.dat", [
        "species pu amount", "1 1 1", "1 2 1", "2 2 1", "2 3 1", "1 4 1", "1 5 5", "2 5 5",
    ])
    _write(folder / "input" / "bound.dat", [
        "id1 id2 boundary", "1 2 1", "2 3 1", "3 4 1", "1 1 1", "4 4 1", "5 5 4",
    ])
    return folder


def test_from_marxan_reads_everything(marxan_folder):
    p = from_marxan(marxan_folder)
    assert list(p.unit_ids) == [1, 2, 3, 4, 5]
    assert p.cost.tolist() == [2.0, 3.0, 4.0, 1.0, 1.0]
    assert list(p.locked_in) == [1] and list(p.locked_out) == [5]
    assert p.blm == 1.0
    assert list(p.feature_names) == ["a", "b"]
    assert p.relative_targets
    assert p.targets.to_numpy() == pytest.approx([2.0, 1.0])
    assert p.edges["boundary"].tolist() == [1.0, 1.0, 1.0]
    exposed = p.boundary.query("id1 == id2").set_index("id1")["boundary"]
    assert exposed.to_dict() == {1: 1.0, 4: 1.0, 5: 4.0}
    assert p.metadata["marxan_spf"].tolist() == [10.0, 10.0]
    p.check()


@pytest.mark.parametrize("solver", SOLVERS)
def test_from_marxan_solves_marxans_objective(marxan_folder, solver):
    p = from_marxan(marxan_folder)
    result = p.solve(solver=solver)
    assert list(result.selected) == [1, 2]
    assert result.objective == pytest.approx(7.0)
    ev = result.evaluation
    assert (ev.cost, ev.boundary) == pytest.approx((5.0, 2.0))
    result = p.with_blm(0.0).solve(solver=solver)
    assert list(result.selected) == [1, 2]
    assert result.objective == pytest.approx(5.0)


def test_round_trip(marxan_folder, tmp_path):
    p = from_marxan(marxan_folder)
    out = to_marxan(p, tmp_path / "copy")
    q = from_marxan(out)
    assert q.unit_ids.equals(p.unit_ids)
    assert q.cost.equals(p.cost)
    pd.testing.assert_frame_equal(q.features, p.features)
    pd.testing.assert_frame_equal(q.boundary, p.boundary)
    assert list(q.locked_in) == [1] and list(q.locked_out) == [5]
    assert q.blm == p.blm and q.relative_targets
    pd.testing.assert_series_equal(q.targets, p.targets)
    assert q.metadata["marxan_spf"].tolist() == [10.0, 10.0]
    assert q.solve().objective == pytest.approx(7.0)
    params = (out / "input.dat").read_text()
    assert "BOUNDNAME bound.dat" in params and "NUMREPS" in params
    assert not list(tmp_path.glob(".copy*")), "no temporary folder left behind"


def test_round_trip_of_a_built_problem(tmp_path):
    rng = np.random.default_rng(5)
    units = pd.DataFrame({"land": rng.uniform(1, 5, 6), "works": rng.uniform(0, 1, 6)}, index=range(10, 16))
    feats = pd.DataFrame(rng.uniform(0, 3, (6, 2)), index=units.index, columns=["鸟类", "湿地"])
    bnd = pd.DataFrame({"id1": [10, 11, 12, 10], "id2": [11, 12, 13, 10], "boundary": [1.5, 2.0, 0.5, 3.0]})
    p = SelectionProblem(units, feats, cost={"land": 1.0, "works": 2.0}, boundary=bnd, blm=0.25,
                         locked_out=[15]).with_min_set({"鸟类": 2.0, "湿地": 1.0})
    q = from_marxan(to_marxan(p, tmp_path / "m"))
    assert q.cost.to_numpy() == pytest.approx(p.cost.to_numpy(), rel=1e-15)
    assert list(q.feature_names) == ["鸟类", "湿地"]
    assert not q.relative_targets
    assert q.targets.to_numpy() == pytest.approx([2.0, 1.0])
    assert q.solve().objective == pytest.approx(p.solve().objective, rel=1e-9)
    with pytest.raises(ValidationError, match="already exists"):
        to_marxan(p, tmp_path / "m")
    to_marxan(p.with_blm(0.0), tmp_path / "m", overwrite=True)
    assert from_marxan(tmp_path / "m").blm == 0.0


def test_to_marxan_refuses_what_marxan_cannot_hold(tmp_path):
    units = pd.DataFrame({"cost": [1.0, 2.0]}, index=["a", "b"])
    feats = pd.DataFrame({"f": [1.0, 1.0]}, index=units.index)
    with pytest.raises(ValidationError) as info:
        to_marxan(SelectionProblem(units, feats).with_max_utility(1.0), tmp_path / "x")
    assert set(info.value.by_kind()) == {"marxan"}
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("ids", [
    pd.Index(["371325000000001600", "371325000000001601", "371325000000001602", "村-A"], dtype="string"),
    pd.Index([371325000000001600, 371325000000001601, 371325000000001602, 2**31], dtype="int64"),
], ids=["BSM text", "too large for Marxan's int"])
def test_ids_marxan_cannot_hold_are_renumbered_and_restored(tmp_path, ids):
    units = pd.DataFrame({"cost": [1.0, 2.0, 3.0, 4.0]}, index=ids)
    feats = pd.DataFrame({"f": [1.0, 1.0, 2.0, 0.0], "g": [0.0, 1.0, 1.0, 1.0]}, index=ids)
    edges = pd.DataFrame({"id1": [ids[0], ids[1], ids[3]], "id2": [ids[1], ids[2], ids[3]],
                          "boundary": [1.0, 2.0, 3.0]})
    problem = SelectionProblem(units, feats, boundary=edges, blm=0.5, locked_out=[ids[3]]).with_min_set(
        {"f": 2.0, "g": 1.0})
    folder = to_marxan(problem, tmp_path / "m")
    pu = read_marxan_table(folder / "input" / "pu.dat")
    assert pu["id"].tolist() == ["1", "2", "3", "4"]  # what Marxan can hold
    back = from_marxan(folder)
    assert back.unit_ids.tolist() == ids.tolist() and back.locked_out.tolist() == [ids[3]]
    assert any("restored" in n for n in back.notes)
    best = problem.solve(mip_gap=0.0)
    again = back.solve(mip_gap=0.0)
    assert again.objective == pytest.approx(best.objective) and set(again.selected) == set(best.selected)
    # a Marxan solution file in the project's output folder comes back with the units' own ids
    (folder / "output" / "output_best.csv").write_text("PUID,SOLUTION\n1,1\n2,0\n3,1\n4,0\n", encoding="utf-8")
    chosen = read_marxan_solution(folder / "output" / "output_best.csv")
    assert chosen.tolist() == [ids[0], ids[2]]
    assert problem.evaluate(chosen).cost == pytest.approx(4.0)
    (folder / "output" / "other.csv").write_text("PUID,SOLUTION\n9,1\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="not in it"):
        read_marxan_solution(folder / "output" / "other.csv")


def test_long_whole_number_ids_are_read_exactly(tmp_path):
    folder = tmp_path / "big"
    big = [371325000000001600, 371325000000001601]  # beyond float precision: must not collide
    _write(folder / "input" / "pu.dat", ["id,cost,status", f"{big[0]},1,0", f"{big[1]},2,0"], sep=None)
    _write(folder / "input" / "spec.dat", ["id,target,name", "1,1,f"], sep=None)
    _write(folder / "input" / "puvspr.dat", ["species,pu,amount", f"1,{big[0]},1", f"1,{big[1]},1"], sep=None)
    problem = from_marxan(folder)
    problem.check()
    assert problem.unit_ids.tolist() == big


def test_prop_and_target_take_the_larger_with_a_note(tmp_path):
    folder = tmp_path / "both"
    _write(folder / "input.dat", ["BLM 0", "INPUTDIR input"], sep=" ", newline="\n")
    _write(folder / "input" / "pu.dat", ["id,cost,status", "1,1,0", "2,1,0", "3, 1, 1"], sep=None, newline="\n")
    _write(folder / "input" / "spec.dat", ["id,target,prop,spf", "1,2,0.5,1", "2,1,0.9,1"], sep=None,
           newline="\n")
    _write(folder / "input" / "puvspr.dat", ["species,pu,amount", "1,1,1", "1,2,1", "1,3,1", "2,1,2", "2,3,1"],
           sep=None, newline="\n")
    p = from_marxan(folder)
    # feature 1: target 2 vs 0.5 * 3 = 1.5 -> 2; feature 2: target 1 vs 0.9 * 3 = 2.7 -> 2.7
    assert p.targets.to_numpy() == pytest.approx([2.0, 2.7])
    assert list(p.feature_names) == [1, 2]
    text = " ".join(p.notes)
    assert "larger requirement: 1 (target), 2 (prop)" in text
    assert "status 1" in text
    assert not p.has_boundary  # no BOUNDNAME


def test_space_separated_without_input_dat(tmp_path):
    folder = tmp_path / "plain"
    _write(folder / "input" / "pu.dat", ["id  cost", "1  3", "2  1"], sep=None, newline="\n")
    _write(folder / "input" / "spec.dat", ["id target", "7 1"], sep=" ", newline="\n")
    _write(folder / "input" / "puvspr.dat", ["species pu amount", "7 1 1", "7 2 1"], sep=" ", newline="\n")
    _write(folder / "input" / "bound.dat", ["id1 id2 boundary", "1 2 1"], sep=" ", newline="\n")
    p = from_marxan(folder)
    assert p.blm == 0.0 and p.has_boundary
    assert any("no input.dat" in n for n in p.notes)
    assert list(p.solve().selected) == [2]


def test_missing_bound_file_means_no_boundary(marxan_folder):
    (marxan_folder / "input" / "bound.dat").unlink()
    p = from_marxan(marxan_folder)
    assert not p.has_boundary
    assert any("not found: no boundary" in n for n in p.notes)


def test_missing_table_is_an_error(marxan_folder):
    (marxan_folder / "input" / "puvspr.dat").unlink()
    with pytest.raises(ValidationError, match="PUVSPRNAME file not found"):
        from_marxan(marxan_folder)


def test_bad_marxan_data_is_reported_by_check(marxan_folder):
    _write(marxan_folder / "input" / "pu.dat", ["id cost status", "1 2 4", "2 -3 0", "3 4 0", "4 1 0", "5 1 3"])
    with (marxan_folder / "input" / "puvspr.dat").open("ab") as fh:
        fh.write(b"2\t99\t1\r\n")
    p = from_marxan(marxan_folder)
    with pytest.raises(ValidationError) as info:
        p.check()
    assert {"bad_status", "negative_cost", "unknown_id"} <= set(info.value.by_kind())


def test_unreachable_prop_target_in_marxan_data(marxan_folder):
    # with unit 5 locked out, a has 3 of 8 available: prop 0.5 (4) is out of reach by 1
    _write(marxan_folder / "input" / "spec.dat", ["id prop spf name", "1 0.5 10 a", "2 0.1 10 b"])
    with pytest.raises(ValidationError, match="target 4 exceeds the 3 available outside locked-out units by 1"):
        from_marxan(marxan_folder).check()


def test_read_marxan_solutions_and_compare(marxan_folder, tmp_path):
    p = from_marxan(marxan_folder)
    best = tmp_path / "output_best.csv"
    best.write_bytes(b"planning_unit,solution\r\n1,1\r\n2,1\r\n3,0\r\n4,0\r\n5,0\r\n")
    selected = read_marxan_solution(best)
    assert list(selected) == [1, 2]
    ev = evaluate_selection(p, selected)
    assert ev.feasible and ev.objective == pytest.approx(7.0)
    matrix = tmp_path / "output_solutionsmatrix.csv"
    matrix.write_text("SolutionsMatrix,P1,P2,P3,P4,P5\nS1,1,1,0,0,0\nS2,0,1,0,1,0\n")
    assert list(read_marxan_solution(matrix, run=2)) == [2, 4]
    ev = evaluate_selection(p, read_marxan_solution(matrix, run=2))
    assert not ev.feasible and "locked-in unit 1" in ev.violations[0]
    assert ev.objective == pytest.approx(4.0 + 4.0)
    with pytest.raises(ValueError, match="pass run="):
        read_marxan_solution(matrix)
    txt = tmp_path / "output_r00001.txt"
    txt.write_text("PUID SOLUTION\n1 1\n2 1\n3 0\n4 1\n5 0\n")
    assert list(read_marxan_solution(txt)) == [1, 2, 4]


def test_windows_style_input_dat(marxan_folder):
    text = (marxan_folder / "input.dat").read_bytes().replace(b"INPUTDIR input", b"INPUTDIR .\\input\\")
    text = text.replace(b"BLM 1", b"BLM 1.0000000000000000E+00")
    (marxan_folder / "input.dat").write_bytes(text)
    p = from_marxan(marxan_folder / "input.dat")
    assert p.blm == 1.0 and p.has_boundary and len(p.unit_ids) == 5


# --------------------------------------------------------------------------- read what Marxan reads (#24)
def _project_with_bound(tmp_path, bound_text: str, extra_input: str = "") -> Path:
    folder = tmp_path / "proj"
    (folder / "input").mkdir(parents=True)
    (folder / "input.dat").write_text("BLM 1\nINPUTDIR input\nPUNAME pu.dat\nSPECNAME spec.dat\n"
                                      "PUVSPRNAME puvspr.dat\nBOUNDNAME bound.dat\nNUMITNS 1000000\n" + extra_input,
                                      encoding="utf-8")
    (folder / "input" / "pu.dat").write_text("id,cost,status\n1,1,0\n2,1,0\n3,1,0\n", encoding="utf-8")
    (folder / "input" / "spec.dat").write_text("id,target,spf,name\n1,1,1000,f\n", encoding="utf-8")
    (folder / "input" / "puvspr.dat").write_text("species,pu,amount\n1,1,1\n1,2,1\n1,3,1\n", encoding="utf-8")
    (folder / "input" / "bound.dat").write_text(bound_text, encoding="utf-8")
    return folder


def test_bound_columns_are_read_by_position_and_each_edge_counts_once(tmp_path) -> None:
    from landkit.select import evaluate_selection, from_marxan

    # header id1,id2,amount (Marxan reads by position); every edge in both directions; unit 1's exposed
    # boundary in two rows (they add up: 1 + 0.5)
    text = "id1,id2,amount\n1,2,2\n2,1,2\n2,3,3\n3,2,3\n1,1,1\n1,1,0.5\n"
    problem = from_marxan(_project_with_bound(tmp_path, text))
    notes = " ".join(problem.notes)
    assert "by position" in notes and "2 rows list an edge again (2 in the reverse direction)" in notes
    assert "no boundary file" not in notes  # the note never contradicts the files
    assert "NUMITNS" in notes  # Marxan's search settings are named as not used
    # selecting units 1 and 2: unit 1's exposed 1.5 + the cut edge 2-3 (3) = 4.5 (twice-listed edges gave 7.5)
    ev = evaluate_selection(problem, [1, 2])
    assert ev.boundary == pytest.approx(4.5)
    assert ev.objective == pytest.approx(2 + 4.5)


def test_a_bound_file_without_header_is_read_from_its_first_line(tmp_path) -> None:
    from landkit.select import evaluate_selection, from_marxan

    problem = from_marxan(_project_with_bound(tmp_path, "1 2 2\n2 3 3\n"))
    assert any("no header line" in n for n in problem.notes)
    assert evaluate_selection(problem, [1]).boundary == pytest.approx(2.0)  # the first line is an edge


def test_unknown_input_dat_keys_are_reported(tmp_path) -> None:
    from landkit.select import from_marxan

    problem = from_marxan(_project_with_bound(tmp_path, "id1\tid2\tboundary\n1\t2\t1\n", "ASYMMETRICCONNECTIVITY 1\n"))
    assert any("ASYMMETRICCONNECTIVITY" in n and "not used by landkit" in n for n in problem.notes)
