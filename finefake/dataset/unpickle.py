"""A restricted unpickler for the official FineFake release (a pickled pandas DataFrame).

Unpickling calls whatever global a pickle names, so a pickle from the internet can run arbitrary code. This
unpickler resolves only the globals a DataFrame of strings, numbers, lists, numpy arrays and timestamps needs,
under the module paths of current *and* older pandas/numpy versions (the release was pickled with pandas 1.x/2.x:
``pandas.core.internals.blocks.new_block``, ``pandas.core.indexes.numeric.Int64Index``, ``numpy.core...``);
pandas' own compatibility map then routes old paths to their current home. Any other global is refused with a
FinefakeError naming it, before anything is called.
"""

from __future__ import annotations

import io
import pickle
import warnings
from pathlib import Path
from typing import Any

from finefake.errors import FinefakeError

#: 8 GiB: larger than any FineFake release file; a guard against reading something absurd into memory.
MAX_PICKLE_BYTES = 8 * 1024**3

_NUMPY = {
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
}
_PANDAS = {
    # frames and their block managers, old and new locations
    ("pandas", "DataFrame"),
    ("pandas.core.frame", "DataFrame"),
    ("pandas", "Series"),
    ("pandas.core.series", "Series"),
    ("pandas.core.internals.managers", "BlockManager"),
    ("pandas.core.internals.managers", "SingleBlockManager"),
    ("pandas.core.internals", "BlockManager"),
    ("pandas.core.internals", "SingleBlockManager"),
    ("pandas.core.internals.blocks", "new_block"),
    ("pandas._libs.internals", "_unpickle_block"),
    # indexes
    ("pandas", "Index"),
    ("pandas", "RangeIndex"),
    ("pandas.core.indexes.base", "_new_Index"),
    ("pandas.core.indexes.base", "Index"),
    ("pandas.core.indexes.range", "RangeIndex"),
    ("pandas.core.indexes.numeric", "Int64Index"),
    ("pandas.core.indexes.numeric", "UInt64Index"),
    ("pandas.core.indexes.numeric", "Float64Index"),
    ("pandas.core.indexes.datetimes", "_new_DatetimeIndex"),
    ("pandas.core.indexes.datetimes", "DatetimeIndex"),
    # timestamps, missing values, datetime arrays
    ("pandas", "Timestamp"),
    ("pandas._libs.tslibs.timestamps", "Timestamp"),
    ("pandas._libs.tslibs.timestamps", "_unpickle_timestamp"),
    ("pandas._libs.tslibs.nattype", "__nat_unpickle"),
    ("pandas._libs.tslibs.nattype", "_nat_unpickle"),
    ("pandas._libs.tslibs.timedeltas", "_timedelta_unpickle"),
    ("pandas", "Timedelta"),
    ("pandas.arrays", "DatetimeArray"),
    ("pandas.core.arrays.datetimes", "DatetimeArray"),
    ("pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked"),
    ("pandas.core.dtypes.dtypes", "DatetimeTZDtype"),
    # categorical and extension string / nullable columns
    ("pandas.core.arrays.categorical", "Categorical"),
    ("pandas", "Categorical"),
    ("pandas.core.dtypes.dtypes", "CategoricalDtype"),
    ("pandas", "CategoricalDtype"),
    ("pandas", "StringDtype"),
    ("pandas.core.arrays.string_", "StringDtype"),
    ("pandas.arrays", "StringArray"),
    ("pandas.core.arrays.string_", "StringArray"),
    ("pandas.arrays", "ArrowStringArray"),
    ("pandas.core.arrays.string_arrow", "ArrowStringArray"),
    ("pandas.arrays", "IntegerArray"),
    ("pandas.core.arrays.integer", "IntegerArray"),
    ("pandas.core.arrays.integer", "Int64Dtype"),
    ("pandas.core.arrays.integer", "Int32Dtype"),
    ("pandas.arrays", "FloatingArray"),
    ("pandas.core.arrays.floating", "FloatingArray"),
    ("pandas.core.arrays.floating", "Float64Dtype"),
    ("pandas.arrays", "BooleanArray"),
    ("pandas.core.arrays.boolean", "BooleanArray"),
    ("pandas.core.arrays.boolean", "BooleanDtype"),
}
_PYARROW = {  # pandas >= 3 stores strings in pyarrow arrays
    ("pyarrow.lib", "_restore_array"),
    ("pyarrow.lib", "type_for_alias"),
    ("pyarrow.lib", "py_buffer"),
}
_STDLIB = {
    ("builtins", "slice"),
    ("__builtin__", "slice"),
    ("builtins", "bytearray"),
    ("__builtin__", "bytearray"),
    ("builtins", "complex"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("_codecs", "encode"),  # how protocol-2 pickles spell bytes
    ("collections", "OrderedDict"),
    # protocol 0/1 object reconstruction: only ever instantiates classes that passed this same check
    ("copyreg", "_reconstructor"),
    ("copy_reg", "_reconstructor"),
    ("builtins", "object"),
    ("__builtin__", "object"),
    ("datetime", "datetime"),
    ("datetime", "date"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("pytz", "_UTC"),
    ("pytz", "_p"),
    ("pytz", "utc"),
}
#: Every (module, name) the restricted unpickler will resolve.
ALLOWED_GLOBALS: frozenset[tuple[str, str]] = frozenset(_NUMPY | _PANDAS | _PYARROW | _STDLIB)


class RefusedGlobal(FinefakeError):
    """The pickle names a global outside the allow-list; nothing it names was called."""

    def __init__(self, module: str, name: str, source: str):
        self.module, self.name = module, name
        super().__init__(
            f"refusing to unpickle {source}: it references the global '{module}.{name}', which a FineFake "
            "release DataFrame does not need (pickles can run code). If you trust the file, pass --trust-pickle."
        )


def _resolve_compat(module: str, name: str) -> tuple[str, str]:
    from pandas.compat import pickle_compat

    return pickle_compat._class_locations_map.get((module, name), (module, name))


def _checked(module: str, name: str, source: str) -> tuple[str, str]:
    if (module, name) not in ALLOWED_GLOBALS:
        raise RefusedGlobal(module, name, source)
    return _resolve_compat(module, name)


class _FastUnpickler(pickle.Unpickler):
    """The C unpickler with a restricted ``find_class`` (handles pickles of current pandas)."""

    source = "<pickle>"

    def find_class(self, module: str, name: str) -> Any:
        module, name = _checked(module, name, self.source)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return super().find_class(module, name)


def _compat_unpickler_class():
    from pandas.compat.pickle_compat import Unpickler as PandasCompatUnpickler

    class _CompatUnpickler(PandasCompatUnpickler):
        """pandas' pure-Python compat unpickler (old block/timestamp layouts), same restriction."""

        source = "<pickle>"

        def find_class(self, module: str, name: str) -> Any:
            _checked(module, name, self.source)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                return super().find_class(module, name)

    return _CompatUnpickler


def restricted_loads(data: bytes, *, source: str = "<pickle>") -> Any:
    """Unpickle ``data`` admitting only ``ALLOWED_GLOBALS``; raise RefusedGlobal (a FinefakeError) otherwise.

    The fast C unpickler is tried first; a pickle written by an older pandas whose objects need pandas'
    compatibility hooks is retried with pandas' compat unpickler under the same allow-list.
    """
    fast = _FastUnpickler(io.BytesIO(data))
    fast.source = source
    try:
        return fast.load()
    except RefusedGlobal:
        raise
    except (TypeError, AttributeError, ImportError, ValueError, pickle.UnpicklingError) as first:
        compat = _compat_unpickler_class()(io.BytesIO(data))
        compat.source = source
        try:
            return compat.load()
        except RefusedGlobal:
            raise
        except Exception as exc:
            raise FinefakeError(f"cannot unpickle {source}: {exc} (first attempt: {first})") from exc


def load_release_frame(path: str | Path, *, trust_pickle: bool = False, max_bytes: int = MAX_PICKLE_BYTES):
    """Load the release's pickled DataFrame from ``path`` (restricted unless ``trust_pickle``).

    Raises:
        FinefakeError: missing/oversized file, a refused global, or a pickle that is not a DataFrame.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise FinefakeError(f"release file {path} does not exist")
    size = path.stat().st_size
    if size > max_bytes:
        raise FinefakeError(f"release file {path} is {size} bytes, over the {max_bytes}-byte cap")
    with path.open("rb") as handle:
        head = handle.read(2)
    if not head:
        raise FinefakeError(f"release file {path} is empty, not a pickle file")
    if head[:1] != b"\x80":  # every pickle protocol >= 2 opens with PROTO; pandas writes protocol 4/5
        raise FinefakeError(
            f"release file {path} is not a pickle file (expected the release's pickled DataFrame)"
        )
    try:
        if trust_pickle:
            frame = pd.read_pickle(path)
        else:
            frame = restricted_loads(path.read_bytes(), source=str(path))
    except FinefakeError:
        raise
    except Exception as exc:  # truncated or damaged: whatever the unpickler tripped over, say so in one line
        raise FinefakeError(
            f"release file {path} is a damaged or truncated pickle ({type(exc).__name__}: {exc})"
        ) from exc
    if not isinstance(frame, pd.DataFrame):
        raise FinefakeError(f"{path} holds a {type(frame).__name__}, not a pandas DataFrame")
    return frame
