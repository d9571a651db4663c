"""The `fr-monitor` command: parse arguments, load settings once, hand them to the command's module.

`alerts`, `deliveries` and `retry` read (or queue in) the history only: they need the data folder and nothing
else from the configuration, so they find it without building the settings model (importing pydantic-settings
and building the model is most of a command's start; see monitor.config_file).

Exit codes: 0 done; 1 the command ran into a problem (with `run --once`: a source failed); 2 the command cannot
run as asked: its arguments (an id or name that names nothing among them), the configuration, the data folder, or
its output closed early. No traceback reaches
a person: each of these is one line on stderr that names what is wrong and what to do (a configuration with
several problems lists each), and an unexpected error is one line too (FR_MONITOR_TRACEBACK=1 shows the traceback,
for a bug report).

Commands that only read (status, alerts, deliveries, explain, check-config) never need write access to the data
folder, and only the commands that send need the targets' secrets.
"""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from monitor import __version__
from monitor.config_file import CONFIG_ENV, ConfigError
from monitor.logs import setup_logging
from monitor.models import EVENTS

if TYPE_CHECKING:
    from monitor.settings.model import Settings

EXIT_CONFIG = 2
TRACEBACK_ENV = "FR_MONITOR_TRACEBACK"
MAX_LIMIT = 100_000


