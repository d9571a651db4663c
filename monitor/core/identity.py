"""How items are named, where more than one layer needs the name.

The eCFR source keeps one bookkeeping item per watched part ("title-15-part-744": the amendment date the part
was last read at); the lifecycle finds a section's part item to give its alert the amendment date.
"""

from __future__ import annotations


def ecfr_part_item(title: int, part: str) -> str:
    """The bookkeeping item of one watched CFR part: "title-15-part-744"."""
    return f"title-{title}-part-{part}"


def ecfr_part_item_of_section(section: str) -> str:
    """The bookkeeping item of the part a section ("15 CFR 744.23") belongs to."""
    title, _, number = section.partition(" CFR ")
    return ecfr_part_item(int(title), number.split(".", 1)[0])
