"""``python -m harness`` is the ``arena`` command."""

from harness.cli import main

main()
