"""The canvas of notebook 05's `draw_digit`: an anywidget whose browser side is draw_canvas.js.

Importing this module needs the anywidget package (`draw_digit` says how to install it
when it is missing) and draw_canvas.js next to it (the package ships it).
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets


class DrawCanvas(anywidget.AnyWidget):
    """A black square to draw on; `pixels` holds the drawing as grid*grid values 0..255, row by row.

    Used in notebook 05 (inside `draw_digit`).

    >>> canvas = DrawCanvas()
    >>> canvas.size, canvas.grid, canvas.pixels
    (280, 112, [])
    """

    _esm = Path(__file__).with_name("draw_canvas.js")
    size = traitlets.Int(280).tag(sync=True)      # the square on screen, in CSS pixels
    grid = traitlets.Int(112).tag(sync=True)      # the drawing is sent as grid x grid pixels
    brush = traitlets.Float(22.0).tag(sync=True)  # line width, in screen pixels
    pixels = traitlets.List(traitlets.Int(), default_value=[]).tag(sync=True)
    strokes = traitlets.Int(0).tag(sync=True)     # how many strokes were sent (each one a change)
