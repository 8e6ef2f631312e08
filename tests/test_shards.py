"""Large splits are written as several Parquet files, by a hash of the id: the rows do not change."""

from __future__ import annotations

import json
from collections import Counter

import datasets
import pyarrow.parquet as pq

from corpuspack.build import splits
from corpuspack.release import verify
from support import invoke


def configure(project, **settings) -> None:
    descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["corpuspack"].update(settings)
    (project / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")


def test_shard_is_a_function_of_the_id_and_the_count():
    ids = [f"{i:016x}" for i in range(20_000)]
    counts = Counter(splits.shard(i, 4) for i in ids)
    assert sorted(counts) == [0, 1, 2, 3] and min(counts.values()) > 4_500  # even shares
    assert [splits.shard(i, 4) for i in reversed(ids)] == [splits.shard(i, 4) for i in ids][::-1]
    assert {splits.shard(i, 1) for i in ids} == {0}
    assert splits.shards(0, 10) == 1 and splits.shards(10, 10) == 1 and splits.shards(11, 10) == 2


def test_a_sharded_release_holds_the_same_rows(project, runner, tmp_path):
    invoke(runner, "build", "--project", str(project), "--out", str(tmp_path / "whole"))
    configure(project, shard_rows=2)
    result = invoke(runner, "build", "--project", str(project), "--out", str(tmp_path / "sharded"))
    assert result.exit_code == 0, result.output
    sharded = tmp_path / "sharded"
    files = sorted(p.relative_to(sharded).as_posix() for p in sharded.rglob("*.parquet"))
    assert files == [
        f"{folder}/train-{i:05d}-of-00003.parquet"
        for folder in ("data", "quotes")
        for i in range(3)
    ]
    for path in sharded.glob("data/*.parquet"):
        index = int(path.name.split("-")[1])
        ids = pq.read_table(path).column("id").to_pylist()
        assert ids == sorted(ids) and all(splits.shard(i, 3) == index for i in ids)
        quote_ids = pq.read_table(sharded / "quotes" / path.name).column("article_id").to_pylist()
        assert set(quote_ids) <= set(ids)

    whole = datasets.load_dataset(str(tmp_path / "whole"), split="train")
    loaded = datasets.load_dataset(str(sharded), split="train")
    assert sorted(loaded.to_list(), key=lambda r: r["id"]) == whole.to_list()
    quotes = datasets.load_dataset(str(sharded), "quotes", split="train")
    assert (
        quotes.num_rows
        == datasets.load_dataset(str(tmp_path / "whole"), "quotes", split="train").num_rows
    )

    descriptor = json.loads((sharded / "datapackage.json").read_text(encoding="utf-8"))
    names = [r["name"] for r in descriptor["resources"]]
    assert len(set(names)) == len(names) == 6
    assert verify.check(sharded).valid
    card = (sharded / "README.md").read_text(encoding="utf-8")
    assert "num_examples: 5" in card

    diff = invoke(runner, "diff", str(tmp_path / "whole"), str(sharded), "--format", "json")
    assert json.loads(diff.output)["articles"] == {"added": [], "removed": [], "changed": []}
