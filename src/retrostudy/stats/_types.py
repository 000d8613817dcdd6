"""Types of the public stats signatures (annotations only; nothing here runs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from numpy.typing import ArrayLike

if TYPE_CHECKING:
    import pandas as pd

Columns: TypeAlias = "Mapping[str, ArrayLike] | pd.DataFrame"
"""Column name -> 1-d values: a dict of arrays, or a pandas DataFrame."""
Levels: TypeAlias = Mapping[str, Sequence[Any]]
"""Column -> its levels in order, the first being the reference."""

__all__ = ["ArrayLike", "Columns", "Levels"]
