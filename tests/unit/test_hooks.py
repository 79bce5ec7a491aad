"""Layer addressing and activation capture: names, errors, hook cleanup, early exit."""

from contextlib import nullcontext

import pytest
import torch
from torch import nn

import fviz_widgets as fv
from fviz_widgets.core import capture, resolve


class Recorder(nn.Module):
    """Identity that counts its calls, to see which modules a forward pass reached."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return x


def small_net():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),
        nn.ReLU(),
        nn.Sequential(nn.Conv2d(4, 6, 3, padding=1), Recorder()),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(6, 5),
        Recorder(),
    ).eval()


def all_hooks(model):
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


def test_capture_returns_the_activations_a_plain_forward_computes():
    model, x = small_net(), torch.rand(2, 3, 8, 8)
    expected_conv = model[0](x)
    with capture(model, ["0", "2.0", "output"]) as run:
        acts = run(x)
    assert torch.equal(acts["0"], expected_conv)
    assert torch.equal(acts["output"], model(x))
    assert acts["2.0"].shape == (2, 6, 8, 8)


def test_logits_is_an_alias_of_output():
    model, x = small_net(), torch.rand(1, 3, 8, 8)
    with capture(model, ["logits"]) as run:
        assert torch.equal(run(x)["output"], model(x))


def test_early_exit_skips_every_module_after_the_last_requested_layer():
    model, x = small_net(), torch.rand(1, 3, 8, 8)
    late = model[6]
    with capture(model, ["0"]) as run:
        run(x)  # the first pass runs in full (it checks for modules called twice)
        calls = late.calls
        run(x)
        run(x)
    assert late.calls == calls, "the forward pass went on past the last requested layer"
    with capture(model, ["0"], early_exit=False) as run:
        run(x)
    assert late.calls == calls + 1


@pytest.mark.parametrize("ending", ["success", "exception", "keyboard"])
def test_hooks_are_removed_after_success_exception_and_interrupt(ending):
    model = small_net()
    assert all_hooks(model) == 0
    with pytest.raises((RuntimeError, KeyboardInterrupt)) if ending != "success" else nullcontext():
        with capture(model, ["0", "2.1", "5"]) as run:
            run(torch.rand(1, 3, 8, 8))
            assert all_hooks(model) == 3
            if ending == "exception":
                raise RuntimeError("boom")
            if ending == "keyboard":
                raise KeyboardInterrupt
    assert all_hooks(model) == 0
    assert model._forward_hooks == {}


def test_hooks_are_removed_when_the_forward_pass_fails():
    model = small_net()
    with pytest.raises(RuntimeError):
        with capture(model, ["0"]) as run:
            run(torch.rand(1, 5, 8, 8), preprocess=False)  # wrong channel count: the conv raises
    assert all_hooks(model) == 0


def test_unknown_layer_names_suggest_close_matches():
    model = fv.zoo.shapes_cnn()
    with pytest.raises(fv.LayerError) as info:
        resolve(model, "conv33")
    assert "conv3" in str(info.value) and "fv.layers" in str(info.value)
    with pytest.raises(fv.LayerError, match="ouput|output"):
        with capture(model, ["ouput"]):
            pass
    assert all_hooks(model) == 0


def test_a_module_called_twice_is_rejected_clearly():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 3, 1)

        def forward(self, x):
            return self.conv(self.conv(x))

    model = Twice()
    with pytest.raises(fv.LayerError, match="more than once"):
        with capture(model, ["conv"]) as run:
            run(torch.rand(1, 3, 4, 4))
    assert all_hooks(model) == 0


def test_tuple_outputs_are_addressed_by_index():
    class Pair(nn.Module):
        def forward(self, x):
            return x * 2, x * 3

    model = nn.Sequential(Pair())
    x = torch.rand(1, 3, 4, 4)
    with capture(model, ["0[1]"]) as run:
        assert torch.equal(run(x)["0[1]"], x * 3)
    with pytest.raises(fv.LayerError, match=r"0\[0\]"):
        with capture(model, ["0"]) as run:
            run(x)
    with pytest.raises(fv.LayerError, match="out of range"):
        with capture(model, ["0[2]"]) as run:
            run(x)


def test_data_parallel_wrapper_accepts_both_name_forms():
    inner = small_net()
    model = nn.DataParallel(inner)  # on a CPU-only machine this just calls `inner`
    x = torch.rand(1, 3, 8, 8)
    with capture(model, ["module.0", "2.0"]) as run:
        acts = run(x)
    assert torch.equal(acts["module.0"], inner[0](x))
    assert all_hooks(inner) == 0


def test_layers_lists_names_types_and_shapes_in_execution_order():
    model = fv.zoo.shapes_cnn()
    table = fv.layers(model)
    names = table.names
    assert names[0] == "conv1" and names[-1] == "output"
    assert names.index("conv2") < names.index("conv3") < names.index("fc")
    info = {i.name: i for i in table}
    assert info["conv1"].type == "Conv2d"
    assert info["output"].shape == (10,)
    assert info["conv1"].shape[1:] == (64, 64)
    assert "conv2" in str(table)
    # a different input size changes spatial shapes
    assert {i.name: i for i in fv.layers(model, input_shape=(3, 32, 32))}["conv1"].shape[1:] == (32, 32)
    assert all_hooks(model) == 0


def test_preprocess_is_applied_before_the_model():
    model = fv.zoo.shapes_cnn()
    pre = fv.core.get_preprocess(model)
    x = torch.rand(1, 3, 64, 64)
    with capture(model, ["output"]) as run:
        assert torch.allclose(run(x)["output"], model(pre(x)))
        assert torch.allclose(run(pre(x), preprocess=False)["output"], model(pre(x)))


def test_a_module_named_output_is_listed_once_as_the_models_output_in_a_table_that_fits_its_names():
    from collections import OrderedDict

    model = nn.Sequential(OrderedDict(conv=nn.Conv2d(3, 4, 3), mean=nn.AdaptiveAvgPool2d(1), flat=nn.Flatten(),
                                      output=nn.Linear(4, 2))).eval()
    table = fv.layers(model, (3, 8, 8))
    assert table.names == ["conv", "mean", "flat", "output"] and table[-1].type == "output"
    model.add_module("a_rather_long_module_name_of_forty_chars_", nn.Identity())
    table = fv.layers(model, (3, 8, 8))
    rows = str(table).splitlines()[2:]
    assert [row.split()[:2] for row in rows] == [[info.name, info.type] for info in table]  # never run together
    assert len({row.index(info.type, len(info.name)) for row, info in zip(rows, table)}) == 1  # one type column
