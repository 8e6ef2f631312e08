"""Publishing a release folder to the Hugging Face Hub, as one commit tagged v<version>.

The Hub keeps one dataset repository. Each release replaces the previous one at its
root, so `main` is always the latest release, and its tag keeps every release loadable
as it was: load_dataset(repo_id, revision="v1.1.0").
"""

from __future__ import annotations

import importlib
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi, constants, get_token
from huggingface_hub.errors import (
    HfHubHTTPError,
    HFValidationError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
)
from huggingface_hub.utils import validate_repo_id

from corpuspack.project.datapackage import SEMVER
from corpuspack.release.package import sha256_file


def _http_error() -> type[Exception]:
    """The HTTP client's base error: connection failures are not HfHubHTTPErrors."""
    try:  # huggingface_hub 2 uses httpx2, 1.x httpx
        return importlib.import_module("httpx2").HTTPError
    except ImportError:  # pragma: no cover
        return importlib.import_module("httpx").HTTPError


HTTPError = _http_error()

REPO_TYPE = "dataset"
BRANCH = constants.DEFAULT_REVISION
# The Hub's LFS rules, from the repository's first commit: never part of a release, never
# deleted (upload_folder's delete_patterns spares it for the same reason).
KEPT = frozenset({".gitattributes"})
REQUIRED = ("README.md", "datapackage.json")  # the card tells load_dataset the configurations
_HINTS = {
    401: "the token was refused: run `hf auth login` again or set HF_TOKEN",
    403: "the token cannot write there: use a token with write access to the organisation",
    404: "check the repo id, and that your token can see the repository",
    409: "someone else is changing the repository or its refs: look at it, then publish again",
    412: f"{BRANCH} moved while publishing (someone pushed): nothing was committed; publish again",
}


class PublishError(Exception):
    """Nothing was published, or the message says what was and what to do next."""


@dataclass(frozen=True)
class Plan:
    repo_id: str
    version: str
    tag: str
    files: tuple[tuple[str, int, str], ...]  # (path in repo, bytes, sha256), sorted by path
    commit_message: str

    @property
    def url(self) -> str:
        return f"{constants.ENDPOINT}/datasets/{self.repo_id}"


def _files(root: Path) -> dict[str, Path]:
    """The folder's files, refusing anything whose upload would not be the folder's own bytes."""
    found = {}
    for folder, dirs, names in os.walk(root):  # follows no links: a linked folder is refused
        for name in dirs + names:
            path = Path(folder, name)
            relative = path.relative_to(root).as_posix()
            if name.startswith("."):
                raise PublishError(f"{root}: {relative} is hidden: not part of a release")
            if path.is_symlink():
                raise PublishError(f"{root}: {relative} is a symbolic link: copy the file in")
            if name in names:
                if not path.is_file():
                    raise PublishError(f"{root}: {relative} is not a regular file")
                found[relative] = path
    return found


def plan(release_dir: Path, repo_id: str) -> Plan:
    """Everything publish will send, computed offline, so --dry-run shows exactly that."""
    try:
        validate_repo_id(repo_id)
    except HFValidationError as exc:
        raise PublishError(f"repo id {repo_id!r}: {exc}") from exc
    if "/" not in repo_id:
        raise PublishError(f"repo id {repo_id!r} must be ORG/NAME (owner, then dataset name)")
    root = Path(release_dir).resolve()
    if not root.is_dir():
        raise PublishError(f"{release_dir}: no such release folder")
    if root.name.startswith(".") or ".partial-" in root.name:
        raise PublishError(
            f"{release_dir} is an unfinished build's staging folder; publish "
            "the dist/<version>/ that `corpuspack build` renames it to"
        )
    files = _files(root)
    for name in REQUIRED:
        if name not in files:
            raise PublishError(f"{release_dir}: no {name}: not a `corpuspack build` release")
    try:
        version = json.loads(files["datapackage.json"].read_text(encoding="utf-8"))["version"]
    except (ValueError, KeyError, TypeError) as exc:
        raise PublishError(f"{release_dir}/datapackage.json: no version ({exc!r})") from exc
    if not isinstance(version, str) or not SEMVER.match(version):
        raise PublishError(f"{release_dir}/datapackage.json: version {version!r} is not SemVer")
    listing = tuple(
        (name, path.stat().st_size, sha256_file(path)) for name, path in sorted(files.items())
    )
    return Plan(
        repo_id=repo_id,
        version=version,
        tag=f"v{version}",
        files=listing,
        commit_message=f"Release {version}",
    )


def render_plan(plan: Plan) -> str:
    width = max(len(name) for name, _, _ in plan.files)
    lines = [f"Release {plan.version} for {plan.url}", ""]
    lines += [
        f"  {name:<{width}}  {size:>10} bytes  sha256:{digest}" for name, size, digest in plan.files
    ]
    total = sum(size for _, size, _ in plan.files)
    lines += [
        "",
        f"{len(plan.files)} files, {total} bytes, one commit on {BRANCH}: {plan.commit_message!r}",
        "Files on the Hub not listed (an older release's) are deleted in it; .gitattributes stays.",
        f"Tag: {plan.tag} at that commit: load_dataset({plan.repo_id!r}, revision={plan.tag!r})",
        "Dry run: nothing was uploaded.",
    ]
    return "\n".join(lines) + "\n"


