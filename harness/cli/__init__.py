"""The ``arena`` command line (CONTRACT 8). One module per command; heavy imports inside them.

Every problem in the user's input ends as one line on stderr and exit code 1; tracebacks are
shown only with ``--debug``.
"""

from __future__ import annotations

import sys

import click

from harness.errors import ArenaError
from harness.version import HARNESS_VERSION


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors.")
@click.version_option(HARNESS_VERSION, prog_name="arena")
def cli(debug: bool) -> None:
    """Supervision Model Arena: generate labelled scenarios, run supervision models in a
    sandbox, score them and publish leaderboards."""


def _register() -> None:
    from harness.cli import check, demo, generate, leaderboard, run, selftest, status, submit, verify

    for module in (generate, check, run, submit, status, verify, leaderboard, demo, selftest):
        cli.add_command(module.command)


_register()


def _fail(message: str) -> int:
    click.echo(f"arena: error: {message}", err=True)
    return 1


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        code = cli.main(args=args, prog_name="arena", standalone_mode=False)
    except ArenaError as exc:
        if debug:
            raise
        code = _fail(str(exc))
    except click.exceptions.Abort:
        code = _fail("aborted")
    except click.ClickException as exc:
        if debug:
            raise
        command = exc.ctx.command_path if getattr(exc, "ctx", None) else "arena"
        code = _fail(f"{exc.format_message()} — see `{command} --help`")
    except KeyboardInterrupt:
        code = _fail("interrupted")
        code = 130
    sys.exit(code if isinstance(code, int) else 0)
