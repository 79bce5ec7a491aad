"""Transformers and odd inputs: token layers [N, tokens, dim], patch positions, GELU gradient
redirection, models that take only their input size, and non-RGB / non-square / tiny images."""

from collections import OrderedDict

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import fviz_widgets as fv
from fviz_widgets import obj
from fviz_widgets.core import aggregate, capture, channel_count
from fviz_widgets.core.tokens import patch_token, select_tokens, token_grid
from fviz_widgets.render.redirect import RedirectedGELU, redirected

DIM, PATCH, SIZE = 16, 8, 32  # 4×4 patches + a class token = 17 tokens


pytestmark = pytest.mark.usefixtures("one_thread")  # tiny models (tests/conftest.py)


class Block(nn.Module):
    def __init__(self, dim: int, heads: int = 2):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, x):
        h = self.norm1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


class TinyViT(nn.Module):
    """Patch embedding, class token, learned position embeddings (so: 32×32 input only), 2 blocks."""

    def __init__(self, classes: int = 5, dict_output: bool = False):
        super().__init__()
        self.patch = nn.Conv2d(3, DIM, PATCH, stride=PATCH)
        self.cls = nn.Parameter(torch.randn(1, 1, DIM) * 0.5)
        self.pos = nn.Parameter(torch.randn(1, (SIZE // PATCH) ** 2 + 1, DIM) * 0.5)
        self.blocks = nn.Sequential(Block(DIM), Block(DIM))
        self.norm = nn.LayerNorm(DIM)
        self.head = nn.Linear(DIM, classes)
        self.dict_output = dict_output

    def forward(self, x):
        t = self.patch(x).flatten(2).transpose(1, 2)
        t = torch.cat([self.cls.expand(len(t), -1, -1), t], 1) + self.pos
        t = self.norm(self.blocks(t))
        if self.dict_output:
            return Output(last_hidden_state=t, logits=self.head(t[:, 0]))
        return self.head(t[:, 0])


class Output(OrderedDict):
    """Like transformers' ModelOutput: a dict whose entries are also attributes."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


def tiny_vit(**kwargs) -> nn.Module:
    torch.manual_seed(0)
    return fv.attach_preprocess(TinyViT(**kwargs).eval(), fv.Preprocess(input_size=(SIZE, SIZE)))


# --- the token rule and the objectives over tokens -------------------------------------------------
def test_three_axis_activations_are_tokens_and_their_channels_are_the_dim():
    vit = tiny_vit()
    assert fv.core.layer_shape(vit, "blocks.0") == (17, DIM)
    assert channel_count(vit, "blocks.0") == DIM          # not the 17 tokens
    assert channel_count(vit, "patch") == DIM             # a conv map keeps axis 1
    assert token_grid(17) == (1, 4, 4) and token_grid(16) == (0, 4, 4) and token_grid(2) == (1, 1, 1)
    assert token_grid(62, grid=(6, 10)) == (2, 6, 10)     # e.g. class + distillation token, 6×10 patches
    with pytest.raises(ValueError, match="grid="):
        token_grid(61)                                    # 6×10 + class token: not inferable


def test_channel_on_tokens_is_the_mean_of_that_dim_over_the_chosen_tokens():
    a = torch.randn(3, 17, DIM)
    acts = {"blocks.1": a}
    assert torch.allclose(obj.channel("blocks.1", 3)(acts), a[:, :, 3].mean(1))
    assert torch.allclose(obj.channel("blocks.1", 3, tokens="patches")(acts), a[:, 1:, 3].mean(1))
    assert torch.equal(obj.channel("blocks.1", 3, tokens="cls")(acts), a[:, 0, 3])
    assert torch.equal(obj.channel("blocks.1", -1, tokens=5)(acts), a[:, 5, DIM - 1])
    assert torch.equal(obj.channel("blocks.1", 3, tokens=-1)(acts), a[:, 16, 3])
    picked = obj.channels("blocks.1", [3, 7, 0], tokens="patches")(acts)
    assert torch.allclose(picked, torch.stack([a[0, 1:, 3].mean(), a[1, 1:, 7].mean(), a[2, 1:, 0].mean()]))
    # a 6×10 grid after two prefix tokens: the patches are the last 60 tokens
    b = torch.randn(2, 62, DIM)
    assert torch.allclose(obj.channel("l", 2, tokens="patches", grid=(6, 10))({"l": b}), b[:, 2:, 2].mean(1))


def test_direction_objectives_run_over_the_dim_of_the_chosen_tokens():
    a, v = torch.randn(2, 17, DIM), torch.randn(DIM)
    acts = {"b": a}
    assert torch.allclose(obj.direction("b", v)(acts), (a @ v).mean(1), atol=1e-5)
    assert torch.allclose(obj.direction("b", v, tokens="patches")(acts), (a[:, 1:] @ v).mean(1), atol=1e-5)
    cos = F.cosine_similarity(a[:, 1:], v.expand(2, 16, DIM), dim=-1).mean(1)
    assert torch.allclose(obj.cosine("b", v, tokens="patches")(acts), cos, atol=1e-5)
    unit = v / v.norm()
    along = a[:, 0] @ unit
    ortho = (a[:, 0] - along[:, None] * unit).norm(dim=-1)
    assert torch.allclose(obj.dot_orthogonal("b", v, weight=0.5, tokens="cls")(acts), along - 0.5 * ortho, atol=1e-5)
    with pytest.raises(ValueError, match=f"{DIM} channels"):
        obj.direction("b", torch.ones(17))(acts)          # a token-count vector is not a direction in dim


def test_the_class_token_objective_depends_on_token_0_only():
    a = torch.randn(2, 17, DIM, requires_grad=True)
    for objective in (obj.channel("b", 4, tokens="cls"), obj.direction("b", torch.randn(DIM), tokens="cls"),
                      obj.neuron("b", 4, tokens="cls")):
        (grad,) = torch.autograd.grad(objective({"b": a}).sum(), a)
        assert grad[:, 1:].abs().max() == 0, objective
        assert grad[:, 0].abs().max() > 0, objective
    (grad,) = torch.autograd.grad(obj.channel("b", 4, tokens="patches")({"b": a}).sum(), a)
    assert grad[:, 0].abs().max() == 0 and torch.all(grad[:, 1:, 4] == 1 / 16)


def test_a_neuron_at_patch_x_y_reads_the_token_of_that_patch():
    a = torch.zeros(1, 17, DIM)
    for y in range(4):
        for x in range(4):
            a[0, 1 + 4 * y + x, 6] = 10 * y + x           # the value names its patch
    acts = {"b": a}
    for y in range(4):
        for x in range(4):
            assert obj.neuron("b", 6, x=x, y=y)(acts).item() == 10 * y + x
    assert obj.neuron("b", 6)(acts).item() == 22          # default: the centre patch (x=2, y=2)
    assert patch_token(16, x=3, y=1) == 7                 # no class token: y·4 + x
    assert patch_token(62, x=1, y=2, grid=(6, 10)) == 2 + 2 * 10 + 1
    with pytest.raises(IndexError, match="4×4 patch grid"):
        obj.neuron("b", 6, x=4, y=0)(acts)
    with pytest.raises(ValueError, match="one token"):
        obj.neuron("b", 6, tokens="patches")
    with pytest.raises(ValueError, match="not both"):
        obj.neuron("b", 6, x=1, tokens="cls")


def test_token_arguments_on_layers_without_tokens_and_bad_selections_raise():
    conv = {"c": torch.randn(1, 8, 4, 4)}
    with pytest.raises(ValueError, match=r"token layer \[N, tokens, dim\]"):
        obj.channel("c", 1, tokens="cls")(conv)
    with pytest.raises(ValueError, match="token layer"):
        obj.neuron("c", 1, tokens=0)(conv)
    with pytest.raises(ValueError, match="tokens must be"):
        obj.channel("c", 1, tokens="class")
    with pytest.raises(ValueError, match="without a class token"):
        obj.channel("b", 1, tokens="cls")({"b": torch.randn(1, 16, DIM)})
    with pytest.raises(IndexError, match="17 tokens"):
        obj.channel("b", 1, tokens=17)({"b": torch.randn(1, 17, DIM)})
    assert repr(obj.channel("b", 1, tokens="cls")) == "channel('b', 1, tokens='cls')"
    assert repr(obj.channel("b", 1)) == "channel('b', 1)"


def test_aggregations_of_tokens_give_one_value_per_dim():
    a = torch.randn(2, 17, DIM)
    assert torch.allclose(aggregate(a, "mean"), a.mean(1))
    assert torch.equal(aggregate(a, "center"), a[:, 11])  # patch (2, 2) of the 4×4 grid
    grid = a[:, 1:].transpose(1, 2).reshape(2, DIM, 4, 4)
    assert torch.allclose(aggregate(a, "maxpool_mean", kernel=2, stride=2), F.max_pool2d(grid, 2, 2).mean((2, 3)))
    assert torch.equal(select_tokens(a, "patches"), a[:, 1:])
    stats = obj.diversity("b")({"b": torch.randn(2, 17, DIM)})  # channel Gram of the dim: runs, 2 values
    assert stats.shape == (2,)


# --- models that take only their input size -------------------------------------------------------
def _record_sizes(first: nn.Module, later: nn.Module):
    """Image sizes reaching `first` (every attempt) and those whose forward pass got on to `later`.
    (Captures stop the forward pass after the last hooked layer, so the model's own hooks may not run.)"""
    attempted, completed = [], []
    first.register_forward_pre_hook(lambda m, inputs: attempted.append(tuple(inputs[0].shape[-2:])))
    later.register_forward_pre_hook(lambda m, inputs: completed.append(attempted[-1]))
    return attempted, completed


def test_a_fixed_size_model_gets_its_input_size_after_the_transforms():
    vit = tiny_vit()
    attempted, completed = _record_sizes(vit.patch, vit.blocks[0])  # the position embeddings lie between
    result = fv.render(vit, obj.channel("blocks.1", 3), transforms="standard", steps=6, progress=False)
    assert result.images.shape == (1, SIZE, SIZE, 3)
    assert completed == [(SIZE, SIZE)] * 6                # every forward pass that ran saw exactly 32×32
    assert attempted[0] == (SIZE + 12, SIZE + 12)         # the standard transforms make 44×44: refused once
    assert attempted[1:] == [(SIZE, SIZE)] * 6
    attempted.clear(), completed.clear()
    wide = fv.render(vit, obj.channel("blocks.1", 3), size=(48, 80), steps=3, progress=False)
    assert wide.images.shape == (1, 48, 80, 3) and set(completed) == {(SIZE, SIZE)}


def test_a_model_that_takes_any_size_sees_the_transformed_images_as_they_are():
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1))
    fv.attach_preprocess(net.eval(), fv.Preprocess(input_size=(SIZE, SIZE)))
    _, completed = _record_sizes(net[0], net[2])
    fv.render(net, obj.channel("2", 1), transforms="standard", steps=3, progress=False)
    assert completed == [(SIZE + 12, SIZE + 12)] * 3


def test_a_model_that_fails_at_its_own_size_too_reports_its_own_error():
    vit = tiny_vit()
    with pytest.raises(RuntimeError, match="size of tensor"), capture(vit, ["blocks.0"]) as run:
        vit.pos.data = torch.zeros(1, 5, DIM)             # now no size fits: the model's error comes out
        run(torch.rand(1, 3, 40, 40))


# --- renders of a ViT ----------------------------------------------------------------------------------
def test_rendering_a_vit_channel_raises_its_mean_over_patches():
    vit = tiny_vit()
    objective = obj.channel("blocks.1", 3, tokens="patches")
    param = fv.param.image(SIZE, seed=1)
    with torch.no_grad():
        start = param().clone()
    # no random transforms: an 8-pixel patch grid on a 32-pixel image leaves them little to keep
    result = fv.render(vit, objective, param=param, steps=40, lr=0.1, transforms=None, progress=False)
    with torch.no_grad(), capture(vit, ["blocks.1"]) as run:
        before = objective(run(start)).item()
        after = objective(run(torch.as_tensor(result.images).permute(0, 3, 1, 2))).item()
        noise = objective(run(torch.rand(64, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(0))))
    assert after > before + 1.0 and after > noise.max().item() + 1.0, (before, after, noise.max().item())


def test_render_layer_and_dict_outputs_of_a_vit():
    vit = tiny_vit(dict_output=True)
    result = fv.render_layer(vit, "output.last_hidden_state", channels=[0, 5], tokens="patches", steps=3,
                             progress=False)
    assert result.images.shape == (2, SIZE, SIZE, 3) and result.labels == ["output.last_hidden_state:0",
                                                                          "output.last_hidden_state:5"]
    single = fv.render(vit, "output.last_hidden_state:2", steps=2, progress=False)
    assert single.images.shape == (1, SIZE, SIZE, 3)


# --- GELU gradient redirection ----------------------------------------------------------------------
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_redirected_gelu_keeps_the_forward_and_redirects_only_upward_gradients(approximate):
    x = torch.linspace(-12, 4, 97, requires_grad=True)
    g = torch.randn(97)
    y = RedirectedGELU.apply(x, approximate)
    assert torch.equal(y, F.gelu(x, approximate=approximate))
    (redirected_grad,) = torch.autograd.grad(y, x, g)
    (plain,) = torch.autograd.grad(F.gelu(x, approximate=approximate), x, g)
    up = (x < 0) & (g < 0)
    assert torch.equal(redirected_grad[up], g[up])        # passed as through the identity
    assert torch.equal(redirected_grad[~up], plain[~up])  # elsewhere exactly GELU's gradient
    assert plain[(x < -8) & up].abs().max() < 1e-12 < redirected_grad[(x < -8) & up].abs().min()


def _dead_gelu_net():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3 * 8 * 8, 4), nn.GELU(), nn.Linear(4, 1))
    with torch.no_grad():
        net[0].weight.mul_(0.05)
        net[0].bias.fill_(-10.0)                          # every GELU input ≈ −10: plain gradient ≈ 0
        net[2].weight.fill_(1.0)
    return fv.attach_preprocess(nn.Sequential(nn.Flatten(), net).eval(), fv.Preprocess(input_size=(8, 8)))


