"""The strategy kernels the batch engine uses (`sim.engine.strategies.kernel`).

Core objects:
    Kernel, Memory, kernel_for: re-exported from `sim.engine.strategies.kernel`.
    KERNELS: registered strategy class -> its kernel class, for every registered strategy
        that declares one (informational: `kernel_for` decides, per built strategy).

Each kernel lives in its strategy's module, next to the per-run rule.
"""

from __future__ import annotations

from sim.engine import strategies
from sim.engine.strategies.kernel import Kernel, Memory, kernel_for

__all__ = ["KERNELS", "Kernel", "Memory", "kernel_for"]

#: Registered strategy class -> kernel class (exact classes only).
KERNELS: dict[type, type[Kernel]] = {
    cls: cls.__dict__["kernel"]
    for cls in (strategies.get(name) for name in strategies.names())
    if cls.__dict__.get("kernel") is not None
}
