"""The protocol registry: ``PROTOCOLS`` and its functions.

Core objects:
    PROTOCOLS: the `Registry` of `Protocol` classes, keyed by ``cls.name``.
    register, get, names, validate_params: its methods, as functions.
    UnknownProtocol: the ``KeyError`` for an unregistered name (an `UnknownName`).

A protocol module imports ``register`` from here, never from its package, so protocol
modules are independent of each other.
"""

from __future__ import annotations

from typing import Any

from sim.engine.protocols.base import Protocol
from sim.engine.registry import Registry, UnknownName

__all__ = ["PROTOCOLS", "UnknownProtocol", "get", "names", "register", "validate_params"]

PROTOCOLS: Registry[type[Protocol[Any]]] = Registry("protocol", Protocol)
UnknownProtocol = UnknownName

register = PROTOCOLS.register
get = PROTOCOLS.get
names = PROTOCOLS.names
validate_params = PROTOCOLS.validate_params
