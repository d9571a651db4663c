"""No traceback reaches a person: every command, on a bad command line, a broken configuration, an unusable data
folder or a closed pipe, says in one line what is wrong and exits 2 (monitor.cli's docstring). Read-only
commands read a folder they cannot write. Most cases run in-process through main(argv); a read-only folder and a
closed pipe need a real process (as root, the process gives up the powers that let root write anywhere)."""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import subprocess
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.store.store import DB_FILENAME, Store
from tests.kit.fakes import FakeFederalRegister

COMMANDS = {
    "run": ["run"],
    "run --once": ["run", "--once"],
    "check-config": ["check-config"],
    "healthcheck": ["healthcheck"],
    "alerts": ["alerts"],
    "backfill": ["backfill", "--since", "2026-01-05"],
    "status": ["status"],
    "deliveries": ["deliveries"],
    "retry": ["retry"],
    "test-notify": ["test-notify", "console"],
    "explain": ["explain", "2026-00001"],
    "silence list": ["silence", "list"],
    "silence add": ["silence", "add", "--docket", "BIS-2025-0001", "--for", "30d", "--comment", "tracked"],
}
BAD_ARGUMENTS = {
    "run": ["run", "--never"],
    "run --once": ["run", "--once", "now"],
    "check-config": ["check-config", "--yaml"],
    "healthcheck": ["healthcheck", "extra"],
    "alerts": ["alerts", "--limit", "0"],
    "backfill": ["backfill", "--since", "last week"],
    "status": ["status", "--limit", "3"],
    "deliveries": ["deliveries", "--state", "lost"],
    "retry": ["retry", "x"],
    "test-notify": ["test-notify"],
    "explain": ["explain"],
    "silence list": ["silence", "list", "--yaml"],
    "silence add": ["silence", "add", "--until", "soon"],
}
# The folder's state -> what each command does with it; commands left out never touch the data folder
# (healthcheck asks the service, test-notify sends a sample).
FOLDER_COMMANDS = [c for c in COMMANDS if c not in ("healthcheck", "test-notify")]


def _config(tmp_path: Path, data_dir: Path | str, extra: str = "", api: str = "http://127.0.0.1:9/api/v1/") -> Path:
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'data_dir = "{data_dir}"\npages = []\n'
        f'[federal_register]\nbase_url = "{api}"\n'  # by default nothing listens: no request leaves
        "[public_inspection]\nenabled = false\n[ecfr]\nenabled = false\n[web]\nenabled = false\n" + extra
    )
    return config


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(code: int, out: str, err: str) -> str:
    assert "Traceback" not in out + err
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fr-monitor"), err
    return lines[0]


