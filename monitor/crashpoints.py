"""Named crash points for the durability tests.

When the environment variable FR_MONITOR_CRASH_AT names a point, the process kills itself with SIGKILL the
moment it reaches that point: no cleanup, no flush, exactly like a power cut or an OOM kill. Tests use it to
prove that no alert is lost at any step. Unset (always, outside those tests) it costs one dict lookup.
"""

from __future__ import annotations

import os
import signal

ENV = "FR_MONITOR_CRASH_AT"
POINTS = ("after_fetch", "after_commit", "before_send", "after_send", "after_mark")


def crash_point(name: str) -> None:
    assert name in POINTS, name
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