def test_gelu_modules_are_redirected_only_during_the_first_steps():
    net = _dead_gelu_net()
    x = torch.rand(1, 3, 8, 8, requires_grad=True)
    plain_out = net(x)
    (plain,) = torch.autograd.grad(plain_out.sum(), x)
    with redirected(net):
        out = net(x)
        (pushed,) = torch.autograd.grad(-out.sum(), x)    # a loss that asks for a larger output
    assert torch.equal(out, plain_out)                    # the forward pass is the GELU's own
    assert plain.abs().max() < 1e-12 < 1e-4 < pushed.abs().max()
    # in a render: the first redirect_steps forward passes go through RedirectedGELU, later ones are plain
    kinds, grads = [], []
    net[1][1].register_forward_hook(lambda m, i, out: kinds.append(type(out.grad_fn).__name__))
    param = fv.param.image(8, seed=0, fft=False)

    def record(step):
        grads.append(next(param.parameters()).grad.abs().max().item())

    fv.render(net, obj.channel("output", 0), param=param, steps=6, redirect_steps=2, transforms=None,
              callback=record, progress=False)
    assert kinds[:2] == ["RedirectedGELUBackward"] * 2 and set(kinds[2:]) == {"GeluBackward0"}
    assert min(grads[:2]) > 1e-6 and max(grads[2:]) < 1e-12
    assert len(net[1][1]._forward_hooks) == 1             # the redirection's hooks are gone: the test's is left


