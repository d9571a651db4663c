"""Web pages with no feed: their tables in the settings (settings.py), how they are read (source.py) and how
they are built and described (kind.py). The HTML parser is imported only when a page is configured."""
