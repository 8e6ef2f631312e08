"""corpuspack's library API: check, build, release, verify, diff and publish a corpus.

Every command of the CLI is one call here, and every call that checks runs the same
checks (`run_checks`), so `validate` and `build` cannot disagree on a finding. Nothing
here prints or exits: results carry every finding, and errors are exceptions:

- `ConfigError`: the project cannot be used as configured (the CLI exits 2);
- `CorpuspackError`: the command could not do its job (the CLI exits 1);
- `WorkerDied`: a worker process died computing the capture it names (the CLI exits 3).

A check's records live in a temporary spill folder until the result is closed, so the
results are context managers:

    with api.check(api.load_project(Path("my-corpus"))) as checked:
        for finding in checked.report.findings: ...
"""

from corpuspack.api.authoring import explain, init
from corpuspack.api.checking import (
    CheckResult,
    Closing,
    Progress,
    Scale,
    check,
    focus_of,
    load_project,
    run_checks,
)
from corpuspack.api.errors import (
    ConfigError,
    CorpuspackError,
    UsageError,
    VerifyFailed,
    WorkerDied,
)
from corpuspack.api.releasing import (
    BuildResult,
    ReleaseResult,
    build,
    diff,
    publish,
    publish_plan,
    release,
    release_folder,
    verify,
)
from corpuspack.project.datapackage import Project

__all__ = [
    "BuildResult",
    "CheckResult",
    "Closing",
    "ConfigError",
    "CorpuspackError",
    "Progress",
    "Project",
    "ReleaseResult",
    "Scale",
    "UsageError",
    "VerifyFailed",
    "WorkerDied",
    "build",
    "check",
    "diff",
    "explain",
    "focus_of",
    "init",
    "load_project",
    "publish",
    "publish_plan",
    "release",
    "release_folder",
    "run_checks",
    "verify",
]
