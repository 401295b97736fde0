"""Job functions for the RQ test: a worker imports them by name."""


def add(a, b):
    return a + b


def explode(message):
    raise ValueError(message)