# --- non-RGB, non-square and tiny inputs -----------------------------------------------------------
def _four_channel_net():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 6, 3, padding=1)).eval()
    return fv.attach_preprocess(net, fv.Preprocess(color_channels=4, input_size=(32, 32)))


def test_four_channel_and_non_square_renders_have_the_requested_shapes():
    net = _four_channel_net()
    assert fv.render(net, "2:1", size=(48, 80), steps=3, progress=False).images.shape == (1, 48, 80, 4)
    layer = fv.render_layer(net, "2", channels=range(3), size=(48, 80), steps=2, progress=False)
    assert layer.images.shape == (3, 48, 80, 4)
    grey = fv.attach_preprocess(nn.Sequential(nn.Conv2d(1, 4, 3)).eval(), fv.Preprocess(color_channels=1))
    assert fv.render(grey, "0:2", size=(20, 36), steps=2, progress=False).images.shape == (1, 20, 36, 1)
    with pytest.raises(ValueError, match="3-channel images but the model expects 4"):
        fv.render(net, "2:1", param=fv.param.image(16), steps=1, progress=False)


@pytest.mark.parametrize("size", [16, 32, (16, 40)])
def test_tiny_renders_with_the_standard_transforms_do_not_crash(size):
    model = fv.zoo.shapes_cnn()
    result = fv.render(model, "conv3:1", size=size, transforms="standard", steps=2, progress=False)
    expected = (size, size) if isinstance(size, int) else size
    assert result.images.shape == (1, *expected, 3)
    layer = fv.render_layer(_four_channel_net(), "2", channels=[0, 1], size=size, steps=2, progress=False)
    assert layer.images.shape == (2, *expected, 4)


