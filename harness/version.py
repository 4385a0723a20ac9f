"""The harness version recorded with every run (part of the resume key, CONTRACT 7)."""

from importlib import metadata

try:
    HARNESS_VERSION = metadata.version("supervision-arena")
except metadata.PackageNotFoundError:  # running from a source tree that was not installed
    HARNESS_VERSION = "0+unknown"
