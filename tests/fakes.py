"""Moved to tests/kit/fakes.py; this name stays importable while tests written against it are moved."""

from tests.kit.fakes import *  # noqa: F403
from tests.kit.fakes import ROOT, SharedCache, offline, start_service  # noqa: F401
