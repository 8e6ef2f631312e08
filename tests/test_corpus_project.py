"""A corpus of one's own: `init`, the project's profiles and plugin modules, and what the
manifest records of them, without touching the installed package."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from corpuspack import api, plugins
from corpuspack.cli import main
from support import (
    CAPTURE,
    PROFILE,
    REPO,
    add_capture,
    code_of,
    git,
    invoke,
    make,
    with_plugin,
)

CORPUS_WORDS = re.compile(r"Sputnik|TASS|\bRT\b|Global Times|China|Russia", re.IGNORECASE)


def test_init_writes_a_generic_project_that_validates_and_builds_empty(tmp_path, runner):
    folder = tmp_path / "new"
    result = invoke(
        runner, "init", str(folder), "--title", "New corpus", "--license", "CC-BY-4.0",
        "--author", "Team", "--source", "Example=https://example.org", "--outlet", "Example News",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    written = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert written == [
        ".github/workflows/corpuspack.yml", ".gitignore", "README.md", "datapackage.json",
        "profiles/README.md", "schema/annotations.schema.json", "schema/article.schema.json",
        "schema/quotes.schema.json",
    ]  # fmt: skip
    for path in written:
        assert not CORPUS_WORDS.search((folder / path).read_text(encoding="utf-8")), path
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["name"] == "new" and descriptor["sources"][0]["path"] == "https://example.org"
    assert invoke(runner, "validate", "--project", str(folder)).exit_code == 0
    built = invoke(runner, "build", "--project", str(folder), "-q")
    assert built.exit_code == 0 and "nothing to release" in built.output
    assert not (folder / "dist").exists()


def test_init_refuses_a_folder_that_holds_a_project(tmp_path, runner):
    folder = make(tmp_path / "c")
    result = runner.invoke(
        main, ["init", str(folder), "--title", "x", "--license", "MIT", "--author", "y"]
    )
    assert result.exit_code == 2 and "already holds" in result.output


def test_the_template_schema_has_the_record_s_fields_of_this_repository_s_schema(tmp_path):
    mine = json.loads((REPO / "schema/article.schema.json").read_text(encoding="utf-8"))
    made = json.loads((make(tmp_path / "c") / "schema/article.schema.json").read_text("utf-8"))

    def shape(schema):
        return [
            (
                f["name"],
                f["type"],
                {k: v for k, v in f.get("constraints", {}).items() if k != "enum"},
            )
            for f in schema["fields"]
        ]

    assert shape(made) == shape(mine)
    for name in ("annotations", "quotes"):
        assert (tmp_path / "c/schema" / f"{name}.schema.json").read_text("utf-8") == (
            REPO / "schema" / f"{name}.schema.json"
        ).read_text("utf-8")


def test_a_project_profile_is_used_and_shown_with_its_rules(tmp_path, runner):
    folder = make(tmp_path / "c")
    (folder / "profiles/example-news.yaml").write_text(PROFILE, encoding="utf-8")
    add_capture(folder)
    with api.check(api.load_project(folder)) as checked:
        assert checked.report.flatten() == [] or all(
            f.code == "card-section-missing" for f in checked.report.findings
        )
        rows = checked.checked.store.shard("train", 0, 1)
        assert rows.column("title").to_pylist() == ["A headline of the example"]
    shown = invoke(runner, "profile", "show", "--project", str(folder),
                   str(folder / "raw/example-news/001.txt"), "--format", "json")  # fmt: skip
    explained = json.loads(shown.output)
    assert explained["profile"] == "profiles/example-news.yaml"
    assert [(r["line"], r["rule"]) for r in explained["removed"]] == [
        (1, "example-news/title"),
        (5, "example-news/share"),
    ]
    assert "profiles/example-news.yaml" in explained["removed"][1]["why"]


def test_a_project_profile_replaces_corpuspack_s_of_the_same_slug(project):
    (project / "profiles").mkdir()
    text = (REPO / "src/corpuspack/article/profiles/rt.yaml").read_text(encoding="utf-8")
    (project / "profiles/rt.yaml").write_text(text.replace("title: first-line", "title: none"))
    with api.check(api.load_project(project)) as checked:
        table = checked.checked.store.shard("train", 0, 1)
        rows = dict(
            zip(
                table.column("raw_path").to_pylist(), table.column("title").to_pylist(), strict=True
            )
        )
    assert all(title is None for path, title in rows.items() if path.startswith("raw/rt/"))
    assert any(title for path, title in rows.items() if not path.startswith("raw/rt/"))


@pytest.mark.parametrize(
    "text, where",
    [
        (PROFILE.replace("'Share this article'", "'(unclosed'"), ":6: furniture.0.pattern"),
        (PROFILE + "colour: blue\n", ":1: profile: Additional properties"),
        (PROFILE.replace("outlet: Example News\n", ""), ":1: profile: 'outlet' is a required"),
        (PROFILE.replace("title: first-line", "title: second-line"), ":3: title:"),
        ("outlet: [unclosed\n", ":2: not valid YAML"),
    ],
)
def test_a_broken_project_profile_names_its_file_and_line(tmp_path, text, where):
    folder = make(tmp_path / "c")
    (folder / "profiles/example-news.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(api.ConfigError) as caught:
        api.check(api.load_project(folder))
    assert str(caught.value).startswith(f"profiles/example-news.yaml{where}"), str(caught.value)


def test_a_plugin_module_of_the_project_checks_and_is_recorded(tmp_path):
    folder = with_plugin(make(tmp_path / "c"), "weather_plugin_a")
    (folder / "profiles/example-news.yaml").write_text(PROFILE, encoding="utf-8")
    add_capture(folder)
    with api.build(api.load_project(folder)) as built:
        codes = [f.code for f in built.report.findings]
        assert code_of("weather_plugin_a") in codes and built.written
    manifest = json.loads((folder / "dist/0.1.0/manifest.json").read_text("utf-8"))
    recorded = manifest["extensions"]
    assert [m["path"] for m in recorded["modules"]] == ["weather_plugin_a.py"]
    assert [p["path"] for p in recorded["profiles"]] == ["profiles/example-news.yaml"]


def test_the_fingerprint_follows_the_project_s_plugin_code_and_profiles(tmp_path):
    folder = with_plugin(make(tmp_path / "c"), "weather_plugin_b")
    first = plugins.load(project=api.load_project(folder)).fingerprint()
    (folder / "profiles/example-news.yaml").write_text(PROFILE, encoding="utf-8")
    second = plugins.load(project=api.load_project(folder)).fingerprint()
    with (folder / "weather_plugin_b.py").open("a", encoding="utf-8") as code:
        code.write("# changed\n")
    third = plugins.load(project=api.load_project(folder)).fingerprint()
    assert len({first, second, third}) == 3


@pytest.mark.parametrize("module, message", [("json", "already imported"), ("absent", "no absent")])
def test_a_plugin_module_that_is_not_the_project_s_is_refused(tmp_path, module, message):
    folder = make(tmp_path / "c")
    if module == "json":
        (folder / "json.py").write_text("", encoding="utf-8")
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["corpuspack"]["plugins"] = [module]
    (folder / "datapackage.json").write_text(json.dumps(descriptor), "utf-8")
    with pytest.raises(api.ConfigError, match=message):
        api.check(api.load_project(folder))


def contributed(tmp_path: Path, module: str) -> Path:
    """A corpus with a plugin module, committed on main, and a contribution branch checked out."""
    folder = with_plugin(make(tmp_path / "c"), module)
    (folder / "profiles/example-news.yaml").write_text(PROFILE, encoding="utf-8")
    (folder / f"{module}_words.py").write_text("WORD = 'weather'\n", encoding="utf-8")
    with (folder / f"{module}.py").open("a", encoding="utf-8") as code:
        code.write(f"import {module}_words  # noqa\n")  # a helper module the plugin imports
    add_capture(folder)
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "base")
    git(folder, "checkout", "-qb", "contribution")
    add_capture(folder, "002.txt", CAPTURE.replace("weather", "harvest"))
    return folder


def validate_in_ci(folder: Path, ref: str) -> tuple[int, list[dict]]:
    """validate --changed-since in a fresh process, as CI runs it (nothing imported yet)."""
    done = subprocess.run(
        [sys.executable, "-m", "corpuspack.cli", "validate", "--project", str(folder),
         "--changed-since", ref, "--format", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return done.returncode, json.loads(done.stdout)["findings"]


@pytest.mark.parametrize(
    "change, refused_file",
    [
        ("the plugin module", "weather_plugin_c.py"),
        ("a helper the plugin imports", "weather_plugin_c_words.py"),
        ("a module that shadows one of Python's", "shlex.py"),
        ("bytecode in __pycache__", "__pycache__/weather_plugin_c.cpython-311.pyc"),
    ],
)
def test_a_contribution_s_code_is_never_run(tmp_path, change, refused_file):
    folder = contributed(tmp_path, "weather_plugin_c")
    marker = tmp_path / "ran"
    run_me = f"open({str(marker)!r}, 'w').close()\n"
    target = folder / refused_file
    target.parent.mkdir(exist_ok=True)
    if target.suffix == ".pyc":  # committed past the .gitignore, as a hostile one would be
        target.write_bytes(b"not really bytecode, and never loaded")
        git(folder, "add", "-f", refused_file)
        git(folder, "commit", "-qm", "bytecode")
    else:
        with target.open("a", encoding="utf-8") as code:
            code.write(run_me)
    code_, findings = validate_in_ci(folder, "main")
    assert not marker.exists(), change
    refused = [f["file"] for f in findings if f["code"] == "contribution-changes-plugin"]
    assert refused == [refused_file] and code_ == 1


def test_a_contribution_whose_changes_cannot_be_listed_runs_no_project_code(tmp_path):
    folder = contributed(tmp_path, "weather_plugin_d")
    marker = tmp_path / "ran"
    with (folder / "weather_plugin_d.py").open("a", encoding="utf-8") as code:
        code.write(f"open({str(marker)!r}, 'w').close()\n")
    code_, findings = validate_in_ci(folder, "origin/main")  # not fetched: git has no such ref
    assert not marker.exists() and code_ == 1
    assert "plugins-not-run" in [f["code"] for f in findings if f["file"] == "datapackage.json"]


def _set_severities(folder: Path, severities: dict) -> None:
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["corpuspack"]["severities"] = severities
    (folder / "datapackage.json").write_text(json.dumps(descriptor), "utf-8")


def test_a_misspelt_severity_code_is_refused_even_when_the_plugins_are_not_run(tmp_path):
    module = "weather_plugin_g"
    folder = contributed(tmp_path, module)
    git(folder, "checkout", "-q", "main")
    _set_severities(folder, {code_of(module): "off"})  # the plugin's code, set on main
    git(folder, "commit", "-qam", "severities")
    git(folder, "checkout", "-q", "contribution")
    git(folder, "merge", "-q", "main")
    with (folder / f"{module}.py").open("a", encoding="utf-8") as code:
        code.write("# changed\n")  # so its modules are left out
    code_, findings = validate_in_ci(folder, "main")  # the base's plugin code is accepted
    errors = [f["file"] for f in findings if f["severity"] == "error"]
    assert code_ == 1 and errors == [f"{module}.py"]
    _set_severities(folder, {code_of(module): "off", "near-duplicat": "off"})
    everything = subprocess.run(
        [sys.executable, "-m", "corpuspack.cli", "validate", "--project", str(folder)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    contribution = subprocess.run(
        [sys.executable, "-m", "corpuspack.cli", "validate", "--project", str(folder),
         "--changed-since", "main"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    told = "setting corpuspack.severities.near-duplicat: near-duplicat is not a finding code"
    for done in (everything, contribution):
        assert done.returncode == 2 and told in done.stderr, done.stderr


def test_a_project_file_cannot_shadow_an_installed_module(tmp_path):
    folder = with_plugin(make(tmp_path / "c"), "weather_plugin_e")
    marker = tmp_path / "ran"
    (folder / "colorsys.py").write_text(f"open({str(marker)!r}, 'w').close()\n", "utf-8")
    # Load the project's plugins, then import a module of Python's that the project also has.
    probe = subprocess.run(
        [sys.executable, "-c",
         "import pathlib, sys; from corpuspack import api, plugins; "
         f"plugins.load(project=api.load_project(pathlib.Path({str(folder)!r}))); "
         "import colorsys; print(colorsys.__file__)"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert not marker.exists() and str(folder) not in probe.stdout


def test_verify_names_the_plugin_packages_and_versions_a_rebuild_here_lacks():
    from corpuspack.release.verify import installed_differences

    found = installed_differences(
        {
            "extensions": {"distributions": ["corpuspack-absent-plugin==1.0", "click==0.0.1"]},
            "corpuspack_version": "0.0.0",
            "dependencies": {},
        }
    )
    errors = [f.message for f in found if f.code == "rebuild-plugin-missing"]
    assert len(errors) == 2
    assert "corpuspack-absent-plugin==1.0; it is not installed" in errors[0]
    assert "click==0.0.1" in errors[1] and " is installed" in errors[1]
    (other,) = [f for f in found if f.code == "rebuild-other-corpuspack"]
    assert other.severity == "warning" and "corpuspack 0.0.0" in other.message
    from corpuspack import __version__
    from corpuspack.release.manifest import dependency_versions

    same = {"corpuspack_version": __version__, "dependencies": dependency_versions()}
    assert installed_differences(same) == []


def test_validate_reports_what_would_stop_the_release_metadata_and_build_agrees(tmp_path):
    folder = make(tmp_path / "c", licence="other", licence_title="Research use only")
    (folder / "profiles/example-news.yaml").write_text(PROFILE, encoding="utf-8")
    add_capture(folder)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["corpuspack"]["license_name"] == "example-corpus-license"
    del descriptor["corpuspack"]["license_name"]
    descriptor["contributors"] = []
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    project = api.load_project(folder)
    with api.check(project) as checked:
        found = [f.message for f in checked.report.findings if f.code == "release-metadata"]
    assert len(found) == 2 and "license_name" in found[0] and "contributor" in found[1]
    with api.build(project) as built:
        assert not built.written
        assert [f.message for f in built.report.findings if f.code == "release-metadata"] == found


@pytest.mark.parametrize("licence", ["ODbL-1.0", "not a licence"])
def test_a_licence_the_hub_refuses_is_found_by_validate_as_build_would(tmp_path, licence):
    folder = make(tmp_path / "c")
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["licenses"] = [{"name": licence}]
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    (folder / "profiles/example-news.yaml").write_text(PROFILE, encoding="utf-8")
    add_capture(folder)
    project = api.load_project(folder)
    with api.check(project) as checked:
        found = [f.message for f in checked.report.findings if f.code == "release-metadata"]
    assert len(found) == 1 and "not a licence id the Hugging Face Hub accepts" in found[0]
    with api.build(project) as built:
        assert not built.written


def test_init_refuses_a_licence_the_hub_would_refuse(tmp_path):
    with pytest.raises(api.UsageError, match="'ODbL-1.0'.*not a licence id"):
        make(tmp_path / "c", licence="ODbL-1.0")
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize(
    "option, value, told",
    [
        ("--outlet", " ", "outlet ' ': give the outlet's name"),
        ("--source", "Example=news.example.org", "is not a web address"),
        ("--source", "Example=ftp://news.example.org", "is not a web address"),
        ("--source", "Example=https://", "is not a web address"),
    ],
)
def test_init_refuses_an_empty_outlet_and_a_source_that_is_not_a_web_address(
    tmp_path, runner, option, value, told
):
    folder = tmp_path / "c"
    result = invoke(
        runner, "init", str(folder), "--title", "T", "--license", "CC-BY-4.0", "--author", "A",
        option, value,
    )  # fmt: skip
    assert result.exit_code == 2 and told in result.output, result.output
    assert not folder.exists()


def test_init_s_next_step_quotes_a_folder_with_spaces(tmp_path, runner):
    folder = tmp_path / "my corpus"
    result = invoke(
        runner, "init", str(folder), "--title", "T", "--license", "CC-BY-4.0", "--author", "A"
    )
    assert result.exit_code == 0, result.output
    hint = result.output.strip().splitlines()[-1].strip()
    assert hint.startswith(f"cd '{folder}' && ")
    done = subprocess.run(
        ["sh", "-c", hint.split(" && ")[0] + " && pwd"], capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout.strip() == str(folder.resolve())


def test_a_capture_of_no_outlet_is_told_the_corpus_s_outlets_not_corpuspack_s(tmp_path):
    folder = make(tmp_path / "c")
    (folder / "profiles/example-news.yaml").write_text(PROFILE, encoding="utf-8")
    (folder / "raw/elsewhere").mkdir(parents=True)
    (folder / "raw/elsewhere/001.txt").write_text(CAPTURE, encoding="utf-8")
    with api.check(api.load_project(folder)) as checked:
        (found,) = [f.message for f in checked.report.findings if f.code == "unknown-outlet"]
    assert "(one of: example-news)" in found
