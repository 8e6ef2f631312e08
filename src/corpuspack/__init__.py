"""corpuspack: package scraped news captures into a validated, reproducible dataset release."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("corpuspack")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0+unknown"

__all__ = ["__version__"]
