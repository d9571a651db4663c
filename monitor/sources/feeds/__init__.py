"""RSS and Atom feeds: their tables in the settings (settings.py), how they are read (source.py) and how they
are built and described (kind.py). feedparser is imported only when a feed is configured."""
