"""What a source may read of what the monitor already knows, without depending on the store itself.

The eCFR source needs two things the store keeps: the bookkeeping item of each part (the date it was last
read at) and the sections stored under a part (a section gone from the new text was removed). The store
satisfies this protocol; a test can hand in a dictionary.
"""

from __future__ import annotations

from typing import Protocol

from monitor.models import Document


class StoredSnapshots(Protocol):
    def load_snapshot(self, source: str, number: str) -> Document | None: ...

    def load_snapshots_with_prefix(self, source: str, prefix: str) -> dict[str, Document]: ...
