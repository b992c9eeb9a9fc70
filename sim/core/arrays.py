"""Array type aliases for the annotations in `sim.core`.

They name the dtype each function expects or returns; shapes are in the docstrings.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

FloatArray: TypeAlias = NDArray[np.float64]
IntArray: TypeAlias = NDArray[np.int64]
BoolArray: TypeAlias = NDArray[np.bool_]
#: Decoded packages: option indices, one column per issue (unsigned in `sim.core.space`).
PackageArray: TypeAlias = NDArray[np.integer[Any]]
