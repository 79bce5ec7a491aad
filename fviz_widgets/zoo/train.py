"""Deterministic CPU training of the `ShapesCNN` zoo models, with a model card per model.

Usage::

    python -m fviz_widgets.zoo.train --activation relu [--holdout grid] [--weight-decay] [--out fviz_widgets/zoo/weights]

writes ``shapes_cnn_<activation>[_wd][_holdout-<class>].pt`` (a float32 state dict) and a
Markdown model card with the same stem. ``--weight-decay`` trains as the Grad-IFV paper's
classifiers were trained: SGD with Nesterov momentum and weight decay (5e-4), which keeps the
sum of the logits near a constant (the softmax shift the paper finds as a trivial solution).
Training sees images only through `shapes_cnn.PREPROCESS`, the normalization the zoo attaches to the loaded model.
A holdout model never sees its held-out class; its output unit for that class stays untrained.

Example:
    >>> config = TrainConfig(activation="softplus", holdout="grid")
    >>> config.train_classes()[:4]
    ('vertical_stripes', 'horizontal_stripes', 'diagonal_up', 'diagonal_down')
"""

from __future__ import annotations

import argparse
import hashlib
import math
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from ..datasets.shapes import CLASSES, make_shapes
from .shapes_cnn import ACTIVATIONS, PREPROCESS, ShapesCNN, weights_filename

DEFAULT_OUT = Path(__file__).parent / "weights"


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a trained model (besides the torch version)."""

    activation: str = "relu"
    holdout: Optional[str] = None
    n_train: int = 12000
    n_test_per_class: int = 200
    image_size: int = 64
    epochs: int = 8
    batch_size: int = 64
    lr: float = 3e-3
    optimizer: str = "adam"
    weight_decay: float = 0.0
    train_seed: int = 0
    test_seed: int = 1
    torch_seed: int = 0
    threads: int = 2

    def __post_init__(self) -> None:
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}; choose one of {', '.join(ACTIVATIONS)}")
        if self.holdout is not None and self.holdout not in CLASSES:
            raise ValueError(f"unknown holdout class {self.holdout!r}; choose one of {', '.join(CLASSES)}")
        if self.optimizer not in ("adam", "sgd"):
            raise ValueError(f"optimizer must be 'adam' or 'sgd', got {self.optimizer!r}")
        if self.train_seed == self.test_seed:
            raise ValueError("train_seed and test_seed must differ so that the test images are new")

    def train_classes(self) -> Tuple[str, ...]:
        """The classes the model is trained on: all but the held-out one."""
        return tuple(name for name in CLASSES if name != self.holdout)


@contextmanager
def _reproducible(config: TrainConfig) -> Iterator[None]:
    """Seeded, deterministic torch with a fixed thread count; restores the caller's settings after."""
    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.torch_seed)
        torch.use_deterministic_algorithms(True)
        torch.set_num_threads(config.threads)
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(deterministic)
            torch.set_num_threads(threads)


def train(config: TrainConfig) -> ShapesCNN:
    """Train a fresh `ShapesCNN` with Adam and a cosine learning-rate schedule; returns it in eval mode.

    The result depends only on `config` and the torch version; the caller's torch settings are kept.
    """
    with _reproducible(config):
        return _train(config)


