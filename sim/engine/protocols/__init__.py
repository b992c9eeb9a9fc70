"""Negotiation protocols, one module each, registered by name.

Core objects:
    PROTOCOLS, register, get, names, validate_params, UnknownProtocol: the registry
        (`sim.engine.protocols.registry`).
    Protocol, Game, Unsolvable: the base class and the solver hook
        (`sim.engine.protocols.base`).
    SUPPORT: the modules of this package that define no protocol.

Every other module of this package defines exactly one protocol and is imported here by
discovery (no hand-kept list): adding a protocol is adding a module. Importing this
package pulls in numpy and pydantic only (no mesa), so ``negsim validate`` stays light.
"""

from __future__ import annotations

from sim.engine.protocols.base import Game, Protocol, Unsolvable
from sim.engine.protocols.registry import (
    PROTOCOLS,
    UnknownProtocol,
    get,
    names,
    register,
    validate_params,
)
from sim.engine.registry import discover

__all__ = [
    "PROTOCOLS",
    "MODULES",
    "SUPPORT",
    "Game",
    "Protocol",
    "UnknownProtocol",
    "Unsolvable",
    "get",
    "names",
    "register",
    "validate_params",
]

#: Modules of this package that are machinery, not protocols.
SUPPORT = frozenset({"base", "records", "registry", "rounds", "rules"})


#: The modules that define protocols, every one imported here.
MODULES = discover(__name__, __path__, SUPPORT)