@pytest.mark.parametrize("command", BAD_ARGUMENTS)
def test_a_bad_command_line_is_one_line_and_exit_2(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    line = _one_line(*_run(capsys, *BAD_ARGUMENTS[command]))
    assert line.endswith("--help`)") and BAD_ARGUMENTS[command][-1].split()[0] in line


def test_limits_say_what_they_take(capsys: pytest.CaptureFixture[str]) -> None:
    assert "from 1 to 100,000" in _one_line(*_run(capsys, "alerts", "--limit", "0"))  # was a ZeroDivisionError
    assert "'ten' is not a whole number" in _one_line(*_run(capsys, "deliveries", "--limit", "ten"))
    assert "not a delivery id" in _one_line(*_run(capsys, "retry", "99999999999999999999"))  # was an OverflowError
    assert "2026-13-01" in _one_line(*_run(capsys, "alerts", "--since", "2026-13-01"))


BROKEN_CONFIGS = {
    "missing file": None,
    "not TOML": "data_dir = \n",
    "unreadable value": "data_dir = 5\n",
}


@pytest.mark.parametrize("kind", BROKEN_CONFIGS)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_broken_configuration_is_one_line_and_exit_2(
    command: str, kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "monitor.toml"
    text = BROKEN_CONFIGS[kind]
    if text is not None:
        config.write_text(text)
    if kind == "unreadable value" and command == "healthcheck":
        # A running service keeps its last good configuration: the healthcheck still asks it, and says why.
        config.write_text(f"{text}[web]\nport = 9\n")  # nothing listens there
        code, _, err = _run(capsys, "healthcheck", "--config", str(config))
        assert code == 1 and "the configuration is invalid" in err and "http://127.0.0.1:9/healthz" in err
        return
    line = _one_line(*_run(capsys, *COMMANDS[command], "--config", str(config)))
    assert str(config) in line
    said = {"missing file": "does not exist", "not TOML": "not valid TOML", "unreadable value": "data_dir"}
    assert said[kind] in line


def _no_database(tmp_path: Path) -> Path:
    return tmp_path / "never-ran"


def _a_file(tmp_path: Path) -> Path:
    (tmp_path / "afile").write_text("notes\n")
    return tmp_path / "afile"


def _database_is_a_folder(tmp_path: Path) -> Path:
    (tmp_path / "data" / DB_FILENAME).mkdir(parents=True)
    return tmp_path / "data"


def _not_a_database(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / DB_FILENAME).write_bytes(b"\x00garbage, not SQLite\n" * 300)
    return tmp_path / "data"


FOLDERS = {
    "missing": (_no_database, "no database in"),
    "a file": (_a_file, "is a file, not a folder"),
    "database is a folder": (_database_is_a_folder, "fr-monitor.db"),
    "not a database": (_not_a_database, "not an fr-monitor database"),
}
# A missing folder is no problem for the commands that create it, nor for explain, which reads the document
# from the API then (asserted below), nor for check-config (the service creates it).
CREATES_OR_COPES = {"run", "run --once", "backfill", "explain", "check-config"}


@pytest.mark.parametrize("kind", FOLDERS)
@pytest.mark.parametrize("command", FOLDER_COMMANDS)
def test_an_unusable_data_folder_is_one_line_and_exit_2(
    command: str, kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, said = FOLDERS[kind]
    folder = make(tmp_path)
    config = _config(tmp_path, folder)
    if kind == "missing" and command in CREATES_OR_COPES:
        if command in ("explain", "check-config"):
            code, out, err = _run(capsys, *COMMANDS[command], "--config", str(config))
            assert "Traceback" not in out + err and not folder.exists()
            assert code == (1 if command == "explain" else 0), err
        return
    line = _one_line(*_run(capsys, *COMMANDS[command], "--config", str(config)))
    assert said in line and str(folder) in line


def test_explain_without_a_database_reads_the_api_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "never-ran"
    code, _, err = _run(capsys, "explain", "2026-00001", "--config", str(_config(tmp_path, folder)))
    assert code == 1 and "cannot explain 2026-00001: federal_register" in err and "127.0.0.1:9" in err
    assert not folder.exists()


# -- in a real process: a folder this user cannot write, and a closed pipe -------------------------------------


def _without_root_powers() -> None:
    """In the child, before exec: give up CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so file permissions bind
    root too (chmod alone does not stop root). PR_CAPBSET_DROP = 24."""
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for capability in (1, 2):
            if libc.prctl(24, capability, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _process(python: str, *argv: str, cwd: Path, unprivileged: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "FR_MONITOR_"))}
    return subprocess.run(
        [python, "-m", "monitor", *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
        preexec_fn=_without_root_powers if unprivileged else None,
    )


def _history(folder: Path) -> None:
    Store.open(folder).close()  # a real database, as a service leaves it (WAL, no -wal or -shm file left)


READ_ONLY_FOLDER = {
    "status": 0,
    "alerts": 0,
    "silence list": 0,
    "silence add": 2,
    "deliveries": 0,
    "explain": 1,  # it reads the stored history, then the API (nothing listens there)
    "check-config": 2,
    "retry": 2,
    "run --once": 2,
    "backfill": 2,
}


@pytest.mark.parametrize("kind", ["folder not writable", "database read-only"])
def test_read_commands_need_no_write_access_and_the_others_say_so(tmp_path: Path, kind: str, python: str) -> None:
    folder = tmp_path / "data"
    _history(folder)
    config = _config(tmp_path, folder)
    locked = folder if kind == "folder not writable" else folder / DB_FILENAME
    before = (folder / DB_FILENAME).read_bytes()
    locked.chmod(0o555 if locked.is_dir() else 0o444)
    try:
        for command, expected in READ_ONLY_FOLDER.items():
            done = _process(python, *COMMANDS[command], "--config", str(config), cwd=tmp_path, unprivileged=True)
            assert "Traceback" not in done.stdout + done.stderr, (command, done.stderr)
            assert done.returncode == expected, (command, done.stdout, done.stderr)
            if expected == 2:
                line = _one_line(done.returncode, done.stdout, done.stderr)
                assert str(folder) in line and ("write" in line or "read-only" in line), line
            if command == "explain":
                assert "readonly" not in done.stderr and "cannot explain 2026-00001: federal_register" in done.stderr
    finally:
        locked.chmod(0o755 if locked.is_dir() else 0o644)
    assert (folder / DB_FILENAME).read_bytes() == before
    if kind == "folder not writable":
        assert sorted(p.name for p in folder.iterdir()) == [DB_FILENAME]  # nothing was written beside it


@pytest.mark.parametrize("argv", [["status"], ["alerts", "--json"], ["check-config"], ["deliveries"]], ids=" ".join)
def test_a_closed_pipe_is_one_line(argv: list[str], tmp_path: Path, python: str) -> None:
    """`fr-monitor status | head -1`: the reader is gone before the output is written."""
    folder = tmp_path / "data"
    _history(folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "FR_MONITOR_"))}
    proc = subprocess.Popen(
        [python, "-m", "monitor", *argv, "--config", str(_config(tmp_path, folder))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    with proc.stderr:
        err = proc.stderr.read()
    code = proc.wait(60)
    assert "the output was closed before all of it was written" in _one_line(code, "", err)


def test_a_closed_pipe_with_stderr_in_it_still_exits_2(tmp_path: Path, python: str) -> None:
    """`fr-monitor status 2>&1 | head -1`: the line saying so cannot be written either; the exit code still
    tells, and no second error comes from the interpreter's exit."""
    folder = tmp_path / "data"
    _history(folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "FR_MONITOR_"))}
    proc = subprocess.Popen(
        [python, "-m", "monitor", "alerts", "--json", "--config", str(_config(tmp_path, folder))],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    assert proc.stdout is not None
    proc.stdout.close()
    assert proc.wait(60) == 2


# -- check-config: every problem in one pass; read commands without secrets ---------------------------------


def test_check_config_lists_every_problem_at_once_with_did_you_mean_at_any_depth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(
        tmp_path,
        tmp_path / "data",
        "log_levle = 'INFO'\n"  # an unknown key at the top; TOML puts it in [web], but it is still one problem
        "[federal_register.extra]\n"
        "[targets.slack]\nurl = 'notascheme://x'\n"
        "[targets.ops]\nurl = 'console://'\nevnts = ['published']\n"
        "[[watchlists]]\nname = 'ai'\nquery = '\"artificial intelligence\" | (chips'\nevnts = ['published']\n"
        "notify = ['slak']\n",
    )
    code, _, err = _run(capsys, "check-config", "--config", str(config))
    assert code == 2 and "Traceback" not in err
    assert "web.log_levle: unknown key" in err
    assert "targets.ops.evnts: unknown key; did you mean 'events'?" in err
    assert "watchlists[0] (ai).evnts: unknown key; did you mean 'events'?" in err
    assert "unbalanced parenthesis" in err  # the query, though the same watchlist has an unknown key
    assert "unknown target 'slak'; did you mean 'slack'?" in err
    assert "targets.slack: not a usable Apprise URL" in err  # the URL, though other tables did not load
    assert "federal_register.extra" in err


def test_did_you_mean_for_a_key_at_the_top(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(
        "log_levle = 'INFO'\n[federal_register]\nintervall = '5m'\n[[watchlists]]\nname = 'ai'\nquery = 'ai'\n"
        "events = ['publishd']\n"
    )
    code, _, err = _run(capsys, "check-config", "--config", str(config))
    assert code == 2
    assert "watchlists[0] (ai).events[0]: Input should be 'public_inspection', " in err
    assert "; did you mean 'published'?" in err
    assert "log_levle: unknown key; did you mean 'log_level'?" in err
    assert "federal_register.intervall: unknown key; did you mean 'interval'?" in err


def test_status_needs_no_secret_and_its_json_has_errors_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLACK_WEBHOOK_URL", raising=False)
    folder = tmp_path / "data"
    store = Store.open(folder)
    error = "federal_register: request failed: " + "a long upstream explanation " * 10 + "THE END"
    store.save_source_failure("federal_register", error, 1_767_000_000.0)
    store.close()
    config = _config(tmp_path, folder, "[targets.slack]\nurl_env = 'SLACK_WEBHOOK_URL'\n")
    assert "SLACK_WEBHOOK_URL" in _one_line(*_run(capsys, "run", "--once", "--config", str(config)))

    code, out, err = _run(capsys, "status", "--config", str(config))
    assert code == 0, err
    assert "(not readable here: environment variable SLACK_WE" in out and "THE END" not in out
    assert "`fr-monitor status --json` has them whole" in out
    code, out, err = _run(capsys, "status", "--json", "--config", str(config))
    report = json.loads(out)
    assert code == 0 and report["sources"][0]["last_error"] == error and report["sources"][0]["failures_in_a_row"] == 1
    assert "environment variable SLACK_WEBHOOK_URL is not set" in report["targets"][0]["url"]


def test_healthcheck_names_the_missing_config_and_the_address_it_tried(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _one_line(*_run(capsys, "healthcheck", "--config", str(tmp_path / "missing.toml")))
    assert "missing.toml: config file does not exist" in line
    config = tmp_path / "monitor.toml"
    config.write_text("[web]\nport = 9\n")
    code, _, err = _run(capsys, "healthcheck", "--config", str(config))
    assert code == 1 and "unhealthy: http://127.0.0.1:9/healthz: Connection refused" in err


def test_a_database_an_older_release_wrote_is_read_after_the_service_upgrades_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Read commands never migrate (an older service may still run on it): they say how to upgrade it."""
    import shutil

    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(Path(__file__).parent / "fixtures" / "upgrade" / "release-0.1.db", folder / DB_FILENAME)
    config = _config(tmp_path, folder)
    line = _one_line(*_run(capsys, "status", "--config", str(config)))
    assert "written by an older fr-monitor" in line and "fr-monitor run --once" in line
    Store.open(folder).close()  # what the service does when it starts
    code, out, err = _run(capsys, "alerts", "--config", str(config))
    assert code == 0 and "ALERT" in out, err


def test_an_unexpected_error_is_one_line_unless_a_traceback_is_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import monitor.cli.history

    def broken(*args: object) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setattr(monitor.cli.history, "show_deliveries", broken)
    code, out, err = _run(capsys, "deliveries", "--config", str(_config(tmp_path, tmp_path / "data")))
    assert code == 1 and "Traceback" not in out + err
    assert err.strip() == (
        "fr-monitor: unexpected error: RuntimeError: a bug (a bug: please report it, with the output of the command "
        "run again with FR_MONITOR_TRACEBACK=1)"
    )
    # backfill and explain too (they printed the traceback through the log, as the service does)
    import monitor.tuning

    async def broken_async(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(monitor.tuning, "backfill", broken_async)
    monkeypatch.setattr(monitor.tuning, "explain", broken_async)
    config = str(_config(tmp_path, tmp_path / "data"))
    for argv in (["backfill", "--since", "2026-01-05"], ["explain", "2026-00001"]):
        code, out, err = _run(capsys, *argv, "--config", config)
        assert code == 1 and "Traceback" not in out + err, argv
        assert err.strip().startswith("fr-monitor: unexpected error: RuntimeError: a bug (a bug: please report"), err

    # its text is masked as recorded errors are: it may quote a page's or feed's URL with its user and password
    async def broken_url(*args: object) -> None:
        raise ValueError("bad http://reader:hunter2@news.example/feed?key=hunter2")

    monkeypatch.setattr(monitor.tuning, "backfill", broken_url)

    code, out, err = _run(capsys, "backfill", "--since", "2026-01-05", "--config", config)
    assert code == 1 and "hunter2" not in out + err and "bad http://***@news.example/feed?key=***" in err, err
    monkeypatch.setenv("FR_MONITOR_TRACEBACK", "1")
    with pytest.raises(RuntimeError, match="a bug"):
        main(["deliveries", "--config", str(_config(tmp_path, tmp_path / "data"))])


async def test_an_id_that_names_nothing_is_one_line_and_exit_2(
    fake_fr: FakeFederalRegister, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A delivery, silence, target, watchlist or document that does not exist is the input's fault, as a bad
    argument is: exit 2 from every command, not 1 (which says the command ran into a problem). (`alerts
    --watchlist` is a filter over the history, which may hold watchlists the configuration no longer has.)"""
    config = str(_config(tmp_path, tmp_path / "data", api=fake_fr.base_url))
    Store.open(tmp_path / "data").close()  # a folder a service ran in, with nothing in it
    for argv, said in (
        (["retry", "99"], "no unsent delivery with id 99"),
        (["silence", "expire", "42"], "no silence with id 42"),
        (["test-notify", "nope"], "no target named 'nope'"),
        (["backfill", "--since", "2026-01-05", "--watchlist", "nope"], "no watchlist named 'nope'"),
        (["explain", "2099-99999"], "no Federal Register document has that number"),
    ):
        code, out, err = await asyncio.to_thread(_run, capsys, *argv, "--config", config)
        assert said in _one_line(code, out, err), argv


# Run in the child itself (an exec would give root its capabilities back): CAP_DAC_OVERRIDE and
# CAP_DAC_READ_SEARCH out of the effective set only, still permitted. access(2) answers for root with the permitted
# set, so it says "writable" where every real write is refused.
_EFFECTIVE_ONLY = """
import ctypes, os, sys
if os.geteuid() == 0:
    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]
    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]
    libc = ctypes.CDLL(None, use_errno=True)
    header, data = Header(0x20080522, 0), (Data * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    data[0].effective &= ~0b110
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")
from monitor.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("kind", ["folder not writable", "database read-only"])
def test_check_config_tries_a_write_where_access_would_say_yes(tmp_path: Path, kind: str, python: str) -> None:
    """check-config's "the data folder is writable" is what a write finds, as /readyz's is, not what access(2)
    answers (it answers for the real user and a root's permitted capabilities, not for what a write may do)."""
    folder = tmp_path / "data"
    _history(folder)
    config = _config(tmp_path, folder)
    locked = folder if kind == "folder not writable" else folder / DB_FILENAME
    before = (folder / DB_FILENAME).read_bytes()
    locked.chmod(0o555 if locked.is_dir() else 0o444)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "FR_MONITOR_"))}
    try:
        done = subprocess.run(
            [python, "-c", _EFFECTIVE_ONLY, "check-config", "--config", str(config)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
        )
    finally:
        locked.chmod(0o755 if locked.is_dir() else 0o644)
    line = _one_line(done.returncode, done.stdout, done.stderr)
    assert f"data_dir {folder}: this user cannot write there" in line, line
    assert (folder / DB_FILENAME).read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == [DB_FILENAME]  # the trial write left nothing behind


@pytest.mark.parametrize("since", ["0001-01-01", "1993-12-31"])
def test_a_backfill_from_before_the_documents_api_is_one_line_and_exit_2(
    since: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The documents API holds the Federal Register from 1994 on: a backfill from before asked month after empty
    month, and from year 1 it ended in a traceback (the day before the first day there is)."""
    config = str(_config(tmp_path, tmp_path / "data"))
    line = _one_line(*_run(capsys, "backfill", "--since", since, "--config", config))
    assert line == (
        f"fr-monitor: --since {since}: the Federal Register's documents API holds documents from 1994-01-01 on; "
        "give a date from then"
    )
