"""The one exception family the core raises for anything a user did or fed it."""


class PenmarkError(Exception):
    """An error with a message fit to show a user as one line."""
