"""Name registries for the engine's pluggable parts (protocols, strategies).

Core objects:
    Registry: names to classes for one kind of part, with the parameter check every
        registered class shares (its nested pydantic ``Params`` model).
    UnknownName: the ``KeyError`` raised for an unregistered name; its message lists the
        registered names.
    format_params_error: one readable line for a pydantic error of a ``Params`` model.
    discover: import every module of a package but its support modules (no hand-kept
        list of protocols or strategies anywhere).

A registry is a leaf: it imports nothing from the engine, so a module defining a protocol
or a strategy imports its registry, never its package (and never a sibling module).

Example:
    >>> from pydantic import BaseModel
    >>> class Part:
    ...     name = "demo"
    ...     class Params(BaseModel):
    ...         x: int = 1
    >>> parts = Registry("part", Part)
    >>> _ = parts.register(Part)
    >>> parts.names(), parts.validate_params("demo", {"x": 3}).x
    (('demo',), 3)
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

__all__ = ["Registry", "UnknownName", "discover", "format_params_error"]

T = TypeVar("T", bound=type)


class UnknownName(KeyError):
    """An unregistered name; the message lists the registered ones.

    Attributes:
        name: the name asked for.
        what: the kind of part (``protocol``, ``strategy``).
        message: the readable message.
    """

    def __init__(self, what: str, name: str, registered: tuple[str, ...]) -> None:
        self.name = name
        self.what = what
        self.message = f"unknown {what} '{name}'; registered: {', '.join(registered)}"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def format_params_error(exc: ValidationError) -> str:
    """One line for every problem, e.g. ``'e': Input should be greater than 0``.

    An unknown key reads ``'key': unknown parameter``.
    """
    parts = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"])
        msg = "unknown parameter" if err["type"] == "extra_forbidden" else err["msg"]
        parts.append(f"'{loc}': {msg}" if loc else msg)
    return "; ".join(parts)


class Registry(Generic[T]):
    """Names to classes for one kind of part.

    Every registered class has a non-empty ``name`` and a nested pydantic ``Params``
    model; scenario files name parts by registry key only, never by import path.

    Attributes:
        what: the kind of part, used in messages (``protocol``, ``strategy``).
        base: the class every registered class must subclass.
    """

    def __init__(self, what: str, base: type) -> None:
        self.what = what
        self.base = base
        self._classes: dict[str, T] = {}

    def register(self, cls: T) -> T:
        """Class decorator adding ``cls`` under ``cls.name``.

        Raises:
            TypeError: ``cls`` is not a subclass of ``base`` with a name and a pydantic
                ``Params`` model.
            ValueError: another class already holds the name.
        """
        label = self.what.capitalize()
        if not (isinstance(cls, type) and issubclass(cls, self.base)):
            raise TypeError(f"{cls!r} is not a {label} subclass")
        name = getattr(cls, "name", "")
        if not name:
            raise TypeError(f"{cls.__name__} has no registry name")
        params = getattr(cls, "Params", None)
        if not (isinstance(params, type) and issubclass(params, BaseModel)):
            raise TypeError(f"{cls.__name__}.Params must be a pydantic model")
        existing = self._classes.get(name)
        if existing is not None and existing is not cls:
            raise ValueError(
                f"{self.what} name '{name}' is already taken by {existing.__name__}"
            )
        self._classes[name] = cls
        return cls

    def unregister(self, name: str) -> None:
        """Remove ``name`` (tests registering throw-away classes clean up with it)."""
        self._classes.pop(name, None)

    def names(self) -> tuple[str, ...]:
        """The registered names, sorted."""
        return tuple(sorted(self._classes))

    def classes(self) -> Mapping[str, T]:
        """A read-only view of name -> class."""
        return dict(self._classes)

    def get(self, name: str) -> T:
        """The class registered under ``name``.

        Raises:
            UnknownName: nothing is registered under ``name``.
        """
        try:
            return self._classes[name]
        except KeyError:
            raise UnknownName(self.what, name, self.names()) from None

    def __contains__(self, name: object) -> bool:
        return name in self._classes

    def validate_params(self, name: str, params: Mapping[str, Any] | None) -> Any:
        """``params`` validated by the ``Params`` model of the class ``name``.

        Raises:
            UnknownName: for an unregistered name.
            ValueError: ``"<name>: 'field': problem; ..."`` for invalid parameters.
        """
        cls = self.get(name)
        model: type[BaseModel] = cls.Params  # type: ignore[attr-defined]
        try:
            return model.model_validate(dict(params or {}))
        except ValidationError as exc:
            raise ValueError(f"{name}: {format_params_error(exc)}") from None


def discover(package: str, path: Iterable[str], support: frozenset[str]) -> tuple[str, ...]:
    """Import every module of ``package`` except ``support`` and private ones.

    Args:
        package: the package's dotted name (its ``__name__``).
        path: the package's ``__path__``.
        support: names of its machinery modules, which define no registered class.

    Returns:
        The names of the modules imported, sorted.
    """
    found = sorted(
        info.name for info in pkgutil.iter_modules(list(path))
        if info.name not in support and not info.name.startswith("_")
    )
    for name in found:
        importlib.import_module(f"{package}.{name}")
    return tuple(found)
