"""Run the notebooks in order, in place, and print a table of what each produced.

This is the main job (`make notebooks`, or `python -m helpers run`). Each notebook is
executed top to bottom in a fresh kernel with its own folder as working directory and
saved with its outputs, like "Restart Kernel and Run All Cells" in JupyterLab. In quick
mode (`MNIST_QUICK=1`) the notebooks run but are not saved, so the committed outputs stay
those of a full run.

Saved notebooks get stable ids in place of random ones (pandas Styler table ids, widget
model ids), so re-running an unchanged notebook changes only what really changed. A full
run of every notebook also refreshes the reference results shipped with the package
(`helpers/reference_results.json`), which notebook 07 shows beside a learner's own.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
NOTEBOOKS_DIR = PACKAGE_DIR.parent / "notebooks"
_WIDGET_REF = re.compile(r'(?<="model_id": ")[0-9a-f]{32}(?=")|(?<=IPY_MODEL_)[0-9a-f]{32}\b')
_STYLER_ID = re.compile(r"\bT_([0-9a-z]{5})(?=[_\s\"'.>])")


def stable_ids(text: str) -> str:
    """Replace random widget model ids and pandas Styler ids in a notebook's JSON by ids numbered
    in order of appearance, so the same notebook run twice is saved identically.

    >>> stable_ids('"model_id": "4f2a9c0d1e2b3c4d5e6f708192a3b4c5", "IPY_MODEL_4f2a9c0d1e2b3c4d5e6f708192a3b4c5"')
    '"model_id": "00000000000000000000000000000001", "IPY_MODEL_00000000000000000000000000000001"'
    >>> stable_ids('<style>#T_ab12c_row0_col0 {color: red}</style><table id="T_ab12c">')
    '<style>#T_00001_row0_col0 {color: red}</style><table id="T_00001">'
    """
    ids = dict.fromkeys(_WIDGET_REF.findall(text))  # the ids that widgets use, in order
    for i, old in enumerate(ids, 1):
        text = text.replace(old, f"{i:032d}")
    tables: dict[str, str] = {}
    return _STYLER_ID.sub(lambda m: "T_" + tables.setdefault(m[1], f"{len(tables) + 1:05d}"), text)


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
        path.write_text(stable_ids(nbformat.writes(nb)) + "\n")
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


def write_reference(rows: list[dict], dest: Path | None = None) -> Path:
    """Save `rows` (every result of a full run) as the reference results shipped with the package."""
    from helpers.results import REFERENCE_FILE, _write_json

    dest = dest or PACKAGE_DIR / REFERENCE_FILE
    _write_json(dest, {"machine": machine_name(), "mode": "full", "results": rows})
    return dest


def run_notebooks(names: list[str] | None = None) -> int:
    """Run the named notebooks (default: every `notebooks/*.ipynb`, in order); 0 if all pass."""
    from helpers.runtime import quick_mode

    paths = [Path(n).resolve() for n in names] if names else sorted(NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))
    if not paths:
        print(f"No notebooks found in {NOTEBOOKS_DIR}.")
        return 0
    mode = "quick" if quick_mode() else "full"
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
        rows.append((path.name, status, seconds, _recorded(path, mode) if status == "ok" else []))
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
    if save and not names and not failed:
        ref = write_reference([r for row in rows for r in row[3]])
        print(f"Reference results for notebook 07 updated: {ref.relative_to(PACKAGE_DIR.parent)}")
    return 1 if failed else 0
