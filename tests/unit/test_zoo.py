"""The model zoo: ShapesCNN architecture, shipped weights, torchvision and from_url loading."""

from __future__ import annotations

import hashlib
import sys
import types

import pytest
import torch
from torch import nn

from fviz_widgets import zoo
from fviz_widgets.core import IMAGENET_MEAN, IMAGENET_STD, get_preprocess
from fviz_widgets.datasets import CLASSES, make_shapes
from fviz_widgets.zoo import train
from fviz_widgets.zoo.shapes_cnn import PREPROCESS, ShapesCNN, weights_filename
from fviz_widgets.zoo.train import TrainConfig

SHIPPED = [("relu", None, False), ("softplus", None, False), ("relu", "grid", False), ("relu", None, True),
           ("relu", "grid", True)]
LAYERS = ["conv1", "act1", "pool1", "conv2", "act2", "pool2", "conv3", "act3", "pool3", "conv4", "act4", "gap", "fc"]
GRID = CLASSES.index("grid")


@pytest.fixture(scope="module")
def fresh_data() -> tuple[torch.Tensor, torch.Tensor]:
    """100 new images per class, from a seed used neither for training nor for the model cards."""
    return make_shapes(100 * len(CLASSES), seed=2024)


@pytest.fixture(scope="module")
def predictions(fresh_data) -> dict:
    images, _ = fresh_data
    with torch.no_grad():
        return {key: zoo.shapes_cnn(key[0], key[1], weight_decay=key[2])(PREPROCESS(images)).argmax(dim=1)
                for key in SHIPPED}


# --- architecture -------------------------------------------------------------------------


def test_named_modules_are_the_documented_layers():
    names = [name for name, _ in ShapesCNN().named_modules() if name]
    assert names == LAYERS


@pytest.mark.parametrize("activation", ["relu", "softplus", "gelu"])
def test_each_module_runs_exactly_once_per_forward(activation):
    net = ShapesCNN(activation)
    calls = []
    for name in LAYERS:
        getattr(net, name).register_forward_hook(lambda module, args, output, name=name: calls.append(name))
    net(torch.rand(2, 3, 64, 64))
    assert calls == LAYERS  # each module once, in the documented order


@pytest.mark.parametrize("size", [(32, 32), (48, 48), (64, 64), (80, 96)])
def test_any_input_of_at_least_32_pixels_gives_ten_logits(size):
    assert ShapesCNN()(torch.rand(2, 3, *size)).shape == (2, 10)


def test_pooling_follows_the_activation():
    assert all(isinstance(getattr(ShapesCNN("relu"), f"pool{i}"), nn.MaxPool2d) for i in (1, 2, 3))
    for activation in ("softplus", "gelu"):
        modules = list(ShapesCNN(activation).modules())
        assert not any(isinstance(m, (nn.MaxPool2d, nn.AdaptiveMaxPool2d, nn.ReLU)) for m in modules)
        assert sum(isinstance(m, nn.AvgPool2d) for m in modules) == 3
    assert isinstance(ShapesCNN("relu", pooling="avg").pool2, nn.AvgPool2d)


@pytest.mark.parametrize("activation, smooth", [("relu", False), ("softplus", True), ("gelu", True)])
def test_input_hessian_vanishes_only_for_the_piecewise_linear_network(activation, smooth):
    torch.manual_seed(0)
    net = ShapesCNN(activation).double()
    image, direction = torch.rand(1, 3, 32, 32, dtype=torch.double), torch.randn(1, 3, 32, 32, dtype=torch.double)
    _, hvp = torch.autograd.functional.hvp(lambda x: net(x)[0, 3], image, direction)
    assert (hvp.abs().max() > 1e-6) == smooth


def test_unknown_activation_and_pooling_are_rejected():
    with pytest.raises(ValueError, match="'tanh'; choose one of relu, softplus, gelu"):
        ShapesCNN("tanh")
    with pytest.raises(ValueError, match="'median'; choose one of max, avg"):
        ShapesCNN("relu", pooling="median")


# --- shipped weights ----------------------------------------------------------------------


@pytest.mark.parametrize("activation, holdout, decay", SHIPPED)
def test_shipped_weights_are_small_float32_and_documented(activation, holdout, decay):
    path = zoo.WEIGHTS_DIR / weights_filename(activation, holdout, decay)
    assert path.stat().st_size <= 1_000_000
    state = torch.load(path, map_location="cpu", weights_only=True)
    assert all(tensor.dtype == torch.float32 for tensor in state.values())
    card = path.with_suffix(".md").read_text()
    assert hashlib.sha256(path.read_bytes()).hexdigest() in card
    assert "| class | accuracy |" in card


@pytest.mark.parametrize("activation, holdout, decay", SHIPPED)
def test_shapes_cnn_returns_an_eval_model_with_preprocess(activation, holdout, decay):
    model = zoo.shapes_cnn(activation, holdout, weight_decay=decay)
    assert isinstance(model, ShapesCNN) and model.activation == activation
    assert not any(module.training for module in model.modules())
    assert all(p.requires_grad for p in model.parameters())
    assert get_preprocess(model) == PREPROCESS


