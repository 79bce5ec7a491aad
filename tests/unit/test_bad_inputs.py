"""The reliability catalogue: one row per bad input a user or a file can hand the engine.

Each row either names the error (type and the words that tell the fix) or checks the exact
result that the input must give. Rows are grouped as in the issue that listed them.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import fviz_widgets as fv
from fviz_widgets import cli, ifv
from fviz_widgets.datasets import make_shapes


@pytest.fixture(scope="module")
def model():
    return fv.zoo.shapes_cnn()


def quick(model, objective="conv3:5", **kwargs):
    return fv.render(model, objective, **{"size": 32, "steps": 3, "progress": False, **kwargs})


def walk():
    return fv.unit_invariance(fv.QuadraticForm.random(16, seed=0), k=1, progress=False).walk("most", frames=4)


# --- arguments: validated up front, the message names the argument and the fix --------------------
ERRORS = [
    ("size as a string", lambda m: quick(m, size="64"), TypeError, r"size must be a positive int or a pair"),
    ("size zero", lambda m: quick(m, size=0), ValueError, r"size must be a positive int"),
    ("batch 0", lambda m: quick(m, batch=0), ValueError, r"batch must be ≥ 1"),
    ("batch 1.5", lambda m: quick(m, batch=1.5), TypeError, r"batch must be an integer"),
    ("no steps at all", lambda m: quick(m, steps=0), ValueError, r"nothing to optimize; pass steps ≥ 1"),
    ("negative steps", lambda m: quick(m, steps=-1), ValueError, r"steps must be ≥ 0"),
    ("float seed", lambda m: quick(m, seed=1.5), TypeError, r"seed must be an integer"),
    ("negative lr", lambda m: quick(m, lr=-0.1), ValueError, r"lr must be a finite number > 0"),
    ("callback not callable", lambda m: quick(m, callback=42), TypeError, r"callback must be a function"),
    ("threshold 0", lambda m: quick(m, thresholds=[0, 2]), ValueError, r"thresholds entry must be ≥ 1"),
    ("threshold past the end", lambda m: quick(m, thresholds=[2, 99]), ValueError,
     r"thresholds \[99\] lie beyond the last step \(3"),
    ("objective ':5'", lambda m: quick(m, ":5"), ValueError, r"the layer is missing before ':'"),
    ("objective ':'", lambda m: quick(m, ":"), ValueError, r"the layer is missing before ':'"),
    ("objective ''", lambda m: quick(m, ""), fv.LayerError, r"'' is not a layer name"),
    ("objective 'conv3:x'", lambda m: quick(m, "conv3:x"), ValueError, r"integer channel"),
    ("channel True", lambda m: fv.obj.channel("conv3", True), TypeError, r"integer channel number, got True"),
    ("channel 1.7", lambda m: fv.obj.neuron("conv3", 1.7), TypeError, r"integer channel number, got 1.7"),
    ("class index as a string", lambda m: fv.obj.class_logit("3"), TypeError, r"k must be an integer"),
    ("channel out of range", lambda m: quick(m, "conv3:64"), IndexError, r"64 out of range: layer 'conv3' has 64"),
    ("render_layer channels [1.7]", lambda m: fv.render_layer(m, "conv3", [1.7], size=32, steps=2, progress=False),
     TypeError, r"channels\[0\] must be an integer"),
    ("render_layer channels []", lambda m: fv.render_layer(m, "conv3", [], size=32, steps=2, progress=False),
     ValueError, r"channels is empty"),
    ("render_layer batch_size 0", lambda m: fv.render_layer(m, "conv3", batch_size=0, size=32, steps=2),
     ValueError, r"batch_size must be ≥ 1"),
    ("zero direction", lambda m: fv.obj.direction("act3", np.zeros(64)), ValueError, r"direction vector is zero"),
    ("zero direction, cossim", lambda m: fv.obj.direction_cossim("act3", [0.0] * 64), ValueError, r"is zero"),
    ("NaN direction", lambda m: fv.obj.cosine("act3", [math.nan] * 64), ValueError, r"NaN or inf"),
    ("Preprocess std inf", lambda m: fv.Preprocess(mean=(0.5,) * 3, std=(math.inf,) * 3), ValueError,
     r"std must be finite"),
    ("Preprocess mean NaN", lambda m: fv.Preprocess(mean=(math.nan,) * 3), ValueError, r"mean must be finite"),
    ("Preprocess 0 channels", lambda m: fv.Preprocess(color_channels=0), ValueError, r"color_channels must be ≥ 1"),
    ("Preprocess std 0", lambda m: fv.Preprocess(std=(0.0, 1.0, 1.0)), ValueError, r"std must be positive"),
    ("invariance k too large", lambda m: fv.unit_invariance(fv.QuadraticForm.random(5, seed=0), k=3, progress=False),
     ValueError, r"k=3 asks for 6 directions .* only n − 1 = 4; use k ≤ 2"),
    ("invariance k 0", lambda m: fv.unit_invariance(fv.QuadraticForm.random(5, seed=0), k=0), ValueError,
     r"k must be ≥ 1"),
    ("invariance NaN center", lambda m: fv.invariance(m, "conv3:5", center=torch.full((3, 16, 16), math.nan)),
     ValueError, r"center contains NaN"),
    ("unit invariance NaN center", lambda m: fv.unit_invariance(fv.QuadraticForm.random(5), center=[math.nan] * 5),
     ValueError, r"center contains NaN"),
    ("IFV NaN realization", lambda m: ifv.predict_objective(m, "act3", np.full((32, 32, 3), math.nan)),
     ValueError, r"NaN or infinite"),
    ("IFV realization outside the sigmoid's range",
     lambda m: ifv.predict_objective(m, "act3", np.full((32, 32, 3), 1.5)),
     ValueError, r"outside \[0, 1\], the range of param='pixel' .* Pass param='identity'"),
    ("IFV unknown param", lambda m: ifv.predict_objective(m, "act3", np.full((8, 8, 3), 0.5), param="linear"),
     ValueError, r"unknown parameterization 'linear'; choose one of pixel, fft, scaled_fft, identity"),
    ("numpy image channels-first", lambda m: fv.activations(m, "act3", np.zeros((2, 3, 32, 32))), ValueError,
     r"looks channels-first"),
    ("integer images other than uint8", lambda m: fv.activations(m, "act3", torch.zeros(1, 3, 8, 8, dtype=torch.int64)),
     TypeError, r"uint8 \(scaled by 1/255\)"),
    ("images with the wrong channel count", lambda m: fv.activations(m, "act3", torch.zeros(1, 1, 32, 32)),
     ValueError, r"have 1 channel\(s\) but the model takes 3"),
    ("tuple output addressed as a whole", lambda m: tuple_net_capture("output"), fv.LayerError,
     r"returns a tuple of 2; address one element, e.g. 'output\[0\]'"),
    ("dict output addressed as a whole", lambda m: dict_net_capture("output"), fv.LayerError,
     r"address one entry, e.g. 'output.logits'"),
    ("dict output, unknown entry", lambda m: dict_net_capture("output.scores"), fv.LayerError,
     r"no entry 'scores' .* it has 'logits', 'features'"),
    ("save into a folder", lambda m: quick(m).save(Path.cwd()), IsADirectoryError, r"is a folder; name a file"),
    ("save with an unknown extension", lambda m: quick(m).save("result.txt"), ValueError,
     r"cannot save a image as result.txt: use a name ending in .png"),
    ("walk at 0 fps", lambda m: walk().save("walk.gif", fps=0), ValueError, r"fps must be a finite number > 0"),
    ("walk at negative fps", lambda m: walk().save("walk.gif", fps=-3), ValueError, r"fps must be a finite number"),
    ("walk as a text file", lambda m: walk().save("walk.txt"), ValueError, r"use a name ending in .gif or .mp4"),
    ("walk scale 0", lambda m: walk().save("walk.gif", scale=0), ValueError, r"scale must be ≥ 1"),
]


@pytest.mark.parametrize("make, error, message", [row[1:] for row in ERRORS], ids=[row[0] for row in ERRORS])
def test_bad_input_is_a_clear_error(model, make, error, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error, match=message):
        make(model)
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "nothing is written on a bad input"


class TupleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        a = self.conv(x)
        return a.mean((2, 3)), a


class DictNet(TupleNet):
    def forward(self, x):
        a = self.conv(x)
        return {"logits": a.mean((2, 3)), "features": a}


def tuple_net_capture(name):
    with fv.capture(TupleNet().eval(), [name]) as run:
        return run(torch.rand(2, 3, 8, 8))[name]


def dict_net_capture(name):
    with fv.capture(DictNet().eval(), [name]) as run:
        return run(torch.rand(2, 3, 8, 8))[name]


# --- inputs that must give the right result --------------------------------------------------------
def test_numpy_integer_seeds_are_seeds(model):
    np.testing.assert_array_equal(quick(model, seed=np.int64(3)).images, quick(model, seed=3).images)


def test_negative_channels_count_from_the_end_everywhere(model):
    np.testing.assert_array_equal(quick(model, "conv3:-1").images, quick(model, "conv3:63").images)
    layer = fv.render_layer(model, "conv3", [-1, 0], size=32, steps=3, progress=False)
    assert layer.labels == ["conv3:63", "conv3:0"]
    assert ifv.FeatureSpec(channels=[-1]).indices(64) == (63,)


def test_uint8_images_are_scaled_by_1_over_255(model):
    images, _ = make_shapes(3, size=32, seed=0)
    as_bytes = (images * 255).round().to(torch.uint8)
    floats = as_bytes.float() / 255
    np.testing.assert_allclose(fv.activations(model, "act3", as_bytes), fv.activations(model, "act3", floats), rtol=1e-6)
    hwc = as_bytes.permute(0, 2, 3, 1).numpy()
    np.testing.assert_allclose(fv.activations(model, "act3", hwc), fv.activations(model, "act3", floats), rtol=1e-5,
                               atol=1e-7)  # other memory layout, other rounding
    param = fv.param.image(32, fft=False, init=as_bytes[:1])
    np.testing.assert_allclose(param().detach(), floats[:1], atol=2e-4)  # not a white image


def test_pil_images_are_images(model):
    from PIL import Image

    images, _ = make_shapes(1, size=32, seed=1)
    picture = Image.fromarray((images[0].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8))
    np.testing.assert_allclose(fv.activations(model, "act3", picture),
                               fv.activations(model, "act3", np.asarray(picture)), rtol=1e-6)


def test_a_one_channel_model_renders_without_a_preprocess():
    net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 4, 3)).eval()
    result = fv.render(net, "2:1", size=24, steps=3, progress=False)
    assert result.images.shape == (1, 24, 24, 1)
    assert fv.layers(net)[-1].shape == (4, 62, 62)  # the default 64 px


def test_a_model_that_fails_on_the_guessed_input_says_what_was_guessed():
    net = nn.Sequential(nn.Flatten(), nn.Linear(10, 2)).eval()  # no conv: fv guesses 3×64×64
    with pytest.raises(ValueError, match=r"no Preprocess is attached, so fv assumed 3-channel .*fv.attach_preprocess"):
        fv.render(net, "output:0", steps=1, progress=False)


def test_tuple_and_dict_outputs_are_addressed_by_element_entry_and_attribute():
    torch.manual_seed(0)
    x = torch.rand(2, 3, 8, 8)
    net = TupleNet().eval()
    with fv.capture(net, ["output[0]", "output[1]", "logits[0]"]) as run:
        acts = run(x)
    assert acts["output[0]"].shape == (2, 4) and acts["output[1]"].shape == (2, 4, 6, 6)
    torch.testing.assert_close(acts["output[0]"], acts["output[1]"].mean((2, 3)))
    dict_net = DictNet().eval()
    dict_net.load_state_dict(net.state_dict())
    with fv.capture(dict_net, ["output.logits", 'output["features"]']) as run:
        acts = run(x)
    torch.testing.assert_close(acts["output.logits"], acts['output["features"]'].mean((2, 3)))
    result = fv.render(dict_net, fv.obj.class_logit(2, layer="output.logits"), size=16, steps=3, progress=False)
    assert result.status == "completed"
    assert [info.name for info in fv.layers(dict_net, (3, 8, 8))][-2:] == ["output.logits", "output.features"]


def test_ifv_identity_parameterization_keeps_float64_realizations():
    model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.Softplus()).double().eval()
    fv.attach_preprocess(model, fv.Preprocess(color_channels=1, input_size=(6, 6)))
    image = torch.rand(1, 1, 6, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 3 - 1
    result = ifv.predict_objective(model, "1", image, ifv.FeatureSpec(aggregation="mean"), param="identity")
    np.testing.assert_array_equal(result.images[0, ..., 0], image[0, 0].numpy().astype(np.float32))
    param = ifv.sampling.as_param(image, "identity", torch.device("cpu"))
    assert param.pixels.dtype == torch.float64 and torch.equal(param(), image)


def test_a_failing_callback_is_reraised_with_the_best_images_so_far(model):
    def callback(step):
        if step.step == 4:
            raise ZeroDivisionError("my callback")

    with pytest.raises(ZeroDivisionError, match="my callback") as caught:
        fv.render(model, "conv3:5", size=32, steps=10, callback=callback, progress=False)
    result = caught.value.result
    assert result.status == "failed" and result.images.shape == (1, 32, 32, 3)
    assert len(result.loss) == 4  # the steps up to the one whose callback raised


def test_save_expands_the_home_folder(model, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    path = quick(model).save("~/pictures/x.png")
    assert path == tmp_path / "pictures" / "x.png" and path.is_file()
    assert not (tmp_path / "~").exists()


def test_a_damaged_summary_is_named(tmp_path, capsys):
    record = tmp_path / "records" / "broken"
    record.mkdir(parents=True)
    (record / "config.json").write_text(json.dumps(fv.experiments.IFVConfig.demo(name="broken").to_dict()))
    (record / "summary.json").write_text('{"n": 3, "m"')
    assert cli.main(["ifv", "summarize", str(tmp_path / "records")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("fviz: error: ") and "summary.json is not valid JSON" in err and len(err.splitlines()) == 1


# --- the command line: one line, a hint, exit status 2 ---------------------------------------------
CLI_ERRORS = [
    (["ifv", "run", "nowhere.json"], r"no config file nowhere.json"),
    (["ifv", "run", "{config}", "--workers", "0"], r"--workers must be ≥ 1"),
    (["ifv", "run", "{config}", "--batch-size", "0"], r"--batch-size must be ≥ 1"),
    (["ifv", "run", "{config}", "--device", "quantum"], r"--device 'quantum' is not a device"),
    (["ifv", "run", "{bad_model}"], r"unknown model 'no_such_net'"),
    (["ifv", "run", "{imports}"], r"names a function to import; .* --allow-import"),
    (["ifv", "summarize", "{empty}"], r"no experiment records"),
]


@pytest.mark.parametrize("argv, message", CLI_ERRORS, ids=[" ".join(a) for a, _ in CLI_ERRORS])
def test_cli_user_errors_are_one_line_and_exit_2(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    files = {"config": {}, "bad_model": {"model": "no_such_net"}, "imports": {"model": "os:system"}}
    for name, extra in files.items():
        (tmp_path / f"{name}.json").write_text(json.dumps({**fv.experiments.IFVConfig.demo().to_dict(), **extra}))
    (tmp_path / "empty").mkdir()
    args = [a.format(**{name: str(tmp_path / f"{name}.json") for name in files}, empty=str(tmp_path / "empty"))
            for a in argv]
    assert cli.main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("fviz: error: "), err
    assert __import__("re").search(message, err), err
    assert not (tmp_path / "out").exists(), "nothing is computed or written"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cli_device_cuda_without_cuda_is_clear(tmp_path, capsys):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(fv.experiments.IFVConfig.demo().to_dict()))
    assert cli.main(["ifv", "run", str(path), "--device", "cuda", "--out", str(tmp_path / "out")]) == 2
    assert "CUDA is not available here" in capsys.readouterr().err


def test_cli_debug_shows_the_traceback(tmp_path):
    with pytest.raises(FileNotFoundError):
        cli.main(["--debug", "ifv", "run", str(tmp_path / "nowhere.json")])
