"""MinHash signatures: corpuspack's numpy MinHash against datasketch's update_batch on the same
shingle hashes (the same values, checked here too), and what a fresh process pays before its first
signature (imports included). Measured, never asserted.

    PYTHONPATH=src python benchmarks/bench_minhash.py [--texts 2000]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402

FIRST = """
import time
start = time.process_time()
from corpuspack.checks import minhash
minhash.signature("a first text of a few words to sign")
print(time.process_time() - start)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=2000)
    args = parser.parse_args()
    from datasketch import MinHash

    from corpuspack.checks import minhash as ours

    rng, words = random.Random(1), synth.vocabulary()
    texts = ["\n\n".join(synth.paragraphs(rng, words, 3000)) for _ in range(args.texts)]

    def datasketch_signature(text: str) -> list[int]:
        minhash = MinHash(
            num_perm=ours.NUM_PERM, seed=1, scheme=ours.SCHEME, hashfunc=lambda value: value
        )
        minhash.update_batch(ours.shingle_hashes(text).tolist())
        return minhash.hashvalues.tolist()

    timings = {}
    for name, sign in (("datasketch", datasketch_signature), ("numpy", ours.signature)):
        start = time.process_time()
        signed = [sign(t) for t in texts]
        timings[name] = (time.process_time() - start) / len(texts) * 1000
        timings[f"{name}_signatures"] = signed
    assert timings.pop("datasketch_signatures") == timings.pop("numpy_signatures")
    first = subprocess.run(
        [sys.executable, "-c", FIRST], check=True, capture_output=True, text=True
    ).stdout
    print(
        json.dumps(
            {
                "texts": len(texts),
                "ms_per_text_datasketch": round(timings["datasketch"], 3),
                "ms_per_text_numpy": round(timings["numpy"], 3),
                "first_signature_in_a_fresh_process_s": round(float(first), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