@pytest.mark.parametrize("activation", ["relu", "softplus"])
def test_shipped_model_accuracy_on_fresh_data(activation, fresh_data, predictions):
    _, labels = fresh_data
    predicted = predictions[(activation, None, False)]
    assert (predicted == labels).float().mean() >= 0.95
    for label in range(len(CLASSES)):  # no class is left behind
        assert (predicted[labels == label] == label).float().mean() >= 0.85, CLASSES[label]


@pytest.mark.parametrize("decay", [False, True])
def test_holdout_model_learned_the_seen_classes_but_never_predicts_grid(fresh_data, predictions, decay):
    _, labels = fresh_data
    predicted = predictions[("relu", "grid", decay)]
    seen = labels != GRID
    assert (predicted[seen] == labels[seen]).float().mean() >= 0.95
    assert (predicted == GRID).float().mean() <= 0.01  # over all classes, grid images included


def test_holdout_model_differs_from_the_full_model():
    full, holdout = zoo.shapes_cnn("relu"), zoo.shapes_cnn("relu", "grid")
    assert not torch.equal(full.conv1.weight, holdout.conv1.weight)


def shift_share(model) -> float:
    """Norm of the last layer's all-ones part (what moves every logit together) over a class row's norm."""
    weight = model.fc.weight.detach()
    return (weight.sum(0).norm() / weight.shape[0] ** 0.5 / weight.norm(dim=1).mean()).item()


def test_weight_decay_models_keep_the_sum_of_their_logits_nearly_constant(fresh_data):
    """Cross-entropy never moves the all-ones part of the last layer (softmax ignores a common
    shift): SGD with weight decay leaves it small, Adam lets it grow. So the sum of the logits of
    the weight-decay models barely varies — the softmax shift Grad-IFV finds as a trivial solution."""
    images, _ = fresh_data
    with torch.no_grad():
        for holdout in (None, "grid"):
            decayed, plain = zoo.shapes_cnn("relu", holdout, weight_decay=True), zoo.shapes_cnn("relu", holdout)
            assert shift_share(decayed) < 0.5 * shift_share(plain), holdout
            decayed_logits, plain_logits = decayed(PREPROCESS(images)), plain(PREPROCESS(images))
            assert decayed_logits.sum(1).std() < 0.5 * decayed_logits.std(0).mean(), holdout
            assert decayed_logits.sum(1).std() < 0.25 * plain_logits.sum(1).std(), holdout


def test_untrained_model_is_random_but_preprocessed():
    torch.manual_seed(0)
    model = zoo.shapes_cnn("gelu", pretrained=False)
    assert model.activation == "gelu" and not model.training
    assert get_preprocess(model) == PREPROCESS
    assert not torch.equal(zoo.shapes_cnn("relu", pretrained=False).conv1.weight, zoo.shapes_cnn("relu").conv1.weight)


def test_missing_weights_list_what_is_available():
    with pytest.raises(ValueError, match=r"activation='gelu'.*available: .*\(activation='relu', holdout='grid', "):
        zoo.shapes_cnn("gelu")
    with pytest.raises(ValueError, match=r"holdout='disc'.*available: \(activation='relu', holdout=None, weight_decay"):
        zoo.shapes_cnn("relu", holdout="disc")
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        zoo.shapes_cnn("swish")
    with pytest.raises(ValueError, match="pretrained=True"):
        zoo.shapes_cnn("relu", holdout="grid", pretrained=False)


def test_available_weights_are_exactly_the_shipped_ones():
    assert sorted(zoo.available_shapes_weights(), key=str) == sorted(SHIPPED, key=str)


# --- torchvision --------------------------------------------------------------------------


def test_torchvision_missing_raises_an_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "torchvision", None)
    with pytest.raises(ImportError, match=r"pip install 'fviz_widgets\[torchvision\]'.*matching your torch") as info:
        zoo.torchvision("resnet18")
    assert isinstance(info.value.__cause__, ImportError)


def test_torchvision_broken_install_is_reported_as_import_error(monkeypatch, tmp_path):
    package = tmp_path / "torchvision"
    package.mkdir()
    (package / "__init__.py").write_text("raise RuntimeError('operator torchvision::nms does not exist')\n")
    monkeypatch.delitem(sys.modules, "torchvision", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ImportError, match="RuntimeError: operator torchvision::nms does not exist") as info:
        zoo.torchvision("resnet18")
    assert isinstance(info.value.__cause__, RuntimeError)


def test_torchvision_builds_the_named_model_with_imagenet_preprocess(monkeypatch):
    requests = []

    def get_model(name, weights):
        requests.append((name, weights))
        return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))

    fake = types.ModuleType("torchvision")
    fake.models = types.SimpleNamespace(get_model=get_model)
    monkeypatch.setitem(sys.modules, "torchvision", fake)
    model = zoo.torchvision("resnet18")
    other = zoo.torchvision("vgg11", weights=None)
    assert requests == [("resnet18", "DEFAULT"), ("vgg11", None)]
    assert not model.training and not model[1].training
    preprocess = get_preprocess(model)
    assert (preprocess.mean, preprocess.std, preprocess.input_size) == (IMAGENET_MEAN, IMAGENET_STD, (224, 224))
    assert get_preprocess(other) == preprocess


