"""corpuspack publish: the plan of a real release, and publish() against a recording fake of HfApi.

The fake stands in for the network only: it answers like the Hub does (404 for a missing
repository, 412 when the parent commit is not the head) and applies each commit to its
own file list, so the tests check the repository's state after a publish, not just calls.
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import json
import shutil
from pathlib import Path

import httpx2
import pytest
from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi, constants
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError
from huggingface_hub.hf_api import CommitInfo, GitRefInfo, GitRefs

from corpuspack.release.publish import PublishError, plan, publish, render_plan
from support import REPO

REPO_ID = "example-org/china-russia-security-news"
RELEASE_FILES = [
    "README.md",
    "data/train-00000-of-00001.parquet",
    "datapackage.json",
    "quotes/train-00000-of-00001.parquet",
]


def _http_error(cls, status: int, message: str):
    return cls(
        message,
        response=httpx2.Response(
            status, request=httpx2.Request("POST", "https://huggingface.co/api")
        ),
    )


class FakeHub:
    """The HfApi methods publish calls, answering like the Hub and recording every call."""

    def __init__(
        self,
        files: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
        exists: bool = True,
    ):
        self.exists = exists
        self.files = dict(files or {}) if exists else {}  # path -> sha256 of its content
        self.tags = dict(tags or {})  # name -> commit oid
        self.oids = (f"{n:040x}" for n in itertools.count(1))
        self.head = next(self.oids) if exists else None
        self.calls: list[tuple[str, dict]] = []
        self.fail: dict[str, Exception] = {}
        self.commits: list[list] = []

    def _call(self, name: str, *args, **kwargs) -> dict:
        """Records the call's arguments as bound by the installed HfApi method: a wrong call raises TypeError."""
        arguments = inspect.signature(getattr(HfApi, name)).bind(self, *args, **kwargs).arguments
        arguments.pop("self")
        self.calls.append((name, arguments))
        if name in self.fail:
            raise self.fail[name]
        return arguments

    def list_repo_refs(self, *args, **kwargs):
        self._call("list_repo_refs", *args, **kwargs)
        if not self.exists:
            raise _http_error(RepositoryNotFoundError, 404, "Repository Not Found")
        return GitRefs(
            branches=[GitRefInfo(name="main", ref="refs/heads/main", target_commit=self.head)],
            converts=[],
            tags=[
                GitRefInfo(name=n, ref=f"refs/tags/{n}", target_commit=o)
                for n, o in self.tags.items()
            ],
        )

    def create_repo(self, *args, **kwargs):
        self._call("create_repo", *args, **kwargs)
        if not self.exists:  # the Hub's first commit holds only .gitattributes
            self.exists, self.head, self.files = (
                True,
                next(self.oids),
                {".gitattributes": "lfs rules"},
            )

    def list_repo_files(self, *args, **kwargs):
        assert self._call("list_repo_files", *args, **kwargs)["revision"] == self.head
        return sorted(self.files)

    def create_commit(self, *args, **kwargs):
        call = self._call("create_commit", *args, **kwargs)
        if call.get("parent_commit") not in (None, self.head):
            raise _http_error(HfHubHTTPError, 412, "Precondition Failed")
        self.commits.append(list(call["operations"]))
        for op in self.commits[-1]:
            if isinstance(op, CommitOperationDelete):
                del self.files[op.path_in_repo]
            else:
                with op.as_file() as handle:  # the bytes that would be sent
                    self.files[op.path_in_repo] = hashlib.sha256(handle.read()).hexdigest()
        self.head = next(self.oids)
        return CommitInfo(
            commit_url=f"https://huggingface.co/datasets/{call['repo_id']}/commit/{self.head}",
            commit_message=call["commit_message"],
            commit_description="",
            oid=self.head,
        )

    def create_tag(self, *args, **kwargs):
        call = self._call("create_tag", *args, **kwargs)
        self.tags[call["tag"]] = call["revision"]

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


@pytest.fixture
def release(tmp_path: Path) -> Path:
    return Path(shutil.copytree(REPO / "dist" / "1.1.0", tmp_path / "dist" / "1.1.0"))


@pytest.fixture
def no_token(tmp_path: Path, monkeypatch) -> Path:
    """No token anywhere huggingface_hub looks; returns where `hf auth login` would store one."""
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_OIDC_RESOURCE"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "hf-home"
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setattr(
        constants, "HF_TOKEN_PATH", str(home / "token")
    )  # fixed when huggingface_hub was imported
    return home / "token"