def _train(config: TrainConfig) -> ShapesCNN:
    images, labels = make_shapes(
        config.n_train, size=config.image_size, seed=config.train_seed, classes=config.train_classes()
    )
    model = ShapesCNN(config.activation)
    if config.optimizer == "sgd":
        optimizer = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=0.9, nesterov=True,
                                    weight_decay=config.weight_decay)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    steps_per_epoch = math.ceil(config.n_train / config.batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.epochs * steps_per_epoch)
    shuffle = torch.Generator().manual_seed(config.torch_seed)
    model.train()
    for epoch in range(config.epochs):
        order = torch.randperm(config.n_train, generator=shuffle)
        total = 0.0
        for batch in order.split(config.batch_size):
            loss = F.cross_entropy(model(PREPROCESS(images[batch])), labels[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(batch)
        print(f"epoch {epoch + 1}/{config.epochs}: mean training loss {total / config.n_train:.4f}", flush=True)
    return model.eval()


@torch.inference_mode()
def logits_on(model: torch.nn.Module, images: torch.Tensor, batch_size: int = 500) -> torch.Tensor:
    """Logits of `model` (in eval mode) for [0, 1] `images`, computed in batches."""
    return torch.cat([model(PREPROCESS(chunk)) for chunk in images.split(batch_size)])


def evaluation_set(config: TrainConfig) -> Tuple[torch.Tensor, torch.Tensor]:
    """Fresh, balanced images of all classes drawn with `config.test_seed`."""
    return make_shapes(len(CLASSES) * config.n_test_per_class, size=config.image_size, seed=config.test_seed)


def per_class_accuracy(logits: torch.Tensor, labels: torch.Tensor, classes: Sequence[str]) -> Dict[str, float]:
    """Top-1 accuracy for each class in `classes` (labels index `CLASSES`)."""
    predictions = logits.argmax(dim=1)
    return {
        name: (predictions[labels == CLASSES.index(name)] == CLASSES.index(name)).float().mean().item()
        for name in classes
    }


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> List[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]


def _unit_row(group: str, logits: torch.Tensor, unit: int) -> Tuple[str, ...]:
    """How output `unit` behaves on one group of images: argmax rate and logit statistics."""
    others = logits.clone()
    others[:, unit] = float("-inf")
    logit = logits[:, unit]
    return (
        group,
        f"{(logits.argmax(dim=1) == unit).float().mean().item():.1%}",
        f"{logit.mean().item():.2f} ± {logit.std().item():.2f}",
        f"{logit.max().item():.2f}",
        f"{others.max(dim=1).values.mean().item():.2f}",
    )


def _holdout_section(logits: torch.Tensor, labels: torch.Tensor, holdout: str) -> List[str]:
    unit = CLASSES.index(holdout)
    held = labels == unit
    rows = [
        _unit_row(f"seen classes ({int((~held).sum())} images)", logits[~held], unit),
        _unit_row(f"{holdout} images ({int(held.sum())})", logits[held], unit),
    ]
    counts = torch.bincount(logits[held].argmax(dim=1), minlength=len(CLASSES))
    top = [f"{CLASSES[i]} {counts[i].item() / held.sum().item():.0%}" for i in counts.argsort(descending=True)[:3]]
    header = ["images", f"argmax = {holdout}", f"{holdout} logit (mean ± std)", f"{holdout} logit (max)",
              "best other logit (mean)"]
    return [
        "## Held-out class",
        "",
        f"`{holdout}` was excluded from training entirely, so output unit {unit} (`{holdout}`) received",
        "no positive examples: expect a dead or degenerate output unit.",
        "",
        *_table(header, rows),
        "",
        f"The network classifies `{holdout}` images as: {', '.join(top)}.",
        "",
    ]


def _shift_section(config: TrainConfig, model: ShapesCNN, logits: torch.Tensor) -> List[str]:
    """How much of the last layer moves all logits together (the softmax shift of Grad-IFV §3.5)."""
    weight = model.fc.weight.detach()
    shift = weight.sum(0).norm() / weight.shape[0] ** 0.5  # the part of each row along the all-ones direction
    share = (shift / weight.norm(dim=1).mean()).item()
    total = logits.sum(1)
    why = ("SGD leaves that part where initialization put it, except that weight decay shrinks it, while the "
           "rest of the layer grows" if config.optimizer == "sgd" else
           "Adam's per-weight step sizes let that part grow anyway (it does not follow the gradient's direction)")
    return [
        "## Sum of the logits",
        "",
        "Softmax probabilities do not change when the same number is added to every logit, so cross-entropy",
        "never pushes the part of the last layer that moves all logits together:",
        f"{why}.",
        f"Its norm is {share:.0%} of a class row's. Over the test images the sum of the logits is "
        f"{total.mean().item():.3g} ± {total.std().item():.3g}, while a single logit varies by "
        f"± {logits.std(0).mean().item():.3g}.",
        "",
    ]


def model_card(config: TrainConfig, model: ShapesCNN, seconds: Tuple[float, float], weights_sha256: str) -> str:
    """Markdown description of a trained model: configuration, test accuracy, holdout behaviour.

    `seconds` is the (wall, CPU) time of training; CPU time sums all threads and is the figure
    that a busy machine distorts least.
    """
    images, labels = evaluation_set(config)
    logits = logits_on(model, images)
    seen = config.train_classes()
    accuracy = per_class_accuracy(logits, labels, seen)
    seen_mask = torch.isin(labels, torch.tensor([CLASSES.index(name) for name in seen]))
    overall = (logits[seen_mask].argmax(dim=1) == labels[seen_mask]).float().mean().item()
    holdout_flag = ("" if config.holdout is None else f" --holdout {config.holdout}") + \
        (" --weight-decay" if config.weight_decay > 0 else "")
    settings = {
        **asdict(config),
        "torch version": torch.__version__,
        "wall time (s)": f"{seconds[0]:.0f}",
        "CPU time (s, all threads)": f"{seconds[1]:.0f}",
    }
    decayed = config.weight_decay > 0
    lines = [
        f"# {weights_filename(config.activation, config.holdout, decayed)[:-3]}",
        "",
        f"`ShapesCNN(activation={config.activation!r})` trained on `fviz_widgets.datasets.make_shapes`",
        f"with input normalization mean={PREPROCESS.mean}, std={PREPROCESS.std}.",
        f"Reproduce: `python -m fviz_widgets.zoo.train --activation {config.activation}{holdout_flag}`.",
        "",
        f"SHA-256 of the weights: `{weights_sha256}`",
        "",
        "## Training configuration",
        "",
        *_table(["setting", "value"], [(key, value) for key, value in settings.items()]),
        "",
        "## Accuracy on fresh test data",
        "",
        f"Fresh images (seed {config.test_seed}, {config.n_test_per_class} per class, "
        f"{config.image_size}x{config.image_size}); overall accuracy on the {len(seen)} trained classes: "
        f"**{overall:.2%}**.",
        "",
        *_table(["class", "accuracy"], [(name, f"{value:.1%}") for name, value in accuracy.items()]),
        "",
    ]
    if config.holdout is not None:
        lines += _holdout_section(logits, labels, config.holdout)
    lines += _shift_section(config, model, logits)
    return "\n".join(lines)


def save(config: TrainConfig, model: ShapesCNN, seconds: Tuple[float, float], out: Path) -> Path:
    """Write the state dict and its model card into `out`; returns the weights path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / weights_filename(config.activation, config.holdout, config.weight_decay > 0)
    torch.save({name: tensor.detach().float().contiguous() for name, tensor in model.state_dict().items()}, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    path.with_suffix(".md").write_text(model_card(config, model, seconds, digest))
    return path


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activation", choices=sorted(ACTIVATIONS), default="relu")
    parser.add_argument("--holdout", choices=CLASSES, default=None, help="class to exclude from training")
    parser.add_argument("--weight-decay", action="store_true",
                        help="SGD with Nesterov momentum and weight decay 5e-4 for 20 epochs (as the Grad-IFV paper's classifiers)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: the packaged weights)")
    args = parser.parse_args(argv)
    decay = dict(optimizer="sgd", lr=0.02, weight_decay=5e-4, epochs=20) if args.weight_decay else {}
    config = TrainConfig(activation=args.activation, holdout=args.holdout, **decay)
    wall, cpu = time.perf_counter(), time.process_time()
    model = train(config)
    seconds = (time.perf_counter() - wall, time.process_time() - cpu)
    path = save(config, model, seconds, args.out)
    print(f"trained in {seconds[0]:.0f} s ({seconds[1]:.0f} s CPU); wrote {path} and {path.with_suffix('.md').name}")


if __name__ == "__main__":
    main()
