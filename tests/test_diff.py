"""corpuspack diff between two releases of the same corpus."""

from __future__ import annotations

import json

from contributions import NEW_RT, write
from support import REPO, invoke, set_version


def test_diff_reports_exactly_an_added_article_and_a_fixed_typo(project, runner):
    set_version(project, "1.0.0")
    assert invoke(runner, "build", "--project", str(project)).exit_code == 0
    write(project, "raw/rt/new.txt", NEW_RT)
    tass = project / "raw/tass/002_7aabf56efc3e79f2.txt"
    tass.write_bytes(tass.read_bytes().replace(b"cardinal changes", b"fundamental changes"))
    descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["version"] = "1.1.0"
    (project / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert invoke(runner, "build", "--project", str(project)).exit_code == 0

    result = invoke(runner, "diff", "--project", str(project), "1.0.0", "1.1.0", "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert (report["old"], report["new"]) == ("1.0.0", "1.1.0")
    assert [a["raw_path"] for a in report["articles"]["added"]] == ["raw/rt/new.txt"]
    assert report["articles"]["removed"] == []
    [changed] = report["articles"]["changed"]
    assert changed["raw_path"] == "raw/tass/002_7aabf56efc3e79f2.txt"
    # The fix lengthens the text, so the annotations after it move with it.
    assert changed["fields"] == ["annotations", "raw_sha256", "text"]
    assert any(line.startswith("-") and "cardinal changes" in line for line in changed["text_diff"])
    assert any(
        line.startswith("+") and "fundamental changes" in line for line in changed["text_diff"]
    )
    assert report["schema"] == {"added": [], "removed": [], "changed": []}
    assert report["splits"] == {"moved": []}

    text = invoke(runner, "diff", str(project / "dist/1.0.0"), str(project / "dist/1.1.0"))
    assert "+ " in text.output and "raw/rt/new.txt (added)" in text.output
    assert "~ " in text.output and "1 added, 0 removed, 1 changed" in text.output
    same = invoke(runner, "diff", str(project / "dist/1.0.0"), str(project / "dist/1.0.0"))
    assert same.output.strip() == "1.0.0 -> 1.0.0: no differences"


def test_diff_of_something_that_is_not_a_release(project, runner, tmp_path):
    set_version(project, "1.0.0")
    result = invoke(runner, "diff", "--project", str(project), "9.9.9", "1.0.0")
    assert result.exit_code == 2 and "neither a release folder nor a version" in result.output
    (tmp_path / "empty").mkdir()
    result = invoke(runner, "diff", str(tmp_path / "empty"), str(tmp_path / "empty"))
    assert result.exit_code == 1 and "not a release folder" in result.output


def test_a_column_added_to_the_quotes_is_a_field_added_and_calls_for_a_minor_release():
    from corpuspack import api
    from corpuspack.release.versioning import required

    changed = api.diff(REPO / "dist/1.1.2", REPO / "dist/1.2.0")
    assert changed.schema_added == ["quotes.attribution"] and changed.schema_removed == []
    assert required(changed)[0] == "minor"
