"""Run the notebooks in order, in place, and print a table of what each produced.

This is the main job (`make notebooks`, or `python -m helpers run`). Each notebook is
executed top to bottom in a fresh kernel with its own folder as working directory and
saved with its outputs, like "Restart Kernel and Run All Cells" in JupyterLab. In quick
mode (`MNIST_QUICK=1`) the notebooks run but are not saved, so the committed outputs stay
those of a full run.

Saved notebooks get stable ids in place of random ones (pandas Styler table ids, widget
model ids), so re-running an unchanged notebook changes only what really changed. After each
notebook, `run_notebooks` hands what it recorded to `after_each`, if given: `python -m helpers run`
(every notebook, full mode) passes `update_reference`, so a full run's results become the reference
results shipped with the package (`helpers/_course/reference_results.json`), each as its notebook
finishes, and notebook 08, run last, shows them beside a learner's own.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent   # helpers/_course/, where the reference results ship
NOTEBOOKS_DIR = PACKAGE_DIR.parent.parent / "notebooks"
_WIDGET_REF = re.compile(r'(?<="model_id": ")[0-9a-f]{32}(?=")|(?<=IPY_MODEL_)[0-9a-f]{32}\b')  # ids that widgets use
_ADDRESS = re.compile(r" at 0x[0-9a-f]{6,}>")  # "<object at 0x7f3a...>": a memory address, new on every run
_STYLER_ID = re.compile(r"\bT_([0-9a-z]{5})(?=[_\s\\\"'.>])")  # followed by _, space, quote (also escaped), . or >


def _widget_ids(nb: dict) -> list[str]:
    """Widget model ids in an order that does not depend on the ids themselves: those shown in
    outputs (cell by cell), then the models they refer to (layouts, styles, children), then the rest."""
    state = nb.get("metadata", {}).get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    models = state.get("state", {}) if isinstance(state, dict) else {}
    order = [m for cell in nb.get("cells", []) for out in cell.get("outputs", [])
             for m in _WIDGET_REF.findall(json.dumps(out.get("data", {}), sort_keys=True))]
    order = list(dict.fromkeys(order))
    for mid in order:  # grows while we walk it
        refs = _WIDGET_REF.findall(json.dumps(models.get(mid, {}), sort_keys=True))
        order += [r for r in refs if r not in order]
    rest = sorted((m for m in models if m not in order), key=lambda m: json.dumps(models[m], sort_keys=True))
    return order + rest


def stable_ids(text: str) -> str:
    """Replace random widget model ids and pandas Styler ids in a notebook's JSON by numbered ones,
    so the same notebook run twice is saved identically.

    >>> stable_ids('{"cells": [{"outputs": [{"data": {"model_id": "4f2a9c0d1e2b3c4d5e6f708192a3b4c5"}}]}]}')
    '{"cells": [{"outputs": [{"data": {"model_id": "00000000000000000000000000000001"}}]}]}'
    >>> stable_ids('<style>#T_ab12c_row0_col0 {color: red}</style><table id="T_ab12c">')
    '<style>#T_00001_row0_col0 {color: red}</style><table id="T_00001">'
    """
    try:
        ids = _widget_ids(json.loads(text))
    except ValueError:  # not a whole notebook: number the ids as they come
        ids = list(dict.fromkeys(_WIDGET_REF.findall(text)))
    for i, old in enumerate(ids, 1):
        text = text.replace(old, f"{i:032d}")
    tables: dict[str, str] = {}
    return _STYLER_ID.sub(lambda m: "T_" + tables.setdefault(m[1], f"{len(tables) + 1:05d}"), text)


def shows_nothing(out: dict) -> bool:
    """Whether an output is a blank HTML display: what fastai's progress bar leaves once it is cleared
    (only a <style> block, or nothing), which GitHub shows as nothing and a text view as
    "<IPython.core.display.HTML object>".

    >>> shows_nothing({"output_type": "display_data", "data": {"text/html": ["<style>td {}</style>", ""]}})
    True
    >>> shows_nothing({"output_type": "display_data", "data": {"text/html": "<div></div>", "text/markdown": "<div></div>"}})
    True
    >>> shows_nothing({"output_type": "display_data", "data": {"text/html": "<div><table>1</table></div>"}})
    False
    """
    data = out.get("data", {})
    if out.get("output_type") != "display_data" or "text/html" not in data \
            or set(data) - {"text/html", "text/plain", "text/markdown"}:
        return False
    html = re.sub(r"<style.*?</style>", "", "".join(data["text/html"]), flags=re.S)
    return not re.sub(r"<[^>]*>", "", html).strip()


def tidy(text: str) -> str:
    """A saved notebook's JSON with stable ids (and no memory addresses), its keys sorted again after
    the renaming (widget state is keyed by id), the pieces of a cell's printed output joined into
    one stream each, and blank HTML displays (see `shows_nothing`) left out.

    >>> out = [{"name": "stdout", "output_type": "stream", "text": [line]} for line in ("a\\n", "b\\n")]
    >>> json.loads(tidy(json.dumps({"cells": [{"outputs": out}]})))["cells"][0]["outputs"][0]["text"]
    ['a\\n', 'b\\n']
    """
    nb = json.loads(_ADDRESS.sub(" at 0x...>", stable_ids(text)))
    for cell in nb.get("cells", []):
        merged: list[dict] = []
        for out in cell.get("outputs", []):
            if shows_nothing(out):
                continue
            last = merged[-1] if merged else None
            if last and out.get("output_type") == last.get("output_type") == "stream" \
                    and out.get("name") == last.get("name"):
                joined = "".join(last["text"]) + "".join(out["text"])
                last["text"] = joined.splitlines(keepends=True)
            else:
                merged.append(out)
        if "outputs" in cell:
            cell["outputs"] = merged
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def run_notebook(path: Path, timeout: int = 3600, save: bool = True) -> float:
    """Execute one notebook (saved in place if `save`) and return its run time in seconds."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no start-up chatter
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - t0
    if save:
        path.write_text(tidy(nbformat.writes(nb)))
    return seconds


