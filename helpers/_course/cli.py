"""The course's command line, `python -m helpers` (helpers/__main__.py calls `main`): `python -m helpers fetch` prefetches the data, `python -m helpers run`
runs every notebook in order (the main job), `python -m helpers where` prints paths,
`python -m helpers set-repo URL` points the Colab install cells and links at a fork,
`python -m helpers release X.Y.Z` pins them to a new release (a commit and a tag)."""

from __future__ import annotations

import argparse
import sys
import time

from helpers._course.cache import BuildTimeoutError, MNISTUnavailableError, build_folder, cache_dir, ensure_idx
from helpers._course.fastai_data import link_for_fastai


def main(argv: list[str] | None = None) -> int:
    """Run one command; the exit status: 0 when it worked, 1 when it says why not.

    >>> main(["where"])                      # doctest: +ELLIPSIS
    /...
    0
    """
    parser = argparse.ArgumentParser(prog="python -m helpers", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("fetch", help="get the IDX files and build both PNG folders (once)")
    sub.add_parser("where", help="print where the data lives")
    run = sub.add_parser("run", help="run notebooks in place, in order, and print what each produced")
    run.add_argument("notebooks", nargs="*", help="notebooks to run, by path, name or number, e.g. 05 (default: all in notebooks/)")
    repo = sub.add_parser("set-repo", help="point pyproject, the notebooks' Colab install cells and the README's "
                                           "Colab links at another GitHub repository (a fork)")
    repo.add_argument("url", help="https://github.com/OWNER/NAME")
    cut = sub.add_parser("release", help="set pyproject's version, pin the install cells and Colab links to its "
                                         "tag, commit and tag (git push the tag afterwards)")
    cut.add_argument("version", help="the new version, e.g. 0.3.0")
    args = parser.parse_args(argv)

    if args.command == "fetch":
        try:
            _fetch()
        except (MNISTUnavailableError, BuildTimeoutError) as e:
            print(e, file=sys.stderr)  # the message says what was tried and what to do
            return 1
    elif args.command == "where":
        print(cache_dir())
    elif args.command == "run":
        from helpers._course.runner import run_notebooks, update_reference
        from helpers.runtime import mode_name

        every_in_full = not args.notebooks and mode_name() == "full"  # such a run becomes the reference run
        status = run_notebooks(args.notebooks, after_each=update_reference if every_in_full else None)
        if every_in_full:
            print("The reference results that notebook 08 shows are now this run's: "
                  "helpers/_course/reference_results.json")
        return status
    elif args.command in ("set-repo", "release"):
        from helpers._course import repo

        try:
            if args.command == "set-repo":
                changed = repo.set_repo(args.url)
                print("\n".join(f"updated {p.name}" for p in changed) or "nothing to change: already that address")
            else:
                tag = repo.release(args.version)
                print(f"tagged {tag}: the notebooks install it and the badges open it once GitHub has it:\n"
                      f"    git push origin HEAD {tag}")
        except ValueError as e:
            print(f"{args.command}: {e}", file=sys.stderr)  # what is wrong and what to do, no traceback
            return 1
    return 0


def _fetch() -> None:
    """Get the IDX files, build both PNG folders (once), and let fastai's untar_data find them."""
    t0 = time.perf_counter()
    print(f"IDX files:    {ensure_idx()}")
    paths = {kind: build_folder(kind, progress=True)[0] for kind in ("full", "sample")}  # get_mnist, less its link line
    for kind, path in paths.items():
        print(f"{kind + ':':13} {path}")
    for path in paths.values():
        print(link_for_fastai(path)[1])
    print(f"Ready in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
