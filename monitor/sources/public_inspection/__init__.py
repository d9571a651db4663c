"""Public inspection, the earliest signal: its table in the settings (settings.py), how it is read (source.py)
and how it is built and described (kind.py)."""
