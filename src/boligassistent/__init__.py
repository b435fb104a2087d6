"""Knowledge assistant for Norwegian caseworkers in boligsosialt arbeid."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("boligassistent")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
