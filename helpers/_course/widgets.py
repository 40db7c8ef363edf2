"""What the three lesson widgets share: a figure as PNG bytes, their two outputs, and a box
that reads as a sentence where no widget can be shown.

A saved notebook keeps a widget's output as a placeholder that only a live kernel can fill,
plus whatever else was displayed with it; GitHub (and any viewer without widgets) shows the
latter. ipywidgets makes that plain text from `repr(widget)`, which for a box is a truncated
list of its children (`VBox(children=(HBox(children=(<... object at 0x7f...>...`).
`LessonWidget` says what the widget is instead, in at most 110 characters (ipywidgets cuts
the text there), and displays its first picture too, so a reader without widgets still sees
what the widget showed when the cell ran.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
from IPython.display import display

NEEDS_KERNEL = "a widget: run this cell in Jupyter or Colab to use it"


def new_figure(figsize: tuple[float, float]):
    """A matplotlib Figure that is never shown by itself (no pyplot), so nothing appears twice.

    Used by the widgets of notebooks 02, 03 and 05.

    >>> fig = new_figure((2, 1))
    >>> fig.get_size_inches().tolist()
    [2.0, 1.0]
    """
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def figure_to_png(fig: Any, dpi: int = 80) -> bytes:
    """The PNG bytes of a matplotlib figure (what the widgets show).

    Used by the widgets of notebooks 02, 03 and 05.

    >>> figure_to_png(new_figure((1, 1)))[:4]
    b'\\x89PNG'
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def summary_and_plot(name: str) -> tuple[widgets.HTML, widgets.Image]:
    """The two outputs every widget here has: an HTML summary line and a PNG plot.

    Their CSS classes (`mnist-<name>-summary`, `mnist-<name>-plot`) let the browser test
    find them. Used by the widgets of notebooks 02, 03 and 05.

    >>> text, image = summary_and_plot("lr")
    >>> text._dom_classes, image.format
    (('mnist-lr-summary',), 'png')
    """
    text, image = widgets.HTML(), widgets.Image(format="png")
    text.add_class(f"mnist-{name}-summary")
    image.add_class(f"mnist-{name}-plot")
    return text, image


def bold(text: Any) -> str:
    """`text` as bold HTML, escaped, so `<lambda>` or `a<b` show as written.

    Used by the widgets of notebooks 02, 03 and 05.

    >>> bold("<lambda>() takes 0 positional arguments")
    '<b>&lt;lambda&gt;() takes 0 positional arguments</b>'
    """
    return f"<b>{html.escape(str(text))}</b>"


class LessonWidget(widgets.VBox):
    """A column of widgets whose plain text says what it is and that it needs a live kernel.

    `summary` and `plot` are its two outputs; `update()` redraws them by hand (the tests
    use all three). Used by the widgets of notebooks 02, 03 and 05.

    >>> text, image = summary_and_plot("demo")
    >>> LessonWidget([text, image], "A demo", update=lambda: None, summary=text, plot=image)
    A demo (a widget: run this cell in Jupyter or Colab to use it).
    """

    def __init__(self, children: list[widgets.Widget], what: str, update: Callable[..., None],
                 summary: widgets.HTML, plot: widgets.Image) -> None:
        super().__init__(children)
        self.fallback_text = f"{what} ({NEEDS_KERNEL})."
        if len(self.fallback_text) > 110:
            raise ValueError(f"what must be short enough for ipywidgets' 110 characters: {what!r} is too long.")
        self.update, self.summary, self.plot = update, summary, plot

    def __repr__(self) -> str:
        return self.fallback_text

    def _ipython_display_(self, **kwargs: Any) -> None:
        """Display the widget as ipywidgets does, with its current plot as a PNG beside it: Jupyter
        and Colab show the live widget, a viewer without widgets (GitHub) shows the picture."""
        data = {"text/plain": self.fallback_text,
                "application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0,
                                                             "model_id": self._model_id}}
        if self.plot.value:
            data["image/png"] = base64.b64encode(self.plot.value).decode("ascii")
        display(data, raw=True)
        self._handle_displayed(**kwargs)