class UsageError(Exception):
    """The command cannot run as asked, for a reason the person running it can fix: said in one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad command line is one line (what is wrong, and where the help is), not the usage."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _count(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= number <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"{number} is out of range: give a number from 1 to {MAX_LIMIT:,}")
    return number


def _id(text: str, noun: str = "delivery", listing: str = "fr-monitor deliveries") -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a {noun} id (a whole number)") from None
    if not 1 <= number < 2**63:
        raise argparse.ArgumentTypeError(f"{number} is not a {noun} id: ids are 1 or more, as `{listing}` shows")
    return number


def _silence_id(text: str) -> int:
    return _id(text, "silence", "fr-monitor silence list")


def _add_log_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log-format", choices=["text", "json"], default=argparse.SUPPRESS, help="log lines as text or JSON"
    )


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="TOML config file (default: $MONITOR_CONFIG, else built-in defaults)",
    )


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _since(text: str) -> str:
    from monitor.core.clock import eastern_timestamp

    _date(text[:10])
    try:
        eastern_timestamp(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD) or a time (YYYY-MM-DDTHH:MM)") from None
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fr-monitor", description="Watch US federal sources for AI-related rules and send alerts.")
    parser.add_argument("--version", action="version", version=f"fr-monitor {__version__}")
    _add_config(parser)
    _add_log_format(parser)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run the service (poll, match, alert)",
        description="Run the service until SIGTERM or SIGINT, or with --once poll every enabled source once.",
        epilog=(
            "exit codes with --once: 0 when every enabled source polled and due deliveries were attempted, "
            "1 when a source failed (each named on stderr), 2 on a configuration error"
        ),
    )
    _add_config(run)
    _add_log_format(run)
    run.add_argument("--once", action="store_true", help="poll every enabled source once, send what is due, exit")

    check = commands.add_parser("check-config", help="validate the configuration and print what it watches")
    _add_config(check)
    check.add_argument("--json", action="store_true", help="print the summary as JSON, for scripts")

    health = commands.add_parser(
        "healthcheck",
        help="exit 0 when the running service is live and ready (/healthz, /readyz), else 1 naming the problems",
    )
    _add_config(health)

    alerts = commands.add_parser("alerts", help="list recent alerts and their deliveries")
    _add_config(alerts)
    alerts.add_argument("--limit", type=_count, default=20, metavar="N", help="how many (default 20)")
    alerts.add_argument("--watchlist", metavar="NAME", help="only this watchlist's alerts")
    alerts.add_argument("--event", choices=EVENTS, help="only this event")
    alerts.add_argument("--since", type=_since, metavar="DATE", help="only alerts from this date (US Eastern) on")
    alerts.add_argument("--json", action="store_true", help="print JSON")

    backfill = commands.add_parser(
        "backfill", help="evaluate watchlists against past Federal Register documents (prints; sends with --send)"
    )
    _add_config(backfill)
    backfill.add_argument("--since", type=_date, required=True, metavar="DATE", help="first publication date")
    backfill.add_argument("--until", type=_date, metavar="DATE", help="last publication date (default today)")
    backfill.add_argument("--watchlist", metavar="NAME", help="only this watchlist")
    backfill.add_argument("--query", metavar="QUERY", help="try this query instead of the configured watchlists")
    backfill.add_argument(
        "--full-text",
        choices=["never", "without_abstract", "always"],
        default="never",
        help="with --query: when to search the full text (default never)",
    )
    backfill.add_argument("--json", action="store_true", help="print JSON")
    backfill.add_argument("--send", action="store_true", help="send the alerts too (each at most once, ever)")

    status = commands.add_parser("status", help="sources, outbox, targets, watchlists and the latest alerts")
    _add_config(status)
    status.add_argument("--json", action="store_true", help="print JSON (errors in full), for scripts")

    deliveries = commands.add_parser("deliveries", help="list deliveries, optionally by state")
    _add_config(deliveries)
    deliveries.add_argument("--state", choices=["pending", "failed", "dead", "sent"], help="only this state")
    deliveries.add_argument("--limit", type=_count, default=50, metavar="N", help="how many (default 50)")

    retry = commands.add_parser("retry", help="send dead deliveries (or one delivery) again")
    _add_config(retry)
    which = retry.add_mutually_exclusive_group()
    which.add_argument("--dead", action="store_true", help="every dead delivery (the default)")
    which.add_argument("id", nargs="?", type=_id, help="one delivery, by the DELIVERY id `deliveries` shows")

    test_notify = commands.add_parser("test-notify", help="send a realistic sample alert to one target")
    _add_config(test_notify)
    test_notify.add_argument("target", metavar="TARGET", help="a target name from the configuration")

    explain = commands.add_parser("explain", help="show why each watchlist did or did not match a document")
    _add_config(explain)
    explain.add_argument("document_number", metavar="DOCUMENT_NUMBER")
    explain.add_argument("--watchlist", metavar="NAME", help="only this watchlist")
    _add_silence(commands)
    return parser


def _add_silence(commands: argparse._SubParsersAction[_Parser]) -> None:
    silence = commands.add_parser(
        "silence",
        help="stop alerts about a document, RIN, docket, query or watchlist for a while",
        description="Silences are kept in the data folder and count from the next alert queued (no reload).",
    )
    _add_config(silence)
    actions = silence.add_subparsers(dest="silence_command", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="add a silence: every matcher given must match",
        epilog="example: fr-monitor silence add --docket BIS-2025-0001 --for 30d --comment 'tracked by legal'",
    )
    _add_config(add)
    add.add_argument("--watchlist", metavar="NAME", help="alerts of this watchlist")
    add.add_argument("--document", metavar="NUMBER", help="alerts about this document number")
    add.add_argument("--rin", metavar="RIN", help="alerts about documents with this RIN")
    add.add_argument("--docket", metavar="ID", help="alerts about documents in this docket")
    add.add_argument("--query", metavar="QUERY", help="alerts about documents this query (watchlist language) finds")
    ends = add.add_mutually_exclusive_group()
    ends.add_argument("--for", dest="for_", metavar="DURATION", help="how long: 30d, 12h, 90m, 2w")
    ends.add_argument("--until", type=_date, metavar="YYYY-MM-DD", help="through the end of that day, US Eastern")
    add.add_argument("--comment", metavar="TEXT", help="why (required)")
    add.add_argument("--author", metavar="NAME", help="who (default: your login name)")
    listing = actions.add_parser("list", help="silences, active first, with who, why, until and what they silenced")
    _add_config(listing)
    listing.add_argument("--json", action="store_true", help="print JSON")
    expire = actions.add_parser("expire", help="end a silence now")
    _add_config(expire)
    expire.add_argument("id", type=_silence_id, metavar="ID", help="the silence's id (`fr-monitor silence list`)")
    expire.add_argument("--author", metavar="NAME", help="who (default: your login name)")


# Commands that need only the data folder (see the top).
HISTORY = frozenset({"alerts", "deliveries", "retry"})
# Commands that send nothing: they never parse target URLs, so they never load Apprise.
READ_ONLY = HISTORY | {"status", "silence"}
# Commands that send nothing and need no secret at all: an operator's shell rarely has the targets' secrets.
NO_SECRETS = frozenset({"status", "explain", "silence"})


def _say(message: str) -> None:
    print(f"fr-monitor: {message}", file=sys.stderr)


def _invalid(exc: ConfigError) -> int:
    if len(exc.problems) == 1:
        _say(f"invalid configuration: {exc.problems[0]}")
        return EXIT_CONFIG
    _say(f"invalid configuration ({len(exc.problems)} problems):")
    for problem in exc.problems:
        print(f"  {problem}", file=sys.stderr)
    return EXIT_CONFIG


def _load(args: argparse.Namespace) -> Settings | None:
    from monitor.settings.loading import load_settings, unknown_environment

    for warning in unknown_environment():
        print(f"fr-monitor: warning: {warning}", file=sys.stderr)
    path = getattr(args, "config", None)
    try:
        if args.command == "check-config":
            return _check(path)
        settings = load_settings(path, secrets=args.command not in NO_SECRETS)
        if args.command == "run":
            _warn_hasty(settings)
        if args.command not in READ_ONLY | NO_SECRETS:
            from monitor.notify.targets import check_targets

            where = str(path or os.environ.get(CONFIG_ENV) or "built-in defaults")
            check_targets(settings.targets, settings.allow_private_targets, where)
        return settings
    except ConfigError as exc:
        _invalid(exc)
        return None


def _warn_hasty(settings: Settings) -> None:
    from monitor.settings.loading import hasty_polls

    for warning in hasty_polls(settings):
        print(f"fr-monitor: warning: {warning}", file=sys.stderr)


def _check(path: str | None) -> Settings:
    """check-config's load: every problem in one pass, the data folder's too (see monitor.store.errors)."""
    from monitor.config_file import config_path, data_dir, read_config
    from monitor.notify.targets import target_url_problems
    from monitor.settings.loading import load_settings, loadable_targets
    from monitor.store.errors import data_folder_problems

    where = str(path or os.environ.get(CONFIG_ENV) or "built-in defaults")
    problems: list[str] = []
    settings = None
    try:
        settings = load_settings(path)
        _warn_hasty(settings)
        problems += target_url_problems(settings.targets, settings.allow_private_targets, where)
    except ConfigError as exc:
        problems += exc.problems
    try:
        if settings is None and (file := config_path(path)) is not None:
            data = read_config(file)  # the targets that are valid on their own: their URLs are checked too
            problems += target_url_problems(loadable_targets(data), data.get("allow_private_targets") is True, where)
        folder = settings.data_dir if settings is not None else data_dir(path)
        problems += data_folder_problems(folder, "fr-monitor.db")
    except ConfigError:
        pass  # the file itself is unreadable: said above
    if problems or settings is None:
        raise ConfigError(list(dict.fromkeys(problems)))
    return settings


def _history(args: argparse.Namespace) -> int:
    from monitor.cli import history
    from monitor.config_file import data_dir
    from monitor.testhooks import wall_clock

    try:
        folder = data_dir(getattr(args, "config", None))
    except ConfigError as exc:
        return _invalid(exc)
    setup_logging(log_format=getattr(args, "log_format", None) or "text")
    if args.command == "alerts":
        return history.show_alerts(folder, args.limit, args.watchlist, args.event, args.since, args.json)
    if args.command == "deliveries":
        return history.show_deliveries(folder, args.state, args.limit)
    return history.retry(folder, args.id, wall_clock())


def _silence(settings: Settings, args: argparse.Namespace) -> int:
    from monitor.cli import silence
    from monitor.testhooks import wall_clock

    if args.silence_command == "add":
        matchers = {name: getattr(args, name) for name in ("watchlist", "document", "rin", "docket", "query")}
        watchlists = {w.name for w in settings.watchlists}
        return silence.add(
            settings.data_dir, matchers, args.for_, args.until, args.comment, args.author, watchlists, wall_clock()
        )
    if args.silence_command == "list":
        return silence.show(settings.data_dir, args.json, wall_clock())
    return silence.expire(settings.data_dir, args.id, args.author, wall_clock())


def _drop_output(stream: object) -> None:
    """After the reader of our output went away: point the stream at /dev/null, so that the interpreter's last
    flush at exit does not fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())  # type: ignore[attr-defined]
    except (OSError, ValueError, AttributeError):  # not a file (captured in tests)
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every failure a person can fix is one line on stderr and exit 2 (see the top)."""
    from monitor.store.errors import DataFolderError, describe_database_error

    try:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here, inside the handlers below, not at the interpreter's exit
        return code
    except (UsageError, DataFolderError) as exc:
        _say(str(exc))
    except BrokenPipeError:
        _drop_output(sys.stdout)
        try:
            _say(
                "the output was closed before all of it was written (by `head`, or a pager that quit): the rest "
                "was dropped; send it to a file to keep all of it"
            )
        except OSError:  # stderr went with it (`2>&1 | head -1`): the exit code is all that can tell
            _drop_output(sys.stderr)
    except sqlite3.Error as exc:
        _say(describe_database_error(_database_of(argv), exc, write=True))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get(TRACEBACK_ENV):
            raise
        from monitor.core.redaction import redact_secrets  # an error can quote a URL with its user and password

        _say(
            redact_secrets(f"unexpected error: {type(exc).__name__}: {exc}")
            + f" (a bug: please report it, with the output of the command run again with {TRACEBACK_ENV}=1)"
        )
        return 1
    return EXIT_CONFIG


def _database_of(argv: Sequence[str] | None) -> Path:
    from monitor.config_file import data_dir
    from monitor.store.base import DB_FILENAME

    try:
        args, _ = build_parser().parse_known_args(argv)
        return data_dir(getattr(args, "config", None)) / DB_FILENAME
    except (UsageError, ConfigError):
        return Path(DB_FILENAME)


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "healthcheck":
        from monitor.cli.setup import healthcheck

        return healthcheck(getattr(args, "config", None))
    if args.command in HISTORY:
        return _history(args)
    settings = _load(args)
    if settings is None:
        return EXIT_CONFIG
    if args.command == "check-config":
        from monitor.cli.setup import check_config

        return check_config(settings, args.json)
    setup_logging(settings.log_level, getattr(args, "log_format", None) or settings.log_format)
    if args.command == "status":
        from monitor.cli.status import show_status

        return show_status(settings, args.json)
    if args.command == "silence":
        return _silence(settings, args)
    import asyncio  # only the commands below run an event loop

    from monitor.store.errors import DataFolderError

    if args.command == "test-notify":
        from monitor.cli.setup import test_notify

        return asyncio.run(test_notify(settings, args.target))
    names = {w.name for w in settings.watchlists}
    if getattr(args, "watchlist", None) and args.watchlist not in names:
        print(f"fr-monitor: no watchlist named {args.watchlist!r}; known: {', '.join(sorted(names))}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        if args.command in ("backfill", "explain"):
            from monitor.cli import tuning

            return asyncio.run(
                tuning.backfill(settings, args) if args.command == "backfill" else tuning.explain(settings, args)
            )
        from monitor.service import run_service

        return asyncio.run(run_service(settings, once=args.once, config_path=getattr(args, "config", None)))
    except KeyboardInterrupt:
        return 0
    except (DataFolderError, sqlite3.Error):
        raise  # one line, from main
    except Exception:
        if args.command != "run":
            raise  # backfill and explain: one line, from main, as every other command's
        logging.getLogger("monitor").exception("fr-monitor stopped on an unexpected error")  # the service's log
        return 1
