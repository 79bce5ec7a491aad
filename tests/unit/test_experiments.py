"""IFV experiment configs, records, reproducibility, executors (inline and Dask) and the CLI."""

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from fviz_widgets import cli
from fviz_widgets.experiments import (
    IFVConfig,
    expand,
    load_configs,
    load_record,
    realize_chunk,
    reoptimize_chunk,
    run_ifv,
)

CONFIGS = Path(__file__).resolve().parents[2] / "experiments" / "configs"

TINY = dict(
    name="tiny", model="shapes_cnn", model_kwargs={"activation": "softplus"}, layer="conv3", channels=8,
    n_sampled=5, n_canonical=2, size=32, adam_steps=40, lbfgs_steps=10, reopt_steps=6, batch_size=4,
    critical_space={"samples": 5, "angle_limit": 30}, seed=3, threads=1,
)


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    return run_ifv(IFVConfig.from_dict(TINY), tmp_path_factory.mktemp("records"), progress=False)


def test_config_round_trip_validation_and_sweeps():
    config = IFVConfig.from_dict(TINY)
    assert IFVConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    with pytest.raises(ValueError, match="unknown IFV config key"):
        IFVConfig.from_dict({"betta": 2})
    with pytest.raises(ValueError, match="aggregation"):
        IFVConfig.from_dict({"aggregation": "median"})
    with pytest.raises(ValueError, match="select"):
        IFVConfig(critical_space={"select": "widest"})
    sweep = expand({"name": "s", "base": {"layer": "conv3"}, "sweep": {"beta": [0, 2], "channels": [4, 8]}})
    assert [c.name for c in sweep] == ["s/beta=0,channels=4", "s/beta=0,channels=8", "s/beta=2,channels=4",
                                       "s/beta=2,channels=8"]
    assert {(c.features.beta, len(c.features.channels)) for c in sweep} == {(0, 4), (0, 8), (2, 4), (2, 8)}
    cases = expand({"name": "p", "base": {"layer": "conv3"}, "cases": [{"param": "fft", "lr": 0.2}, {"param": "pixel"}],
                    "sweep": {"beta": [0, 2]}})
    assert [c.name for c in cases] == ["p/param=fft,lr=0.2,beta=0", "p/param=fft,lr=0.2,beta=2",
                                       "p/param=pixel,beta=0", "p/param=pixel,beta=2"]
    assert cases[1].lr == 0.2 and cases[2].lr == IFVConfig().lr
    fast = IFVConfig().fast()
    assert fast.adam_steps <= 64 and fast.n_sampled <= 8 and fast.size <= 32


def test_shipped_configs_parse():
    files = sorted(CONFIGS.glob("*.json"))
    assert {f.stem for f in files} >= {"simple_conv", "classifier", "classifier_holdout", "beta_sweep", "params"}
    for path in files:
        configs = load_configs(path, fast=False)
        assert configs and all(isinstance(c, IFVConfig) for c in configs)
        assert len({c.name for c in configs}) == len(configs)


def test_record_folder_holds_config_versions_arrays_tables_and_figures(record):
    path = record.path
    for name in ("config.json", "versions.json", "summary.json", "summary.md", "summary.csv", "samples.npz",
                 "critical_spaces.json", "figures/angles.png", "figures/ssim.png", "figures/coefficients.png",
                 "figures/realizations.png"):
        assert (path / name).is_file(), name
    versions = json.loads((path / "versions.json").read_text())
    assert {"python", "torch", "numpy", "fviz_widgets"} <= set(versions)
    s = record.summary
    assert s["n"] == 7 and s["m"] == 8 and s["n_canonical"] == 2
    a = record.arrays
    assert a["images"].shape == (7, 32, 32, 3) and a["theta_hat"].shape == (7, 8)
    assert a["left_singular_vectors"].shape == (7, 8, 8) and a["ssim_random"].shape == (7,)
    assert list(a["kinds"][-2:]) == ["e0", "e7"]
    assert "| ∠(θ̂, θ₀) predicted (°) |" in (path / "summary.md").read_text()
    assert (path / "summary.csv").read_text().startswith("quantity,median,mean,p10,p90")
    assert record.critical_spaces and sum(bool(r.get("selected")) for r in record.critical_spaces) == 1
    print(record.markdown())


