"""A profile's regular expression that backtracks without end (catastrophic backtracking) is a
clear error naming the profile file and line, never a hang: each match has a time limit.

The commands run in a process of their own with a generous timeout, so that a regression fails
this test instead of hanging CI."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import threading

import pytest

from corpuspack.article.profiles import ProfileError, load_registry, packaged
from corpuspack.article.profiles.patterns import Pattern, compile_rule
from support import add_capture, make

HANGS = "(a|aa)+"  # exponential in re and in regex on a line of a's that does not end in one
LINE = "a" * 200 + "!"
GENEROUS = 120  # seconds; a run that is stopped by its time limit takes a few

# Each place a profile holds a regular expression, each matched its own way (fullmatch, match,
# finditer): the profile, the capture that sets the rule off, and where the error must point.
CASES = {
    "furniture": (
        f"furniture:\n  - id: share\n    pattern: '{HANGS}'\n    why: buttons\n",
        f"A headline\n\n{LINE}\n",
        ":6: furniture.0.pattern",
    ),
    "dateline": (
        f"dateline:\n  pattern: '(?P<dateline>{HANGS}!x)'\n",
        f"A headline\n\n{LINE}\n",
        ":5: dateline.pattern",
    ),
    "title_suffix": (
        f"title_suffix: '{HANGS}$'\n",
        f"{LINE}\n\nThe first paragraph.\n",
        ":4: title_suffix",
    ),
}


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-m", "corpuspack.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=GENEROUS)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_a_project_profile_rule_that_backtracks_without_end_is_an_error_not_a_hang(tmp_path, rule):
    profile, capture, where = CASES[rule]
    folder = make(tmp_path / "c")
    (folder / "profiles/example-news.yaml").write_text(
        "outlet: Example News\nslug: example-news\ntitle: first-line\n" + profile,
        encoding="utf-8",
    )
    add_capture(folder, text=capture)
    done = cli("validate", "--project", str(folder))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert f"Error: profiles/example-news.yaml{where}: the regular expression" in done.stderr
    assert "backtracks without end" in done.stderr
    shown = cli(
        "profile", "show", "--project", str(folder), str(folder / "raw/example-news/001.txt")
    )
    assert shown.returncode == 2 and f"profiles/example-news.yaml{where}" in shown.stderr


def test_the_error_reaches_the_build_from_a_worker_process():
    error = ProfileError("profiles/x.yaml", "furniture.0.pattern: took too long", 6)
    again = pickle.loads(pickle.dumps(error))
    assert (again.shown, again.message, again.line) == ("profiles/x.yaml", error.message, 6)
    assert str(again) == str(error)


def test_corpuspack_s_own_profiles_take_the_same_path():
    registry = load_registry(packaged())
    rules = [r.pattern for r in registry.generic] + [
        rule
        for profile in registry.profiles
        for rule in (
            *(r.pattern for r in profile.furniture),
            profile.title_suffix,
            profile.timestamp,
            profile.dateline,
        )
        if rule is not None
    ]
    assert len(rules) > 10 and all(isinstance(rule, Pattern) and rule.line for rule in rules)


def _hanging_rule() -> Pattern:
    return compile_rule("profiles/x.yaml", "furniture.0.pattern", 6, HANGS, fullmatch=True)


WATCHED = f"""
import signal
from corpuspack.article.profiles import ProfileError
from corpuspack.article.profiles.patterns import compile_rule
rule = compile_rule("profiles/x.yaml", "furniture.0.pattern", 6, {HANGS!r}, fullmatch=True)
assert rule.fullmatch("aaaa") is not None  # a match that ends is left alone
try:
    rule.fullmatch("a" * 60 + "!")
except ProfileError as exc:
    print("stopped", exc.line, exc)
# The watchdog is what stopped it: it runs in this (main) thread and holds SIGVTALRM.
print("watchdog", signal.getsignal(signal.SIGVTALRM) not in (signal.SIG_DFL, None))
print("goes on", rule.finditer("aa aaa") != [] and rule.match("aab") is not None)
"""


def test_the_main_thread_s_matches_are_stopped_by_the_watchdog():
    # In a process of its own, with a time limit: a watchdog that does not bite would hang.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", WATCHED], capture_output=True, text=True, env=env, timeout=GENEROUS
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("stopped 6 ") and "backtracks without end" in lines[0]
    assert lines[1:] == ["watchdog True", "goes on True"]


def test_another_thread_s_matches_are_stopped_by_regex_s_timeout():
    rule = _hanging_rule()
    raised: list[BaseException] = []

    def match() -> None:
        try:
            rule.fullmatch("a" * 60 + "!")
        except ProfileError as exc:
            raised.append(exc)

    thread = threading.Thread(target=match)
    thread.start()
    thread.join(GENEROUS)
    assert not thread.is_alive() and len(raised) == 1
    assert "took more than 1 s of CPU" in str(raised[0])


def test_a_table_schema_pattern_that_backtracks_without_end_is_an_error_not_a_hang(tmp_path):
    # The schema is the project's, so a pull request's, as much as a profile is. \\w makes the
    # pattern one only Python's engine can match (RE2's \\w differs), the path that could hang.
    folder = make(tmp_path / "c")
    schema_path = folder / "schema/article.schema.json"
    schema = json.loads(schema_path.read_text("utf-8"))
    title = next(field for field in schema["fields"] if field["name"] == "title")
    title["constraints"]["pattern"] = r"(\w|\w\w)+"
    schema_path.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    (folder / "profiles/example-news.yaml").write_text(
        "outlet: Example News\nslug: example-news\ntitle: first-line\n", encoding="utf-8"
    )
    add_capture(folder, text="a" * 60 + "?\n\nThe first paragraph.\n")
    done = cli("validate", "--project", str(folder))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "the Table Schema's field 'title': the pattern" in done.stderr
    assert "backtracks without end" in done.stderr
