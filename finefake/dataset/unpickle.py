"""A restricted unpickler for the official FineFake release (a pickled pandas DataFrame).

Unpickling calls whatever global a pickle names, so a pickle from the internet can run arbitrary code. This
unpickler resolves only the globals a DataFrame of strings, numbers, lists, numpy arrays and timestamps needs,
under the module paths of current *and* older pandas/numpy versions (the release was pickled with pandas 1.x/2.x:
``pandas.core.internals.blocks.new_block``, ``pandas.core.indexes.numeric.Int64Index``, ``numpy.core...``);
pandas' own compatibility map then routes old paths to their current home. Any other global is refused with a
FinefakeError naming it, before anything is called.

Admitted is not trusted: two admitted constructors build memory from numbers in the file without checking
them, so a flipped byte could crash the process or leak its memory. They are replaced while loading:

- ``numpy ... _reconstruct`` + the BUILD that follows it: numpy's ``ndarray.__setstate__`` reads an object
  array's elements from the state's list without comparing their counts (a shape of 1000 over a list of one
  reads past the list: a segfault). Arrays are built as :class:`_CheckedArray`, whose ``__setstate__``
  checks shape, dtype and data length first; shapes are bounded by the file's size. Pandas' constructors
  receive them as plain ndarrays.
- ``pyarrow.lib._restore_array`` (pandas >= 3 pickles string columns as Arrow arrays) makes an array from
  buffers and offsets without validating them; reading it later can run past the buffers. The tuple is
  checked for shape first, and the array goes through Arrow's full validation (every offset bounds-checked
  against its buffer's size) before anything reads it.

- The frame itself: its block manager says which block holds which column (``mgr_locs``), and pandas'
  Cython indexes its arrays with those numbers unchecked. The loaded frame is never used as such: its
  blocks' placements and shapes are checked (every column exactly once, every block the frame's length)
  and a new frame is built from the columns with pandas' public constructor (:func:`_rebuilt_frame`).

Before any of that, the opcode stream is walked once (``pickletools.genops``): a length field pointing past
the end of the file is refused there, before CPython's own unpickler allocates it (on 3.11 a huge
``BYTEARRAY8`` length frees a bytearray that still has a buffer exported). Anything else that goes wrong
(truncated data, MemoryError, deep nesting) is a FinefakeError: a refusal.
"""

from __future__ import annotations

import functools
import io
import math
import pickle
import pickletools
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

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


#: The constructors that receive arrays made by ``_reconstruct``: they get plain ndarrays (see module doc).
_ARRAY_CONSUMERS = {
    ("pandas.core.internals.blocks", "new_block"),
    ("pandas._libs.internals", "_unpickle_block"),
    ("pandas.core.indexes.base", "_new_Index"),
    ("pandas.core.indexes.datetimes", "_new_DatetimeIndex"),
    ("pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked"),
}
_RECONSTRUCT = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct")}
_RESTORE_ARRAY = ("pyarrow.lib", "_restore_array")
#: Nesting of Arrow children deeper than this is not a DataFrame column.
_MAX_ARROW_DEPTH = 16


class UnsafePickle(FinefakeError):
    """The pickle's data would build memory its own bytes do not hold (a damaged or hostile file)."""


def _resolve_compat(module: str, name: str) -> tuple[str, str]:
    from pandas.compat import pickle_compat

    return pickle_compat._class_locations_map.get((module, name), (module, name))


def _checked(module: str, name: str, source: str) -> tuple[str, str]:
    if (module, name) not in ALLOWED_GLOBALS:
        raise RefusedGlobal(module, name, source)
    return _resolve_compat(module, name)


def _check_count(shape: Any, dtype: Any, budget: int) -> int:
    """The element count of ``shape``, refused unless it is a tuple of non-negative ints within ``budget``."""
    if not isinstance(shape, tuple) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise UnsafePickle(f"array shape {shape!r} is not a tuple of non-negative integers")
    if not isinstance(dtype, np.dtype):
        raise UnsafePickle(f"array dtype {dtype!r} is not a numpy dtype")
    count = math.prod(shape)
    if count * (1 if dtype.hasobject else max(dtype.itemsize, 1)) > budget:  # an element takes >= 1 byte
        raise UnsafePickle(f"array of shape {shape} and dtype {dtype} is larger than the file could hold")
    return count


