"""The one error class of permsym.

Every check on user input raises :class:`PermsymError` with a message that
names the argument, what was expected and what came in, so that a reader who
mistypes a symmetry string or loads the wrong checkpoint knows what to fix.
"""


class PermsymError(ValueError):
    """Bad input to a permsym function: the message names the argument,
    the expected form and the value received.

    >>> raise PermsymError("order: expected an int >= 0, got -1")
    Traceback (most recent call last):
    ...
    permsym.errors.PermsymError: order: expected an int >= 0, got -1
    """
