"""fr-monitor: watches US federal sources for AI-related rules and alerts people through Apprise."""

__version__ = "0.1.0"