# --- from_url -----------------------------------------------------------------------------


@pytest.fixture
def saved_net(tmp_path) -> tuple[ShapesCNN, str]:
    torch.manual_seed(1)
    net = ShapesCNN("softplus").eval()
    path = tmp_path / "net.pt"
    torch.save(net.state_dict(), path)
    return net, path.as_uri()


def test_from_url_loads_a_file_url_into_the_builder(saved_net, tmp_path):
    net, url = saved_net
    cache = tmp_path / "cache"
    model = zoo.from_url(url, lambda: ShapesCNN("softplus"), preprocess=PREPROCESS, model_dir=str(cache))
    x = torch.rand(2, 3, 40, 40)
    with torch.no_grad():
        assert torch.equal(model(x), net(x))
    assert not model.training and get_preprocess(model) == PREPROCESS
    assert (cache / "net.pt").is_file()
    renamed = zoo.from_url(url, lambda: ShapesCNN("softplus"), model_dir=str(cache), file_name="copy.pt")
    assert (cache / "copy.pt").is_file() and not hasattr(renamed, "fviz_preprocess")


def test_from_url_checks_the_hash_when_asked(saved_net, tmp_path):
    _, url = saved_net
    with pytest.raises(RuntimeError, match="invalid hash value"):
        zoo.from_url(url, ShapesCNN, model_dir=str(tmp_path / "cache"), check_hash=True, file_name="net-deadbeef.pt")


def test_from_url_summarises_a_mismatched_builder(saved_net, tmp_path):
    _, url = saved_net
    cache = str(tmp_path / "cache")
    with pytest.raises(ValueError, match=r"does not fit Sequential: 2 missing key\(s\): 0\.weight, 0\.bias; "
                                         r"10 unexpected key\(s\): conv1\.weight, .*\(5 more\)"):
        zoo.from_url(url, lambda: nn.Sequential(nn.Conv2d(3, 8, 5)), model_dir=cache)

    def narrower() -> ShapesCNN:
        net = ShapesCNN("softplus")
        net.fc = nn.Linear(64, 5)
        return net

    with pytest.raises(ValueError, match=r"2 shape mismatch\(es\), file vs model: fc\.weight \(10, 64\) vs \(5, 64\)"):
        zoo.from_url(url, narrower, model_dir=cache)


# --- training script (tiny configurations: no real training) ----------------------------


def tiny_config(**overrides) -> TrainConfig:
    return TrainConfig(**{"n_train": 18, "epochs": 1, "batch_size": 6, "n_test_per_class": 2, **overrides})


def test_training_is_reproducible_and_leaves_torch_settings_alone():
    threads = torch.get_num_threads()
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    first = train.train(tiny_config(activation="softplus"))
    second = train.train(tiny_config(activation="softplus"))
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values()))
    assert not torch.equal(first.conv1.weight, ShapesCNN("softplus").conv1.weight)  # it did train
    assert torch.get_num_threads() == threads and not torch.are_deterministic_algorithms_enabled()
    torch.manual_seed(123)
    assert torch.equal(torch.rand(3), expected_next)


def test_holdout_training_never_shows_the_held_out_class(monkeypatch):
    seen = []
    real = train.make_shapes

    def recording_make_shapes(n, **kwargs):
        seen.append(kwargs["classes"])
        return real(n, **kwargs)

    monkeypatch.setattr(train, "make_shapes", recording_make_shapes)
    train.train(tiny_config(holdout="grid"))
    assert seen == [tuple(name for name in CLASSES if name != "grid")]


def test_config_rejects_reusing_the_training_seed_for_testing():
    with pytest.raises(ValueError, match="must differ"):
        TrainConfig(train_seed=3, test_seed=3)
    with pytest.raises(ValueError, match="unknown holdout class 'grd'"):
        TrainConfig(holdout="grd")


def test_save_writes_loadable_weights_and_a_model_card(tmp_path):
    config = tiny_config(holdout="grid")
    torch.manual_seed(0)
    path = train.save(config, ShapesCNN("relu").eval(), (12.3, 20.6), tmp_path)
    assert path.name == "shapes_cnn_relu_holdout-grid.pt"
    state = torch.load(path, map_location="cpu", weights_only=True)
    assert set(state) == set(ShapesCNN().state_dict())
    card = path.with_suffix(".md").read_text()
    assert hashlib.sha256(path.read_bytes()).hexdigest() in card
    assert "overall accuracy on the 9 trained classes" in card
    accuracy_table = card.split("## Accuracy on fresh test data")[1].split("## Held-out class")[0]
    assert accuracy_table.count("% |") == 9 and "| grid |" not in accuracy_table
    assert "| grid images (2) |" in card and "| wall time (s) | 12 |" in card and "| 21 |" in card