def _recorded(path: Path, mode: str) -> list[dict]:
    rec = path.parent / "results" / mode / f"{path.stem}.json"
    return json.loads(rec.read_text()) if rec.exists() else []


def machine_name() -> str:
    """What the notebooks ran on, in words: the GPU's name, or the number of CPU cores."""
    import torch

    if torch.cuda.is_available():
        return torch.cuda.get_device_name()
    return f"{os.cpu_count()}-core CPU"


def update_reference(notebook: str, rows: list[dict], dest: Path | None = None) -> Path:
    """Replace `notebook`'s rows in the reference results shipped with the package by `rows`
    (what it just recorded in a full run), and name this machine as the reference machine."""
    from helpers._course.cache import write_json
    from helpers._course.results import REFERENCE_FILE

    dest = dest or PACKAGE_DIR / REFERENCE_FILE
    old = json.loads(dest.read_text()) if dest.exists() else {"results": []}
    kept = [r for r in old["results"] if r["notebook"] != notebook]
    order = {n: i for i, n in enumerate(sorted({r["notebook"] for r in kept} | {notebook}))}
    results = sorted(kept + rows, key=lambda r: order[r["notebook"]])  # stable: keeps each notebook's order
    write_json(dest, {"machine": machine_name(), "mode": "full", "results": results})
    return dest


def find_notebook(name: str, folder: Path = NOTEBOOKS_DIR) -> Path:
    """The notebook that `name` means: a path to a notebook, or a name in `folder` given whole
    (`06_resnet18.ipynb`), without `.ipynb`, or by its start if only one notebook starts so (`06`).

    >>> find_notebook("06").name
    '06_resnet18.ipynb'
    """
    path = Path(name)
    if path.suffix == ".ipynb" and path.is_file():
        return path.resolve()
    found = []
    if len(path.parts) == 1 and path.suffix in ("", ".ipynb"):  # a name, not a path to something else
        stem = name.removesuffix(".ipynb")
        found = sorted(p for p in folder.glob("*.ipynb") if p.stem == stem) or sorted(folder.glob(f"{stem}*.ipynb"))
    if len(found) != 1:
        known = ", ".join(p.stem for p in sorted(folder.glob("[0-9]*.ipynb")))
        what = "matches several notebooks" if found else "is not a notebook file nor the name of one"
        raise ValueError(f"{name!r} {what} in {folder}. Name one of: {known} (or its number, e.g. 05).")
    return found[0].resolve()


def run_notebooks(names: list[str] | None = None,
                  after_each: Callable[[str, list[dict]], object] | None = None) -> int:
    """Run the named notebooks (default: every `notebooks/*.ipynb`, in order); 0 if all pass.

    `after_each(notebook, rows)` is called with what each saved notebook recorded (e.g. `update_reference`).
    """
    from helpers.runtime import mode_name

    try:
        paths = [find_notebook(n) for n in names] if names else sorted(NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))
    except ValueError as e:
        print(e)
        return 2
    if not paths:
        print(f"No notebooks found in {NOTEBOOKS_DIR}.")
        return 0
    mode = mode_name()
    save = mode == "full"  # quick-mode outputs never replace the committed full-run ones
    print(f"Running {len(paths)} notebooks in {mode} mode"
          f"{'' if save else ' (outputs not saved: quick mode)'}...", flush=True)
    rows, failed = [], 0
    for path in paths:
        print(f"  {path.name} ...", end=" ", flush=True)
        t0 = time.perf_counter()
        try:
            seconds = run_notebook(path, save=save)
            status = "ok"
        except Exception as e:  # noqa: BLE001 - report and go on with the next notebook
            seconds, status, failed = time.perf_counter() - t0, "FAILED", failed + 1
            print(f"\n{e}\n", flush=True)
        print(f"{status} in {seconds:.0f} s", flush=True)
        recorded = _recorded(path, mode) if status == "ok" else []
        if save and recorded and after_each is not None:
            after_each(path.stem, recorded)
        rows.append((path.name, status, seconds, recorded))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'notebook':{width}}  status  time       task           accuracy  method")
    for name, status, seconds, results in rows:
        lines = [f"{r['task']:13}  {r['value']:.4f}  {r['method']}" for r in results]
        first, *rest = lines or ["(records no result)" if status == "ok" else ""]
        print(f"{name:{width}}  {status:6}  {seconds/60:5.1f} min  {first}")
        for line in rest:
            print(f"{'':{width}}                     {line}")
    total = sum(r[2] for r in rows)
    print(f"{'total':{width}}          {total/60:5.1f} min")
    return 1 if failed else 0
