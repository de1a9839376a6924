"""Hooks: how a lower layer calls code that a higher layer owns, without importing it.

The lower module publishes a ``Hook``; the higher app registers its function in its
``AppConfig.ready`` (docs/architecture.md#layers).  So ``chats`` turns an unanswered conversation
into a ticket and ``tickets`` tells the citizen by mail, while neither imports the layer above it.
"""


class Hook:
    """A named call point.  ``register`` adds a function (once); calling the hook calls every
    registered function in registration order and returns their results as a list."""

    def __init__(self, name, doc=""):
        self.name = name
        self.__doc__ = doc or name
        self._functions = []

    def register(self, function):
        if function not in self._functions:
            self._functions.append(function)
        return function

    def __call__(self, *args, **kwargs):
        return [function(*args, **kwargs) for function in self._functions]

    def one(self, *args, **kwargs):
        """Call the one registered function and return its result; a hook with none or several
        registered is a wiring error (raised, not guessed)."""
        if len(self._functions) != 1:
            raise RuntimeError(f"hook {self.name!r} needs exactly one function, has {len(self._functions)}")
        return self._functions[0](*args, **kwargs)