class _CheckedArray(np.ndarray):
    """An ndarray being unpickled: its state is checked before numpy reads it (see the module docstring)."""

    budget = 0

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise UnsafePickle("array state is not a 4- or 5-tuple")
        shape, dtype, _fortran, data = state[-4:]
        count = _check_count(shape, dtype, self.budget)
        if dtype.hasobject:
            if dtype != np.dtype(object):
                raise UnsafePickle(f"structured dtype with objects {dtype} is not admitted")
            if not isinstance(data, list) or len(data) != count:
                raise UnsafePickle(f"object array of {count} elements holds {len(data)} in the file")
            state = (*state[:-1], _plain(data))  # cells holding arrays get plain ones
        elif not isinstance(data, (bytes, bytearray)) or len(data) != count * dtype.itemsize:
            raise UnsafePickle(f"array of {count} x {dtype} does not match its {len(data)}-byte buffer")
        np.ndarray.__setstate__(self, state)


def _plain(value: Any) -> Any:
    if isinstance(value, _CheckedArray):
        return value.view(np.ndarray)
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _plain_args(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        return func(*_plain(args), **_plain(kwargs))

    return call


def _check_arrow_data(data: Any, depth: int = 0) -> None:
    """The shape of ``_restore_array``'s tuple: (type, length, null_count, offset, buffers, children, dict)."""
    import pyarrow as pa

    if depth > _MAX_ARROW_DEPTH:
        raise UnsafePickle("Arrow array nested too deeply")
    if not isinstance(data, tuple) or len(data) != 7:
        raise UnsafePickle("Arrow array data is not a 7-tuple")
    dtype, length, null_count, offset, buffers, children, dictionary = data
    if not isinstance(dtype, pa.DataType):
        raise UnsafePickle(f"Arrow array type {dtype!r} is not an Arrow DataType")
    for name, value in (("length", length), ("offset", offset)):
        if not isinstance(value, int) or not 0 <= value < 2**48:
            raise UnsafePickle(f"Arrow array {name} {value!r} is out of range")
    if not isinstance(null_count, int) or not -1 <= null_count <= length:
        raise UnsafePickle(f"Arrow array null count {null_count!r} is out of range")
    if not isinstance(buffers, list) or not all(b is None or isinstance(b, pa.Buffer) for b in buffers):
        raise UnsafePickle("Arrow array buffers are not a list of buffers")
    if len(buffers) != dtype.num_buffers:
        raise UnsafePickle(f"Arrow {dtype} array needs {dtype.num_buffers} buffers, has {len(buffers)}")
    if not isinstance(children, list) or len(children) != dtype.num_fields:
        raise UnsafePickle(f"Arrow {dtype} array has the wrong number of children")
    for child in children:
        _check_arrow_data(child, depth + 1)
    if dictionary is not None:
        raise UnsafePickle("Arrow dictionary arrays are not admitted")


def _restore_array_checked(data: Any) -> Any:
    """``pyarrow.lib._restore_array`` behind a shape check and Arrow's full validation (nothing read before)."""
    import pyarrow as pa
    from pyarrow.lib import _restore_array

    _check_arrow_data(data)
    array = _restore_array(data)
    try:
        array.validate()  # buffer sizes against length and offset: O(1), before any element is touched
        array.validate(full=True)  # every offset, every UTF-8 string
    except pa.ArrowInvalid as exc:
        raise UnsafePickle(f"Arrow array fails validation: {exc}") from exc
    return array


def _replacement(module: str, name: str, budget: int, found: Any) -> Any:
    """What the unpickler gets for an admitted global: the safe stand-in where one exists."""
    if (module, name) in _RECONSTRUCT:
        array_type = type("_CheckedArray", (_CheckedArray,), {"budget": budget})

        def reconstruct(subtype: Any, shape: Any, dtype: Any) -> np.ndarray:
            if subtype is not np.ndarray:
                raise UnsafePickle(f"array subtype {subtype!r} is not numpy.ndarray")
            dtype = np.dtype(dtype)
            _check_count(shape, dtype, budget)
            return np.ndarray.__new__(array_type, shape, dtype)

        return reconstruct
    if (module, name) == _RESTORE_ARRAY:
        return _restore_array_checked
    if (module, name) in _ARRAY_CONSUMERS:
        return _plain_args(found)
    return found


class _FastUnpickler(pickle.Unpickler):
    """The C unpickler with a restricted ``find_class`` (handles pickles of current pandas)."""

    source = "<pickle>"
    budget = 0

    def find_class(self, module: str, name: str) -> Any:
        resolved = _checked(module, name, self.source)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return _replacement(module, name, self.budget, super().find_class(*resolved))


def _compat_unpickler_class():
    from pandas.compat.pickle_compat import Unpickler as PandasCompatUnpickler

    class _CompatUnpickler(PandasCompatUnpickler):
        """pandas' pure-Python compat unpickler (old block/timestamp layouts), same restriction."""

        source = "<pickle>"
        budget = 0

        def find_class(self, module: str, name: str) -> Any:
            _checked(module, name, self.source)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                return _replacement(module, name, self.budget, super().find_class(module, name))

    return _CompatUnpickler


def _check_opcodes(data: bytes, source: str) -> None:
    """Walk the opcode stream once: every counted length must fit in the file (nothing is built)."""
    try:
        for _ in pickletools.genops(data):
            pass
    except (ValueError, EOFError, OverflowError, MemoryError, UnicodeDecodeError) as exc:
        raise UnsafePickle(f"{source} is not a well-formed pickle: {str(exc)[:200]}") from exc


def _rebuilt_frame(frame: Any) -> Any:
    """A new DataFrame from the columns of an unpickled one, after checking its block layout."""
    import pandas as pd

    manager = frame._mgr
    columns, index = manager.axes[0], manager.axes[1]
    width, length = len(columns), len(index)
    found: dict[int, Any] = {}
    for block in manager.blocks:
        if len(block.mgr_locs) > width:
            raise UnsafePickle("a block claims more columns than the frame has")
        locs = np.asarray(block.mgr_locs.as_array)
        values = block.values
        if (
            locs.dtype.kind not in "iu"
            or ((locs < 0) | (locs >= width)).any()
            or len(set(locs.tolist()) | set(found)) != len(locs) + len(found)
        ):
            raise UnsafePickle("the frame's blocks do not map one-to-one onto its columns")
        if getattr(values, "ndim", 1) == 2:
            if tuple(values.shape) != (len(locs), length):
                raise UnsafePickle(f"a block of shape {values.shape} in a frame of {length} rows")
            found.update({int(loc): values[i] for i, loc in enumerate(locs)})
        else:
            if len(locs) != 1 or len(values) != length:
                raise UnsafePickle(f"a column of {len(values)} values in a frame of {length} rows")
            found[int(locs[0])] = values
    if len(found) != width:
        raise UnsafePickle("some of the frame's columns are in no block")
    rebuilt = pd.DataFrame({i: found[i] for i in range(width)}, index=index, copy=False)
    rebuilt.columns = columns
    return rebuilt


def _load(unpickler_class: type, data: bytes, source: str) -> Any:
    import pandas as pd

    unpickler = unpickler_class(io.BytesIO(data))
    unpickler.source, unpickler.budget = source, len(data)
    loaded = _plain(unpickler.load())
    return _rebuilt_frame(loaded) if isinstance(loaded, pd.DataFrame) else loaded


def restricted_loads(data: bytes, *, source: str = "<pickle>") -> Any:
    """Unpickle ``data`` admitting only ``ALLOWED_GLOBALS``; raise RefusedGlobal (a FinefakeError) otherwise.

    The fast C unpickler is tried first; a pickle written by an older pandas whose objects need pandas'
    compatibility hooks is retried with pandas' compat unpickler under the same allow-list. Every other
    failure, MemoryError included, is a FinefakeError: the file is refused, the process goes on.
    """
    _check_opcodes(data, source)
    try:
        return _load(_FastUnpickler, data, source)
    except (RefusedGlobal, UnsafePickle):
        raise
    except (TypeError, AttributeError, ImportError, ValueError, pickle.UnpicklingError) as first:
        try:
            return _load(_compat_unpickler_class(), data, source)
        except (RefusedGlobal, UnsafePickle):
            raise
        except (Exception, RecursionError) as exc:
            raise FinefakeError(f"cannot unpickle {source}: {exc} (first attempt: {first})") from exc
    except MemoryError as exc:
        raise FinefakeError(f"cannot unpickle {source}: it asks for more memory than there is") from exc
    except Exception as exc:
        raise FinefakeError(f"cannot unpickle {source}: {type(exc).__name__}: {exc}") from exc


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