# --- Hugging Face transformers (when installed) ---------------------------------------------------------
def test_a_randomly_initialized_hugging_face_vit():
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    config = transformers.ViTConfig(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
                                    image_size=SIZE, patch_size=PATCH, num_channels=3)
    model = fv.attach_preprocess(transformers.ViTModel(config).eval(), fv.Preprocess(input_size=(SIZE, SIZE)))
    layer = "output.last_hidden_state"
    assert channel_count(model, layer) == 16
    gelu = next(m for m in model.modules() if type(m).__name__ == "GELUActivation")  # not an nn.GELU
    kinds = []
    gelu.register_forward_hook(lambda m, i, out: kinds.append(type(out.grad_fn).__name__))
    result = fv.render(model, obj.channel(layer, 3, tokens="patches"), transforms="standard", steps=4,
                       redirect_steps=2, progress=False)
    assert result.images.shape == (1, SIZE, SIZE, 3) and result.status == "completed"
    assert kinds[-4:] == ["RedirectedGELUBackward"] * 2 + ["GeluBackward0"] * 2
    neuron = fv.render(model, obj.neuron(layer, 1, x=0, y=3), steps=2, progress=False)
    assert neuron.images.shape == (1, SIZE, SIZE, 3)


def test_activation_stats_of_a_token_layer_are_over_its_embedding_dimension():
    class Tokens(torch.nn.Module):
        def forward(self, x):  # [N, 3, H, W] → [N, H·W tokens, 3 dims]: each pixel a token
            return x.flatten(2).transpose(1, 2)

    model = fv.attach_preprocess(Tokens(), fv.Preprocess(input_size=(4, 4)))
    images = torch.rand(5, 3, 4, 4)
    stats = fv.activation_stats(model, "output", images)
    pixels = images.flatten(2).transpose(1, 2).reshape(-1, 3).double()
    assert stats.count == 80
    torch.testing.assert_close(stats.cov.double(), torch.cov(pixels.T), atol=1e-6, rtol=1e-5)