def test_load_record_and_rerun_reproduce_the_numbers(record, tmp_path):
    loaded = load_record(record.path)
    assert loaded.config == record.config and loaded.summary == json.loads(json.dumps(record.summary))
    assert loaded.compare(record)["max_abs_difference"] == 0.0
    again = run_ifv(loaded.config, tmp_path, figures=False, progress=False)
    assert again.path == tmp_path / "tiny"
    assert loaded.compare(again) == {"max_abs_difference": 0.0, "where": None}
    results = loaded.results()
    assert len(results) == 7 and results[0].critical_space is not None
    np.testing.assert_allclose(results[0].theta, loaded.arrays["theta_hat_critical"][0])


def test_work_units_are_picklable_top_level_functions(record):
    config = record.config.to_dict()
    for fn in (realize_chunk, reoptimize_chunk):
        assert pickle.loads(pickle.dumps(fn)) is fn
    args = (config, 0, record.arrays["targets"][:2])
    assert pickle.loads(pickle.dumps(args))[0] == config


def test_the_same_experiment_runs_on_a_dask_cluster(record):
    distributed = pytest.importorskip("dask.distributed",
                                      reason="dask[distributed] is not installed (the `distributed` extra)")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        on_dask = run_ifv(record.config, None, executor=client.get_executor(), progress=False)
    assert record.compare(on_dask)["max_abs_difference"] == 0.0


def test_cli_runs_a_config_file_into_a_record(tmp_path, capsys):
    config = dict(TINY, name="cli", n_sampled=2, n_canonical=0, reopt_steps=0, critical_space=None, adam_steps=8,
                  lbfgs_steps=2)
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(config))
    assert cli.main(["ifv", "run", str(path), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "# IFV experiment cli" in out and "records:" in out
    assert load_record(tmp_path / "out" / "cli").summary["n"] == 2
    # --batch-size and --device override the file; the record keeps what was used
    assert cli.main(["ifv", "run", str(path), "--out", str(tmp_path / "other"), "--batch-size", "1", "--device", "cpu"]) == 0
    assert load_record(tmp_path / "other" / "cli").config.batch_size == 1
    # --dask local: the work units run on a LocalCluster, into the same record
    assert cli.main(["ifv", "run", str(path), "--out", str(tmp_path / "dask"), "--dask", "local"]) == 0
    on_dask = load_record(tmp_path / "dask" / "cli")
    # equal to rounding: the CLI's local cluster splits the work over its own worker processes, and
    # on this machine they differed from the local run in the last bit (2e-16) whatever the commit
    assert load_record(tmp_path / "out" / "cli").compare(on_dask)["max_abs_difference"] < 1e-12
    # summarize: one table row per record, medians from its summary.json
    capsys.readouterr()
    assert cli.main(["ifv", "summarize", str(tmp_path)]) == 0
    table = capsys.readouterr().out.splitlines()
    rows = [line for line in table if line.startswith("| cli |")]
    median = load_record(tmp_path / "out" / "cli").summary["angle_predicted_median"]
    assert len(rows) == 3 and f"| {median:.1f} |" in rows[2]  # rows sorted by path: dask/, other/, out/
    capsys.readouterr()
    assert cli.main(["ifv", "summarize", str(tmp_path / "nothing")]) == 2
    assert capsys.readouterr().err.startswith("fviz: error: no experiment records")


def test_shipped_summary_only_records_say_what_they_hold_and_how_to_get_the_rest():
    import fviz_widgets as fv

    shipped = Path(__file__).resolve().parents[2] / "experiments" / "results" / "classifier_wd"
    with pytest.raises(FileNotFoundError, match=r"holds the records model_kwargs=relu-True.*load one of them"):
        load_record(shipped)
    record = load_record(shipped / "model_kwargs=relu-True")
    assert record.arrays == {} and record.summary["n"] > 0
    with pytest.raises(FileNotFoundError, match="fviz ifv run"):
        record.results()
    with pytest.raises(FileNotFoundError, match=r"summary only.*record.markdown\(\)"):
        fv.IFVExplorer(record)
