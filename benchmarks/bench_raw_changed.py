"""The manifest's hash of raw/ with a warm file index, and what keeping the scan's listing costs.

    python benchmarks/bench_raw_changed.py make FOLDER --files 100000
    PYTHONPATH=<a checkout's src> python benchmarks/bench_raw_changed.py run FOLDER

`make` writes FOLDER/raw (small files, 1,000 a folder) and FOLDER/index (a file index of them).
`run` vouches for every file from the index, as a warm build does, then times (CPU seconds of
this process) the manifest's tree_sha256 of raw/ through the index; where the checkout has
capture/listing.py, with the scan's listing compared as it walks, and the listing's size.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import tracemalloc
from pathlib import Path


def make(folder: Path, files: int) -> None:
    from corpuspack.cache import file_index

    file_index.RACY_NS = 0
    raw = folder / "raw"
    paths = []
    for n in range(files):
        sub = raw / f"outlet{n // 1000:04d}"
        if n % 1000 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        path = sub / f"{n:07d}_capture.txt"
        path.write_bytes(f"capture {n}\n".encode() * 20)
        paths.append(str(path))
    time.sleep(0.1)
    index = file_index.FileIndex(folder / "index")
    index.digests_only(paths, [os.stat(p) for p in paths])
    index.save()


def run(folder: Path) -> dict:
    from corpuspack.cache import file_index
    from corpuspack.capture import ingest
    from corpuspack.release import manifest

    raw = folder / "raw"
    scan = ingest.scan(raw, folder)
    paths = [str(c.path) for c in scan.captures]
    index = file_index.FileIndex(folder / "index")
    index.digests_only(paths, [os.stat(p) for p in paths])  # vouched for, as a warm build does
    assert index.hashed == 0
    result: dict = {"files": len(paths)}
    walk = None
    try:
        from corpuspack.capture.listing import Listing
    except ImportError:
        Listing = None  # noqa: N806 (the checkout before: no listing)
    if Listing is not None:
        start = time.process_time()
        tracemalloc.start()
        listing = Listing(raw, scan.listed, folder)
        result["listing_bytes"] = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        result["listing_cpu"] = round(time.process_time() - start, 3)
        walk = listing.walk()
    start, wall = time.process_time(), time.perf_counter()
    if walk is not None:
        manifest.tree_sha256(raw, index.digests_by_inode, walk.listed)
        assert not walk.added and not walk.removed and not index.changed
    else:
        manifest.tree_sha256(raw, index.digests_by_inode)
    result["tree_cpu"] = round(time.process_time() - start, 3)
    result["tree_wall"] = round(time.perf_counter() - wall, 3)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["make", "run"])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--files", type=int, default=100_000)
    args = parser.parse_args()
    if args.what == "make":
        make(args.folder, args.files)
    else:
        print(json.dumps(run(args.folder)))


if __name__ == "__main__":
    main()
