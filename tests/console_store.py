"""Moved to tests/kit/console_store.py; this name stays importable while tests written against it are moved."""

from tests.kit.console_store import *  # noqa: F403
from tests.kit.console_store import HOSTILE, HOSTILE_NUMBER, at, build_timeline  # noqa: F401