@contextmanager
def _hub_errors(plan: Plan, doing: str, then: str = ""):
    try:
        yield
    except OfflineModeIsEnabled as exc:
        raise PublishError(f"{doing} {plan.url}: unset HF_HUB_OFFLINE to publish{then}") from exc
    except HfHubHTTPError as exc:
        hint = _HINTS.get(exc.response.status_code, "try again later (status.huggingface.co)")
        raise PublishError(f"{doing} {plan.url} failed: {exc}\n{hint}{then}") from exc
    except HTTPError as exc:
        raise PublishError(f"{doing} {plan.url}: the Hub is unreachable ({exc}){then}") from exc


def _additions(plan: Plan, root: Path) -> list[CommitOperationAdd]:
    """Uploads of the planned files, checked against the plan with the hashes the upload uses."""
    additions = []
    for name, size, digest in plan.files:
        path = root / name
        if path.is_symlink() or not path.is_file():
            raise PublishError(f"{root}: {name} is no longer a regular file; plan again")
        operation = CommitOperationAdd(path_in_repo=name, path_or_fileobj=path)
        if (operation.upload_info.size, operation.upload_info.sha256.hex()) != (size, digest):
            raise PublishError(
                f"{root}: {name} changed since the plan was made; nothing was uploaded"
            )
        additions.append(operation)
    return additions


def publish(plan: Plan, release_dir: Path, api: HfApi | None = None) -> str:
    """Commit exactly the planned files to main in one commit and tag it; returns the commit's URL.

    The token is huggingface_hub's own (HF_TOKEN or `hf auth login`), never an argument, so it
    never reaches a command line or a log. A release is immutable: an existing tag is refused
    before anything is written. The commit's parent is pinned to the head whose files were
    listed for deletion, and the tag names the commit's oid, not the branch.
    """
    if get_token() is None:
        raise PublishError(
            "no Hugging Face token: run `hf auth login`, "
            "or set HF_TOKEN to a token with write access"
        )
    api = api or HfApi()
    root = Path(release_dir).resolve()
    refs = _untagged_refs(api, plan)
    additions = _additions(plan, root)
    with _hub_errors(plan, "creating"):
        api.create_repo(plan.repo_id, repo_type=REPO_TYPE, exist_ok=True)
        if refs is None:
            refs = api.list_repo_refs(plan.repo_id, repo_type=REPO_TYPE)
    head = next((ref.target_commit for ref in refs.branches if ref.name == BRANCH), None)
    deletions = _deletions(api, plan, head)
    with _hub_errors(plan, f"committing release {plan.version} to"):
        commit = api.create_commit(
            plan.repo_id,
            [*deletions, *additions],
            commit_message=plan.commit_message,
            repo_type=REPO_TYPE,
            revision=BRANCH,
            parent_commit=head,
        )
    # Publishing again is safe (unchanged files are not committed again), or tag by hand:
    retry = (
        f"\nThe release is committed ({commit.commit_url}) but not tagged; publish again, or "
        f"run: hf repos tag create {plan.repo_id} {plan.tag} --revision {commit.oid} "
        "--repo-type dataset"
    )
    with _hub_errors(plan, f"tagging {plan.tag} in", retry):
        api.create_tag(
            plan.repo_id,
            tag=plan.tag,
            revision=commit.oid,
            repo_type=REPO_TYPE,
            tag_message=plan.commit_message,
        )
    return commit.commit_url


def _untagged_refs(api: HfApi, plan: Plan):
    """The repository's refs (None if it does not exist yet), refusing one that has the plan's tag."""
    with _hub_errors(plan, "reading the tags of"):
        try:
            refs = api.list_repo_refs(plan.repo_id, repo_type=REPO_TYPE)
        except RepositoryNotFoundError:
            refs = None  # created by publish
    if refs is not None and plan.tag in {ref.name for ref in refs.tags}:
        raise PublishError(
            f"{plan.repo_id} already has tag {plan.tag}: releases are immutable; "
            "bump the version in datapackage.json and build a new release"
        )
    return refs


def _deletions(api: HfApi, plan: Plan, head: str | None) -> list[CommitOperationDelete]:
    """Deletions of the files at head that the plan does not list (an older release's)."""
    with _hub_errors(plan, "listing the files of"):
        present = (
            api.list_repo_files(plan.repo_id, repo_type=REPO_TYPE, revision=head) if head else []
        )
    planned = {name for name, _, _ in plan.files}
    return [
        CommitOperationDelete(path_in_repo=name, is_folder=False)
        for name in sorted(present)
        if name not in planned and name not in KEPT
    ]
