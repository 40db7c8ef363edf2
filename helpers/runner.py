"""Run the notebooks in order, in place, and print a table of what each produced.

This is the main job (`make notebooks`, or `python -m helpers run`). Each notebook is
executed top to bottom in a fresh kernel with its own folder as working directory and
saved with its outputs, like "Restart Kernel and Run All Cells" in JupyterLab.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"


def run_notebook(path: Path, timeout: int = 3600) -> float:
    """Execute one notebook in place and return its run time in seconds."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - t0
    nbformat.write(nb, path)
    return seconds


def _headline(path: Path, mode: str) -> str:
    """The results a notebook recorded, as one short line."""
    rec = path.parent / "results" / mode / f"{path.stem}.json"
    if not rec.exists():
        return "-"
    rows = json.loads(rec.read_text())
    return "; ".join(f"{r['method']} ({r['task']}): {r['value']:.4f}" for r in rows)


def run_notebooks(names: list[str] | None = None) -> int:
    """Run the named notebooks (default: every `notebooks/*.ipynb`, in order); 0 if all pass."""
    from helpers.runtime import quick_mode

    paths = [Path(n).resolve() for n in names] if names else sorted(NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))
    if not paths:
        print(f"No notebooks found in {NOTEBOOKS_DIR}.")
        return 0
    mode = "quick" if quick_mode() else "full"
    print(f"Running {len(paths)} notebooks in {mode} mode...", flush=True)
    rows, failed = [], 0
    for path in paths:
        print(f"  {path.name} ...", end=" ", flush=True)
        t0 = time.perf_counter()
        try:
            seconds = run_notebook(path)
            status = "ok"
        except Exception as e:  # noqa: BLE001 - report and go on with the next notebook
            seconds, status, failed = time.perf_counter() - t0, "FAILED", failed + 1
            print(f"\n{e}\n", flush=True)
        print(f"{status} in {seconds:.0f} s", flush=True)
        rows.append((path.name, status, seconds, _headline(path, mode) if status == "ok" else "-"))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'notebook':{width}}  status  time      results")
    for name, status, seconds, headline in rows:
        print(f"{name:{width}}  {status:6}  {seconds/60:5.1f} min  {headline}")
    total = sum(r[2] for r in rows)
    print(f"{'total':{width}}          {total/60:5.1f} min")
    return 1 if failed else 0
