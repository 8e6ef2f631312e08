"""Stable splits: a function of the id alone, in the card with exact sizes, loadable."""

from __future__ import annotations

import json
from collections import Counter

import datasets
import yaml

from contributions import NEW_RT, write
from corpuspack.build import splits
from support import invoke, set_version

RATIOS = {"train": 0.6, "validation": 0.2, "test": 0.2}


def test_assignment_depends_on_the_id_only_and_follows_the_ratios():
    ids = [f"{i:016x}" for i in range(20_000)]
    assigned = {i: splits.assign(i, RATIOS) for i in ids}
    counts = Counter(assigned.values())
    for name, share in RATIOS.items():  # deterministic ids: the same counts on every run
        assert abs(counts[name] / len(ids) - share) < 0.02
    more = ids + [f"new-{i}" for i in range(5_000)]
    assert {i: splits.assign(i, RATIOS) for i in more if i in assigned} == assigned
    assert all(splits.assign(i, {"train": 1.0}) == "train" for i in ids[:100])


def set_splits(project, ratios, version=None):
    descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["corpuspack"]["splits"] = ratios
    descriptor["version"] = version or "1.0.0"
    (project / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")


def test_a_release_with_splits_loads_with_the_sizes_the_card_declares(project, runner):
    set_splits(project, {"train": 0.5, "test": 0.5})
    assert invoke(runner, "build", "--project", str(project)).exit_code == 0
    release = project / "dist/1.0.0"
    card = yaml.safe_load((release / "README.md").read_text(encoding="utf-8").split("---\n")[1])
    info = next(c for c in card["dataset_info"] if c["config_name"] == "articles")
    declared = {s["name"]: s["num_examples"] for s in info["splits"]}
    expected = Counter(
        splits.assign(json_id, {"train": 0.5, "test": 0.5})
        for json_id in datasets.load_dataset(str(release), split="train+test")["id"]
    )
    assert declared == dict(expected) and sum(declared.values()) == 5
    loaded = datasets.load_dataset(str(release))
    assert {name: loaded[name].num_rows for name in loaded} == declared
    for name in loaded:
        assert all(
            splits.assign(i, {"train": 0.5, "test": 0.5}) == name for i in loaded[name]["id"]
        )
    package = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    assert sorted(r["name"] for r in package["resources"]) == sorted(
        f"{table}-{n}" for n in declared for table in ("articles", "quotes")
    )


def test_adding_articles_moves_no_existing_article(project, runner):
    set_splits(project, RATIOS)
    assert invoke(runner, "build", "--project", str(project)).exit_code == 0
    write(project, "raw/rt/new.txt", NEW_RT)
    set_splits(project, RATIOS, version="1.1.0")
    assert invoke(runner, "build", "--project", str(project)).exit_code == 0
    result = json.loads(
        invoke(
            runner, "diff", "--project", str(project), "1.0.0", "1.1.0", "--format", "json"
        ).output
    )
    assert result["splits"]["moved"] == [] and len(result["articles"]["added"]) == 1


def test_shares_must_add_up_to_one(project, runner):
    set_splits(project, {"train": 0.8, "test": 0.1})
    result = invoke(runner, "validate", "--project", str(project))
    assert result.exit_code == 2 and "must add up to 1" in result.output


def test_diff_reports_articles_that_changed_split(project, runner):
    set_version(project, "1.0.0")
    assert invoke(runner, "build", "--project", str(project)).exit_code == 0
    set_splits(project, {"train": 0.5, "test": 0.5}, version="2.0.0")
    assert invoke(runner, "build", "--project", str(project)).exit_code == 0
    result = json.loads(
        invoke(
            runner, "diff", "--project", str(project), "1.0.0", "2.0.0", "--format", "json"
        ).output
    )
    test_ids = datasets.load_dataset(str(project / "dist/2.0.0"), split="test")["id"]
    assert result["splits"]["moved"] == [
        {"id": i, "from": "train", "to": "test"} for i in sorted(test_ids)
    ]
    assert result["articles"] == {"added": [], "removed": [], "changed": []}


def _first_cut_above(point: float, ratios: dict[str, float]) -> str:
    """The rule spelt out one point at a time: the reference the vectorised assignment must match."""
    cumulative = 0.0
    for name in ratios:
        cumulative += ratios[name]
        if point < cumulative:
            return name
    return list(ratios)[-1]


def test_splits_assigned_in_bulk_are_those_assigned_one_by_one():
    import numpy as np

    ids = [f"{i:016x}" for i in range(5000)]
    points = np.array([splits.position(i) for i in ids])
    edges = np.array(
        [0.0, 0.1, 0.3, 0.7, 0.8, 0.9, 1.0 - 2**-53, 0.1 + 0.2]
    )  # on and around the cuts
    for ratios in (
        {"train": 1.0},
        {"train": 0.8, "test": 0.2},
        {"train": 0.7, "validation": 0.1, "test": 0.2},
        {"a": 0.1, "b": 0.0, "c": 0.2, "d": 0.7},
        {"a": 0.3, "b": 0.3, "c": 0.3},
    ):
        expected = [_first_cut_above(splits.position(i), ratios) for i in ids]
        assert splits.assign_positions(points, ratios) == expected
        assert [splits.assign(i, ratios) for i in ids] == expected
        assert splits.assign_positions(edges, ratios) == [
            _first_cut_above(p, ratios) for p in edges.tolist()
        ]


def test_files_assigned_in_bulk_are_those_assigned_one_by_one():
    import numpy as np

    ids = [f"{i:016x}" for i in range(5000)]
    points = [splits.position(i, "shard") for i in ids]
    edges = [0.0, 0.5, 1 / 3, 2 / 3, 1.0 - 2**-53, 0.1 + 0.2, 0.999]
    for count in (1, 2, 3, 7, 64, 1000):
        for some in (points, edges):
            expected = [min(count - 1, int(p * count)) for p in some]
            found = splits.shard_positions(np.array(some), count)
            assert found.dtype == np.int64 and found.tolist() == expected
        assert [splits.shard(i, count) for i in ids] == [
            min(count - 1, int(p * count)) for p in points
        ]
