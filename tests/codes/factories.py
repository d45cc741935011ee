import itertools

_numbers = itertools.count(138_0013_8000)


def phone_number() -> str:
    """A distinct mainland number in E.164 form for each call."""
    return f"+86{next(_numbers)}"
