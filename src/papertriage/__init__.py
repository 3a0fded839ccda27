"""papertriage: command-line literature triage."""

__version__ = "0.1.0"
