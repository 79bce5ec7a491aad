"""Widgets without a kernel: an executed notebook converted to HTML (as nbviewer and GitHub show
it) has a picture for every widget output, and the committed notebooks carry those pictures."""

import base64
import io
import json
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter
from PIL import Image

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
OURS = ("LiveRender(", "DirectionEditor(", "WalkScrubber(", "IFVExplorer(")  # tqdm's bars are widgets too
NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))

CELLS = [
    "import fviz_widgets as fv\nfrom fviz_widgets import ifv\nmodel = fv.zoo.shapes_cnn()",
    "fv.LiveRender(model, 'conv3:5', size=32, steps=4).run()",
    "handle = fv.LiveRender(model, 'conv2:1', size=32, steps=20).run(background=True)",
    "handle.wait().status",
    "editor = fv.DirectionEditor(model, 'act3', size=32, steps=4)\neditor",
    "editor.wait();",
    "fv.WalkScrubber(fv.unit_invariance(fv.QuadraticForm.random(16, seed=0), k=1, progress=False), frames=4)",
    "features = ifv.FeatureSpec(channels=range(8))\nthetas = ifv.sample_objectives(2, 8, seed=0)\n"
    "realizations = ifv.realize(model, 'act3', thetas, features, size=32, steps=4)\n"
    "fv.IFVExplorer(ifv.predict_objectives(model, 'act3', realizations, features, target=thetas), model=model,"
    " realizations=realizations)",
]


def widget_outputs(notebook):
    """The outputs of fviz widgets (tqdm.auto's progress bars show their text without a kernel)."""
    return [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
            if WIDGET_VIEW in o.get("data", {}) and "".join(o["data"]["text/plain"]).startswith(OURS)]


@pytest.fixture(scope="module")
def executed():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in CELLS])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    # as `make notebooks` executes ours: the pictures, not kilobytes of widget state, go into the file
    NotebookClient(notebook, timeout=600, store_widget_state=False).execute()
    return notebook


def test_every_widget_output_carries_a_picture_of_its_final_state_and_a_true_repr(executed):
    outputs = widget_outputs(executed)
    assert len(outputs) == 5
    for output in outputs:
        picture = Image.open(io.BytesIO(base64.b64decode(output["data"]["image/png"])))
        assert picture.width >= 600
        assert "status='running'" not in "".join(output["data"]["text/plain"])
    reprs = [o["data"]["text/plain"] for o in outputs]
    assert reprs[0].endswith("status='completed', step='4/4')")
    assert reprs[1].endswith("status='completed', step='20/20')"), "the background run's picture came after wait()"


def test_nbconvert_html_shows_a_picture_for_every_widget_output(executed):
    html, _ = HTMLExporter().from_notebook_node(executed)
    shown = re.findall(r'<img [^>]*src="data:image/png;base64,([^"]+)"', html)
    pictures = {o["data"]["image/png"].replace("\n", "") for o in widget_outputs(executed)}
    assert pictures <= {s.replace("\n", "") for s in shown}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebooks_show_their_widgets_without_a_kernel(path):
    notebook = json.loads(path.read_text())
    assert "widgets" not in notebook["metadata"], "saved widget state hides the pictures from nbconvert and GitHub"
    for output in widget_outputs(nbformat.reads(path.read_text(), as_version=4)):
        assert "image/png" in output["data"], f"{path.name}: a widget output without its picture"
        assert "status='running'" not in "".join(output["data"]["text/plain"])


FIGURE = re.compile(r"plt\.(subplots|figure|imshow|plot)\(|\.show\(|\bfig\.")


def _outside_functions(source):
    """The lines of a cell that run when it runs (a `def` block only defines)."""
    kept, inside = [], False
    for line in source.splitlines():
        if line.startswith("def "):
            inside = True
        elif inside and line and not line[0].isspace():
            inside = False
        if not inside:
            kept.append(line)
    return "\n".join(kept)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebooks_show_their_figures(path):
    """A cell that draws a matplotlib figure keeps it as a picture (a notebook executed with
    MPLBACKEND=Agg, as the tests set it, would silently have none)."""
    notebook = nbformat.reads(path.read_text(), as_version=4)
    blank = [cell.source.splitlines()[0] for cell in notebook.cells if cell.cell_type == "code"
             and FIGURE.search(_outside_functions(cell.source))
             and not any("image/png" in o.get("data", {}) for o in cell.outputs)]
    assert not blank, f"{path.name}: cells draw a figure but show none (re-run with `make notebooks`): {blank}"
