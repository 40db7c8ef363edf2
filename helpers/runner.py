"""Run the notebooks in order, in place, and print a table of what each produced.

This is the main job (`make notebooks`, or `python -m helpers run`). Each notebook is
executed top to bottom in a fresh kernel with its own folder as working directory and
saved with its outputs, like "Restart Kernel and Run All Cells" in JupyterLab. In quick
mode (`MNIST_QUICK=1`) the notebooks run but are not saved, so the committed outputs stay
those of a full run.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"


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
        nbformat.write(nb, path)
    return seconds


def _headline(path: Path, mode: str) -> list[str]:
    """The results a notebook recorded, one short line each."""
    rec = path.parent / "results" / mode / f"{path.stem}.json"
    if not rec.exists():
        return []
    return [f"{r['task']:13}  {r['value']:.4f}  {r['method']}" for r in json.loads(rec.read_text())]


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
        rows.append((path.name, status, seconds, _headline(path, mode) if status == "ok" else []))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'notebook':{width}}  status  time       task           accuracy  method")
    for name, status, seconds, results in rows:
        first, *rest = results or ["(records no result)" if status == "ok" else ""]
        print(f"{name:{width}}  {status:6}  {seconds/60:5.1f} min  {first}")
        for line in rest:
            print(f"{'':{width}}                     {line}")
    total = sum(r[2] for r in rows)
    print(f"{'total':{width}}          {total/60:5.1f} min")
    return 1 if failed else 0
