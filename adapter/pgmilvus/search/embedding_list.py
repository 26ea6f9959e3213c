"""EmbeddingList: the query of an embedding-list search (pymilvus's class and API).

An embedding-list search (search/structs.py) scores each row's array of vectors against a list
of query vectors; ``search(data=[EmbeddingList(...), ...])`` passes one list per query.  The
search reads any object with ``to_numpy()`` / ``to_flat_array()`` (``is_embedding_list``), so
pymilvus's own EmbeddingList works too.
"""

from __future__ import annotations

from typing import Any, Iterator, List, Optional, Union

import numpy as np

from ..errors import ParamError
from ..types import DataType

#: numpy dtypes of the dense vector types (bfloat16 falls back to float32 without ml_dtypes).
_NUMPY = {DataType.FLOAT_VECTOR: "float32", DataType.FLOAT16_VECTOR: "float16",
          DataType.BFLOAT16_VECTOR: "bfloat16", DataType.INT8_VECTOR: "int8", DataType.BINARY_VECTOR: "uint8"}


def _numpy_dtype(dtype: Union[np.dtype, str, DataType, Any]) -> np.dtype:
    if isinstance(dtype, np.dtype):
        return dtype
    if isinstance(dtype, str):
        return np.dtype(dtype)
    if isinstance(dtype, DataType):
        name = _NUMPY.get(dtype)
        if name is None:
            raise ParamError(message=f"Unsupported DataType: {dtype}")
        try:
            return np.dtype(name)
        except TypeError:  # bfloat16 needs ml_dtypes
            return np.dtype("float32")
    raise TypeError(f"dtype must be numpy dtype, string, or DataType, got {type(dtype)}")


class EmbeddingList:
    """Vectors of one dimension and dtype; a float64 input is kept as float32 (as pymilvus does)."""

    def __init__(self, embeddings: Optional[Union[List[Any], np.ndarray]] = None, dim: Optional[int] = None,
                 dtype: Optional[Union[np.dtype, str, DataType]] = None) -> None:
        self._embeddings: List[np.ndarray] = []
        self._dim = dim
        self._dtype = _numpy_dtype(dtype) if dtype is not None else None
        if embeddings is None:
            return
        if isinstance(embeddings, np.ndarray):
            if embeddings.ndim not in (1, 2):
                raise ValueError("Embeddings array must be 1D or 2D")
            self.add_batch(embeddings) if embeddings.ndim == 2 else self.add(embeddings)
        elif isinstance(embeddings, list):
            self.add_batch(embeddings)
        else:
            raise TypeError("Embeddings must be numpy array or list")

    def add(self, embedding: Union[np.ndarray, bytes, List[Any]]) -> "EmbeddingList":
        """Append one vector (a 1-D array, a list, or bytes in the list's dtype)."""
        if isinstance(embedding, bytes):
            array = np.frombuffer(embedding, dtype=self._dtype if self._dtype is not None else np.uint8)
        else:
            array = np.asarray(embedding)
        if array.ndim != 1:
            raise ValueError(f"Embedding must be 1D, got shape {array.shape}")
        if self._embeddings and len(array) != self.dim:
            raise ValueError(f"Embedding dimension {len(array)} doesn't match existing {self.dim}")
        if not self._embeddings and self._dim is not None and len(array) != self._dim:
            raise ValueError(f"Embedding dimension {len(array)} doesn't match expected {self._dim}")
        if self._dtype is None:
            self._dtype = np.dtype(np.float32) if array.dtype == np.float64 else array.dtype
        self._embeddings.append(array if array.dtype == self._dtype else array.astype(self._dtype))
        return self

    def add_batch(self, embeddings: Union[List[Any], np.ndarray]) -> "EmbeddingList":
        if isinstance(embeddings, np.ndarray) and embeddings.ndim != 2:
            raise ValueError(f"Batch embeddings must be 2D, got {embeddings.ndim}D")
        for embedding in embeddings:
            self.add(embedding)
        return self

    def to_flat_array(self) -> np.ndarray:
        if not self._embeddings:
            raise ValueError("EmbeddingList is empty")
        return np.concatenate(self._embeddings)

    def to_numpy(self) -> np.ndarray:
        if not self._embeddings:
            raise ValueError("EmbeddingList is empty")
        return np.stack(self._embeddings)

    def clear(self) -> "EmbeddingList":
        self._embeddings.clear()
        return self

    def __len__(self) -> int:
        return len(self._embeddings)

    def __getitem__(self, index: int) -> np.ndarray:
        return self._embeddings[index]

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter(self._embeddings)

    @property
    def dim(self) -> int:
        return len(self._embeddings[0]) if self._embeddings else self._dim or 0

    @property
    def dtype(self) -> Optional[np.dtype]:
        return self._dtype

    @property
    def shape(self) -> tuple:
        return (len(self), self.dim)

    @property
    def total_dim(self) -> int:
        return len(self) * self.dim

    @property
    def is_empty(self) -> bool:
        return not self._embeddings

    @property
    def nbytes(self) -> int:
        return sum(e.nbytes for e in self._embeddings)

    def __repr__(self) -> str:
        shown = f", dtype={self.dtype}" if self.dtype else ""
        return f"EmbeddingList(count={len(self)}, dim={self.dim}{shown})"

    def __str__(self) -> str:
        if self.is_empty:
            return "EmbeddingList(empty)"
        shown = f" ({self.dtype})" if self.dtype else ""
        return f"EmbeddingList with {len(self)} embeddings of dimension {self.dim}{shown}"


def is_embedding_list(value: Any) -> bool:
    """pgmilvus's or pymilvus's EmbeddingList (duck-typed: any class of that name with to_numpy)."""
    return type(value).__name__ == "EmbeddingList" and hasattr(value, "to_numpy")


def vectors_of(value: Any) -> list[np.ndarray]:
    """The query vectors of one EmbeddingList (pymilvus's client refuses an empty one)."""
    if len(value) == 0:
        raise ValueError("EmbeddingList is empty")
    return [np.asarray(v) for v in value]
