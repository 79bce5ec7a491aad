"""Experiment configs and records are data: nothing they name is imported unless the caller opts
in, names cannot reach outside the output folder, strings never become markup, and records are
written all or nothing (so re-runs and interrupted sweeps know what is complete)."""

import json
import shutil
import sys
from pathlib import Path

import pytest

import fviz_widgets as fv
from fviz_widgets.experiments import IFVConfig, load_record, register_model, run_file, run_ifv, runner

SHIPPED = Path(__file__).resolve().parents[2] / "experiments" / "results"


@pytest.fixture
def evil_module(tmp_path, monkeypatch):
    """A module whose import leaves a file behind: proof that it was (not) imported."""
    flag = tmp_path / "IMPORTED"
    (tmp_path / "evil_factory.py").write_text(
        f"import pathlib\npathlib.Path({str(flag)!r}).write_text('x')\n"
        "import fviz_widgets as fv\n\ndef build():\n    return fv.zoo.shapes_cnn()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "evil_factory:build", flag
    sys.modules.pop("evil_factory", None)


def test_a_config_naming_a_function_is_not_imported_without_opting_in(evil_module, tmp_path):
    name, flag = evil_module
    config = IFVConfig.demo(model=name)
    with pytest.raises(ValueError, match="needs allow_import=True"):
        run_ifv(config, tmp_path / "out", progress=False)
    assert not flag.exists()
    record = run_ifv(config, tmp_path / "out", progress=False, figures=False, allow_import=True)
    assert flag.exists() and record.summary["n"] == 2


def test_opening_a_record_never_imports_what_it_names(evil_module, tmp_path):
    name, flag = evil_module
    record = run_ifv(IFVConfig.demo(), tmp_path, progress=False, figures=False)
    config = json.loads((record.path / "config.json").read_text())
    (record.path / "config.json").write_text(json.dumps({**config, "model": name}))
    shared = load_record(record.path)
    assert shared.config.model == name
    explorer = fv.IFVExplorer(shared)
    with pytest.raises(ValueError, match="needs allow_import=True"):
        explorer.reoptimize(0)
    assert not flag.exists()


def test_models_registered_in_python_need_no_import(tmp_path):
    register_model("tiny_shapes", lambda: fv.zoo.shapes_cnn("softplus"))
    record = run_ifv(IFVConfig.demo(model="tiny_shapes"), None, progress=False)
    assert record.summary["m"] == 4
    with pytest.raises(ValueError, match="a model name is letters"):
        register_model("bad:name", lambda: None)


@pytest.mark.parametrize("name", ["../outside", "/absolute", "a/../../b", ".hidden", "a\\b", "a//b", "", "x" * 300,
                                  "a b", "na<me>"])
def test_record_names_cannot_leave_the_output_folder(name):
    with pytest.raises(ValueError, match="invalid record name"):
        IFVConfig.demo(name=name)


def test_sweep_labels_are_checked_too():
    with pytest.raises(ValueError, match="invalid record name"):
        fv.experiments.expand({"name": "s", "base": {"layer": "conv3"}, "sweep": {"layer": ["../conv3"]}})


def test_out_is_checked_before_anything_is_computed(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(runner, "feature_count", lambda *a, **k: calls.append(1) or 4)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(NotADirectoryError, match="is a file"):
        run_ifv(IFVConfig.demo(), blocker, progress=False)
    assert calls == []


def test_records_are_written_all_or_nothing(tmp_path, monkeypatch):
    config = IFVConfig.demo()
    good = run_ifv(config, tmp_path, progress=False, figures=False)
    before = {p.name: p.read_bytes() for p in good.path.iterdir()}

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("fviz_widgets.viz.figures.record_figures", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_ifv(config, tmp_path, progress=False, overwrite=True)  # figures=True: interrupted while writing
    assert {p.name: p.read_bytes() for p in good.path.iterdir()} == before, "the good record is untouched"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"], "no half-written folder is left"
    fresh = tmp_path / "fresh"
    with pytest.raises(KeyboardInterrupt):
        run_ifv(config, fresh, progress=False)
    assert not (fresh / "demo").exists()


def test_a_re_run_keeps_a_complete_record_of_the_same_config_and_refuses_another(tmp_path, monkeypatch):
    config = IFVConfig.demo()
    first = run_ifv(config, tmp_path, progress=False, figures=False)
    calls = []
    monkeypatch.setattr(runner, "feature_count", lambda *a, **k: calls.append(1) or 4)
    again = run_ifv(config, tmp_path, progress=False)
    assert calls == [] and again.summary == json.loads(json.dumps(first.summary))
    with pytest.raises(FileExistsError, match="another config; pass overwrite=True"):
        run_ifv(IFVConfig.demo(seed=1), tmp_path, progress=False)
    monkeypatch.undo()
    replaced = run_ifv(IFVConfig.demo(seed=1), tmp_path, progress=False, figures=False, overwrite=True)
    assert load_record(replaced.path).config.seed == 1


def test_an_interrupted_sweep_resumes_with_the_records_it_has(tmp_path, monkeypatch):
    spec = {"name": "sweep", "base": IFVConfig.demo().to_dict(), "sweep": {"channels": [2, 3, 4]}}
    spec["base"].pop("name")
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps(spec))
    calls, interrupt = [], [True]
    chunk = runner.realize_chunk

    def counted(config, *args):
        calls.append(config["channels"])
        if interrupt[0] and len(calls) == 2:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C during the second experiment
        return chunk(config, *args)

    monkeypatch.setattr(runner, "realize_chunk", counted)
    with pytest.raises(KeyboardInterrupt):
        run_file(path, tmp_path / "out", progress=False, fast=False)
    assert sorted(p.name for p in (tmp_path / "out" / "sweep").iterdir()) == ["channels=2"]
    calls.clear()
    interrupt[0] = False
    records = run_file(path, tmp_path / "out", progress=False, fast=False)
    assert calls == [3, 4] and [r.summary["m"] for r in records] == [2, 3, 4]


HOSTILE = '<img src=x onerror="window.pwned=1">'


def test_strings_from_a_record_never_become_markup(tmp_path):
    record = run_ifv(IFVConfig.demo(critical_space={"samples": 2}), None, progress=False)
    record.config = IFVConfig.demo(model="shapes_cnn", layer=HOSTILE + "`code` [link](javascript:x)")
    record.critical_spaces = [dict(row, trivial=[HOSTILE]) for row in record.critical_spaces]
    record.versions = {**record.versions, "torch": HOSTILE}
    text = record._repr_markdown_()
    assert "<img" not in text and "&lt;img" in text
    assert "`code`" not in text and "[link](javascript" not in text
    folder = record.write(tmp_path / "hostile", figures=False)
    assert "<img" not in fv.experiments.overview(folder.parent)


@pytest.mark.skipif(not SHIPPED.is_dir(), reason="the repository's experiment results are not here")
def test_the_shipped_records_open_and_say_what_they_lack():
    folders = sorted(p.parent for p in SHIPPED.rglob("config.json"))
    assert len(folders) >= 17
    for folder in folders:
        record = load_record(folder)
        assert record.arrays == {} and "| quantity |" in record.markdown()
        assert repr(record).startswith("ExperimentRecord(")
    with pytest.raises(FileNotFoundError, match="summary only, not its samples"):
        fv.IFVExplorer(folders[0])
    with pytest.raises(FileNotFoundError, match="no per-sample arrays"):
        load_record(folders[0]).results()
    assert fv.experiments.overview(SHIPPED).count("\n") >= 18


def test_copying_a_record_keeps_it_loadable(tmp_path):
    record = run_ifv(IFVConfig.demo(), tmp_path / "a", progress=False, figures=False)
    shutil.copytree(record.path, tmp_path / "b" / "demo")
    assert load_record(tmp_path / "b" / "demo").compare(record)["max_abs_difference"] == 0.0


def test_saved_files_get_the_usual_permissions_not_mkstemps_0600(tmp_path):
    import os

    from fviz_widgets.core.files import atomic_file

    with atomic_file(tmp_path / "x.png") as partial:
        partial.write_bytes(b"png")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "x.png").stat().st_mode & 0o777 == 0o666 & ~mask
