"""Writing a release: Parquet, dataset card, release datapackage, atomically."""

from corpuspack.release.writer import ReleaseError, ReleaseExists, write_release

__all__ = ["ReleaseError", "ReleaseExists", "write_release"]
