// The draw-a-digit canvas of notebook 04. helpers/draw_canvas.py hands this file to
// anywidget, which runs `render` in the browser for each view of the widget.
//
// Draw white on black with the mouse (or a finger). When you lift it, the drawing is
// shrunk to grid x grid pixels and sent to Python as `pixels` (values 0..255, row by
// row); Python centres it like an MNIST digit and asks the models. Clear empties it.

function render({ model, el }) {
  const size = model.get("size");
  const grid = model.get("grid");

  const wrap = document.createElement("div");
  wrap.style.cssText = "display:flex;flex-direction:column;gap:4px;align-items:flex-start";
  const canvas = document.createElement("canvas");
  canvas.width = size;
  canvas.height = size;
  canvas.className = "mnist-draw-canvas";
  canvas.style.cssText = "border:1px solid #888;background:#000;cursor:crosshair;touch-action:none";
  const ctx = canvas.getContext("2d");
  const button = document.createElement("button");
  button.textContent = "Clear";
  button.className = "mnist-draw-clear jupyter-button";

  const clear = () => {
    ctx.fillStyle = "black";
    ctx.fillRect(0, 0, size, size);
  };

  // where the pointer is, in canvas pixels (the canvas may be shown scaled)
  const pos = (e) => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * size / r.width, (e.clientY - r.top) * size / r.height];
  };

  const stroke = (a, b) => {
    ctx.strokeStyle = "white";
    ctx.fillStyle = "white";
    ctx.lineWidth = model.get("brush");
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(a[0], a[1]);
    ctx.lineTo(b[0], b[1]);
    ctx.stroke();
  };

  // shrink the drawing to grid x grid and send its red channel (white = 255) to Python
  const send = () => {
    const small = document.createElement("canvas");
    small.width = grid;
    small.height = grid;
    const s = small.getContext("2d");
    s.imageSmoothingEnabled = true;
    s.imageSmoothingQuality = "high";
    s.drawImage(canvas, 0, 0, grid, grid);
    const data = s.getImageData(0, 0, grid, grid).data;
    const px = new Array(grid * grid);
    for (let i = 0; i < grid * grid; i++) px[i] = data[4 * i];
    model.set("pixels", px);
    model.set("strokes", model.get("strokes") + 1);
    model.save_changes();
  };

  let drawing = false;
  let last = null;
  canvas.addEventListener("pointerdown", (e) => {
    drawing = true;
    last = pos(e);
    try { canvas.setPointerCapture(e.pointerId); } catch (err) { /* not every browser allows it */ }
    stroke(last, last);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const p = pos(e);
    stroke(last, p);
    last = p;
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    send();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);

  button.addEventListener("click", () => {
    clear();
    model.set("pixels", []);
    model.save_changes();
  });
  // Python may empty `pixels` too (or another view of the same widget may): clear this view
  model.on("change:pixels", () => {
    if (model.get("pixels").length === 0) clear();
  });

  clear();
  wrap.appendChild(canvas);
  wrap.appendChild(button);
  el.appendChild(wrap);
}

export default { render };