@pytest.fixture
def token(no_token, monkeypatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_test_token_not_real")


def _expected(release: Path) -> list[tuple[str, int, str]]:
    return [
        (
            name,
            (release / name).stat().st_size,
            hashlib.sha256((release / name).read_bytes()).hexdigest(),
        )
        for name in RELEASE_FILES
    ]


def test_plan_lists_every_file_of_the_release_with_its_size_and_sha256(release):
    result = plan(release, REPO_ID)
    assert (result.repo_id, result.version, result.tag) == (REPO_ID, "1.1.0", "v1.1.0")
    assert list(result.files) == _expected(release)
    assert "1.1.0" in result.commit_message

    text = render_plan(result)
    assert "https://huggingface.co/datasets/example-org/china-russia-security-news" in text
    for name, size, digest in result.files:
        [line] = [line for line in text.splitlines() if line.strip().startswith(name + " ")]
        assert f" {size} bytes" in line and digest in line
    assert "Tag: v1.1.0" in text and repr(result.commit_message) in text
    assert text.rstrip().endswith("nothing was uploaded.")


@pytest.mark.parametrize("repo_id", ["no-namespace", "a/b/c", "org/bad--name", "org/name.git", ""])
def test_a_repo_id_the_hub_would_refuse_is_a_publish_error(release, repo_id):
    with pytest.raises(PublishError, match="repo id"):
        plan(release, repo_id)


def test_a_symbolic_link_in_the_release_is_refused(release, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("not part of the release")
    (release / "data" / "extra.txt").symlink_to(outside)
    with pytest.raises(PublishError, match="data/extra.txt is a symbolic link"):
        plan(release, REPO_ID)


def test_a_linked_folder_is_refused_not_followed(release, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (release / "more").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(PublishError, match="more is a symbolic link"):
        plan(release, REPO_ID)


def test_hidden_files_and_staging_folders_are_refused(release):
    (release / "data" / ".DS_Store").write_bytes(b"x")
    with pytest.raises(PublishError, match=r"data/\.DS_Store is hidden"):
        plan(release, REPO_ID)
    (release / "data" / ".DS_Store").unlink()
    staging = release.rename(release.parent / ".1.1.0.partial-abc123")
    with pytest.raises(PublishError, match="staging folder"):
        plan(staging, REPO_ID)


def test_a_folder_without_datapackage_json_or_version_is_refused(release):
    descriptor = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    del descriptor["version"]
    (release / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    with pytest.raises(PublishError, match="no version"):
        plan(release, REPO_ID)
    (release / "datapackage.json").unlink()
    with pytest.raises(PublishError, match="no datapackage.json"):
        plan(release, REPO_ID)


def test_publish_replaces_the_previous_release_in_one_commit_and_tags_that_commit(release, token):
    hub = FakeHub(
        files={
            ".gitattributes": "lfs rules",
            "README.md": "old card",
            "datapackage.json": "old",
            "data/train-00000-of-00001.parquet": "old",
            "data/validation-00000-of-00001.parquet": "old",
        },
        tags={"v1.0.0": "0" * 40},
    )
    head = hub.head
    the_plan = plan(release, REPO_ID)

    url = publish(the_plan, release, api=hub)

    assert hub.names == [
        "list_repo_refs",
        "create_repo",
        "list_repo_files",
        "create_commit",
        "create_tag",
    ]
    assert all(
        kwargs["repo_id"] == REPO_ID and kwargs["repo_type"] == "dataset" for _, kwargs in hub.calls
    )
    assert not any(
        "token" in kwargs for _, kwargs in hub.calls
    )  # huggingface_hub finds the token itself
    assert hub.calls[1][1]["exist_ok"] is True
    [commit] = hub.commits
    _, commit_call = hub.calls[3]
    assert commit_call["parent_commit"] == head and commit_call["revision"] == "main"
    assert commit_call["commit_message"] == the_plan.commit_message
    assert [op.path_in_repo for op in commit if isinstance(op, CommitOperationAdd)] == RELEASE_FILES
    assert [op.path_in_repo for op in commit if isinstance(op, CommitOperationDelete)] == [
        "data/validation-00000-of-00001.parquet"
    ]
    # The new head holds exactly the release (and the Hub's .gitattributes), byte for byte.
    assert hub.files == {
        ".gitattributes": "lfs rules",
        **{name: digest for name, _, digest in _expected(release)},
    }
    _, tag_call = hub.calls[4]
    assert tag_call["tag"] == "v1.1.0" and tag_call["revision"] == hub.head != head
    assert hub.tags == {"v1.0.0": "0" * 40, "v1.1.0": hub.head}
    assert url == f"https://huggingface.co/datasets/{REPO_ID}/commit/{hub.head}"


def test_publish_creates_a_missing_repository_before_committing(release, token):
    hub = FakeHub(exists=False)
    publish(plan(release, REPO_ID), release, api=hub)
    assert hub.names == [
        "list_repo_refs",
        "create_repo",
        "list_repo_refs",
        "list_repo_files",
        "create_commit",
        "create_tag",
    ]
    assert not [op for op in hub.commits[0] if isinstance(op, CommitOperationDelete)]
    assert set(hub.files) == {".gitattributes", *RELEASE_FILES}
    assert hub.tags == {"v1.1.0": hub.head}


def test_an_existing_tag_is_refused_before_anything_is_written(release, token):
    hub = FakeHub(files={"README.md": "1.1.0 card"}, tags={"v1.1.0": "f" * 40})
    with pytest.raises(PublishError, match="already has tag v1.1.0"):
        publish(plan(release, REPO_ID), release, api=hub)
    assert hub.names == ["list_repo_refs"]
    assert hub.files == {"README.md": "1.1.0 card"} and hub.tags == {"v1.1.0": "f" * 40}


def test_no_token_is_a_publish_error_before_the_hub_is_called(release, no_token):
    hub = FakeHub()
    with pytest.raises(PublishError, match=r"hf auth login.*HF_TOKEN"):
        publish(plan(release, REPO_ID), release, api=hub)
    assert hub.calls == []


def test_the_token_stored_by_hf_auth_login_is_enough(release, no_token):
    no_token.parent.mkdir(parents=True)
    no_token.write_text("hf_stored_token_not_real")
    hub = FakeHub()
    publish(plan(release, REPO_ID), release, api=hub)
    assert hub.tags == {"v1.1.0": hub.head}


def test_a_file_changed_after_planning_is_not_uploaded(release, token):
    the_plan = plan(release, REPO_ID)
    (release / "README.md").write_text("edited after the dry run", encoding="utf-8")
    hub = FakeHub()
    with pytest.raises(PublishError, match="README.md changed since the plan"):
        publish(the_plan, release, api=hub)
    assert "create_repo" not in hub.names and hub.commits == []


def test_a_push_during_publish_fails_the_commit_and_nothing_is_tagged(release, token):
    hub = FakeHub(files={".gitattributes": "lfs rules"})
    real_list = hub.list_repo_files

    def list_then_someone_pushes(*args, **kwargs):
        listed = real_list(*args, **kwargs)
        hub.head = next(hub.oids)
        return listed

    hub.list_repo_files = list_then_someone_pushes
    with pytest.raises(PublishError, match="main moved while publishing") as error:
        publish(plan(release, REPO_ID), release, api=hub)
    assert isinstance(error.value.__cause__, HfHubHTTPError)
    assert hub.commits == [] and hub.tags == {} and "create_tag" not in hub.names


def test_a_failed_tag_says_the_commit_landed_and_how_to_tag_it(release, token):
    hub = FakeHub(files={".gitattributes": "lfs rules"})
    hub.fail["create_tag"] = _http_error(HfHubHTTPError, 500, "Internal Server Error")
    with pytest.raises(PublishError) as error:
        publish(plan(release, REPO_ID), release, api=hub)
    message = str(error.value)
    assert "committed" in message and hub.head in message
    assert (
        f"hf repos tag create {REPO_ID} v1.1.0 --revision {hub.head} --repo-type dataset" in message
    )


def test_an_unreachable_hub_is_a_publish_error(release, token):
    hub = FakeHub()
    hub.fail["list_repo_refs"] = httpx2.ConnectError("Name or service not known")
    with pytest.raises(PublishError, match="the Hub is unreachable"):
        publish(plan(release, REPO_ID), release, api=hub)


def test_the_real_hfapi_in_offline_mode_is_a_publish_error_not_a_request(
    release, token, monkeypatch
):
    monkeypatch.setattr(
        constants, "HF_HUB_OFFLINE", True
    )  # every request raises before the network
    with pytest.raises(PublishError, match="unset HF_HUB_OFFLINE"):
        publish(plan(release, REPO_ID), release)
