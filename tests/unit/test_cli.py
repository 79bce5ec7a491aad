"""`fviz demo` (what `make demo` runs) writes the grids and a README describing them."""

from PIL import Image

from fviz_widgets import cli


def test_demo_writes_class_and_channel_grids(tmp_path, capsys):
    assert cli.main(["demo", "--out", str(tmp_path), "--steps", "3"]) == 0
    classes = Image.open(tmp_path / "shapes_cnn_classes.png")
    assert classes.size == (5 * 66 - 2, 2 * 66 - 2)  # 10 classes, 5 per row, 64 px + 2 px gaps
    assert Image.open(tmp_path / "shapes_cnn_conv3.png").size == (8 * 66 - 2, 2 * 66 - 2)
    readme = (tmp_path / "README.md").read_text()
    assert "vertical_stripes" in readme and "3 Adam steps" in readme
    # make test installs the imagenet extra, so the demo renders EfficientNet-Lite0's classes too
    assert Image.open(tmp_path / "efficientnet_lite0_classes.png").size == (3 * 130 - 2, 2 * 130 - 2)
    assert "Egyptian cat" in readme
    assert "make lab" in capsys.readouterr().out


def test_layers_command_prints_the_table(capsys):
    assert cli.main(["layers"]) == 0
    out = capsys.readouterr().out
    assert "conv1" in out and "output" in out
