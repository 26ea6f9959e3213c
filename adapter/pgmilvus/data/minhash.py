"""MinHash signatures of texts: what a MINHASH function stores in its BINARY_VECTOR output field.

Milvus master computes them in C++ (internal/core/src/minhash/MinHashComputer.cpp, driven by
internal/util/function/minhash_function.go); this gives the same bytes:

* the text's shingles: windows of ``shingle_size`` bytes of its UTF-8 form (``token_level``
  "char"), or of ``shingle_size`` consecutive tokens of the input field's analyzer, joined without
  a separator (the default, "word"); a text shorter than one window is one shingle of all of it,
  an empty one (or NULL) has none;
* each shingle's base hash: the low 32 bits of XXH3-64 (``hash_function`` "xxhash64", the
  default) or the first 4 bytes of SHA-1 read little-endian ("sha1");
* ``num_hashes`` permutations h -> ((a * h + b) mod 2^64) mod (2^61 - 1), low 32 bits, whose
  (a, b) pairs are drawn from C++'s std::mt19937_64 seeded with ``seed`` (default 1234);
* the signature: each permutation's minimum over the shingles (0xFFFFFFFF with no shingle),
  written as little-endian uint32s: ``num_hashes * 32`` bits, the output field's dim.

Whole columns are hashed at once with numpy (one matrix of permuted hashes per text).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Optional, Sequence

import numpy as np
import xxhash

from . import analyzer
from ..errors import ErrorCode, MilvusException

MERSENNE_PRIME = (1 << 61) - 1
_MASK64 = (1 << 64) - 1
DEFAULT_SHINGLE_SIZE = 3
DEFAULT_SEED = 1234


def _refused(message: str) -> MilvusException:
    """Milvus's merr.WrapErrParameterInvalidMsg, as a create_collection reports it."""
    return MilvusException(ErrorCode.SERVER_ERROR, f"{message}: invalid parameter")


@dataclass(frozen=True)
class MinHashParams:
    """One MINHASH function's settings (its params, with Milvus's defaults)."""

    num_hashes: int
    shingle_size: int = DEFAULT_SHINGLE_SIZE
    sha1: bool = False
    char_level: bool = False
    seed: int = DEFAULT_SEED


def _integer(key: str, value: Any) -> int:
    """Go's strconv.ParseInt(value, 10, 64) of a param's text form."""
    text = str(value).lower() if isinstance(value, bool) else str(value)
    body = text[1:] if text[:1] in "+-" else text
    if not body.isascii() or not body.isdigit():
        raise _refused(f"param {key}:{text} is not a number")
    number = int(text)
    if not -(1 << 63) <= number < (1 << 63):
        raise _refused(f"param {key}:{text} is not a number")
    return number


def read_params(params: dict[str, Any], output_dim: Optional[int]) -> MinHashParams:
    """The function's params checked as Milvus master's ValidateMinHashFunction checks them (keys
    compared case-insensitively, unknown keys ignored), in its words; ``num_hashes`` defaults to
    the output field's dim / 32."""
    num_hashes, shingle, sha1, char_level, seed = -1, DEFAULT_SHINGLE_SIZE, False, False, DEFAULT_SEED
    for key, value in params.items():
        key = str(key).lower()
        if key == "num_hashes":
            num_hashes = _integer(key, value)
            if num_hashes <= 0:
                raise _refused(f"param num_hashes:{num_hashes} must be positive")
        elif key == "shingle_size":
            shingle = _integer(key, value)
            if shingle <= 0:
                raise _refused(f"param shingle_size:{shingle} must be positive")
        elif key == "hash_function":
            name = str(value).lower()
            if name not in ("xxhash", "xxhash64", "sha1"):
                raise _refused(f"unknown hash function: {value} (expected 'xxhash64' or 'sha1')")
            sha1 = name == "sha1"
        elif key == "token_level":
            level = str(value).lower()
            if level not in ("char", "character", "word"):
                raise _refused(f"unknown token_level: {value} (expected 'char' or 'word')")
            char_level = level != "word"
        elif key == "seed":
            seed = _integer(key, value)
    if num_hashes <= 0:
        num_hashes = (output_dim or 0) // 32
    return MinHashParams(num_hashes, shingle, sha1, char_level, seed)


def check_output_dim(params: MinHashParams, explicit: bool, output: str, dim: Optional[int]) -> None:
    """The output field's dim against ``num_hashes`` (ValidateMinHashFunction's last checks)."""
    dim = -1 if dim is None else int(dim)
    if explicit and dim != params.num_hashes * 32:
        raise _refused(f"minhash function output field '{output}' dim {dim} does not match expected dim "
                       f"{params.num_hashes * 32} (numHashes {params.num_hashes} * one minhash signature "
                       "size of 32bit)")
    if not explicit and dim % 32 != 0:
        raise _refused(f"minhash function output field '{output}' dim {dim} is not multiple of 32 (one "
                       "minhash signature size)")


# -- permutations: std::mt19937_64 ---------------------------------------------------------------

class _MersenneTwister64:
    """The 64-bit Mersenne Twister with the parameters C++ fixes for std::mt19937_64
    ([rand.predef]), so a seed draws the same numbers as in Milvus on every platform."""

    N, M = 312, 156
    A = 0xB5026F5AA96619E9
    UPPER, LOWER = 0xFFFFFFFF80000000, 0x7FFFFFFF

    def __init__(self, seed: int) -> None:
        state = [seed & _MASK64]
        for i in range(1, self.N):
            previous = state[-1]
            state.append((6364136223846793005 * (previous ^ (previous >> 62)) + i) & _MASK64)
        self.state, self.index = state, self.N

    def _twist(self) -> None:
        state, n, m = self.state, self.N, self.M
        for i in range(n):
            y = (state[i] & self.UPPER) | (state[(i + 1) % n] & self.LOWER)
            state[i] = state[(i + m) % n] ^ (y >> 1) ^ (self.A if y & 1 else 0)
        self.index = 0

    def next(self) -> int:
        if self.index >= self.N:
            self._twist()
        y = self.state[self.index]
        self.index += 1
        y ^= (y >> 29) & 0x5555555555555555
        y ^= (y << 17) & 0x71D67FFFEDA60000
        y ^= (y << 37) & 0xFFF7EEE000000000
        y ^= y >> 43
        return y & _MASK64


@lru_cache(maxsize=64)
def permutations(num_hashes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) of each permutation, as Milvus's InitPermutations draws them (a in [1, p - 1])."""
    rng = _MersenneTwister64(seed & _MASK64)  # the int64 param passed on as uint64
    a = np.empty(num_hashes, dtype=np.uint64)
    b = np.empty(num_hashes, dtype=np.uint64)
    for i in range(num_hashes):
        raw_a, raw_b = rng.next(), rng.next()
        a[i] = raw_a % (MERSENNE_PRIME - 1) + 1
        b[i] = raw_b % MERSENNE_PRIME
    return a, b


# -- signatures ---------------------------------------------------------------------------------

def _xxh3_low32(data: bytes) -> int:
    return xxhash.xxh3_64_intdigest(data) & 0xFFFFFFFF


def _sha1_low32(data: bytes) -> int:
    return int.from_bytes(hashlib.sha1(data).digest()[:4], "little")


def _char_shingles(text: str, size: int) -> list[bytes]:
    data = text.encode()
    if not data:
        return []
    if len(data) < size:
        return [data]
    return [data[i:i + size] for i in range(len(data) - size + 1)]


def _word_shingles(tokens: list[str], size: int) -> list[bytes]:
    if not tokens:
        return []
    if len(tokens) < size:
        return ["".join(tokens).encode()]
    return ["".join(tokens[i:i + size]).encode() for i in range(len(tokens) - size + 1)]


#: Permuted hashes per matrix (shingles x permutations): 32 KB of uint64, within the CPU's L1 cache;
#: 2 MB matrices made a 1,000-text column 2.5x slower than one matrix per text (numpy's broadcast
#: multiply leaving the cache), 32 KB ones ~20% faster than one per text (fewer calls).
_MATRIX = 1 << 12


def signatures(params: MinHashParams, texts: Sequence[Optional[str]],
               tokens: Optional[Callable[[str], list[str]]] = None) -> list[bytes]:
    """The signature of each text (NULL counts as empty: all 0xFF, as in Milvus); ``tokens``:
    the input field's analyzer, for word-level shingles.  Texts are taken in runs whose shingles
    are permuted in one matrix, each text's minimum found by ``minimum.reduceat``."""
    digest = _sha1_low32 if params.sha1 else _xxh3_low32
    empty = b"\xff" * (4 * params.num_hashes)
    out = [empty] * len(texts)
    run: list[int] = []      # the run's base hashes
    owners: list[tuple[int, int]] = []  # (text's position, its first hash in the run)
    for i, text in enumerate(texts):
        if not text:
            continue
        if params.char_level:
            shingles = _char_shingles(text, params.shingle_size)
        else:
            assert tokens is not None, "word-level MinHash needs the field's analyzer"
            shingles = _word_shingles(tokens(text), params.shingle_size)
        if not shingles:
            continue
        owners.append((i, len(run)))
        run.extend(map(digest, shingles))
        if len(run) * params.num_hashes >= _MATRIX:
            _minima(params, run, owners, out)
            run, owners = [], []
    if run:
        _minima(params, run, owners, out)
    return out


def _minima(params: MinHashParams, base: list[int], owners: list[tuple[int, int]], out: list[bytes]) -> None:
    """Each owner's signature from its run of ``base`` hashes, written into ``out``."""
    a, b = permutations(params.num_hashes, params.seed)
    hashes = np.asarray(base, dtype=np.uint64)
    with np.errstate(over="ignore"):
        permuted = hashes[:, None] * a[None, :] + b[None, :]  # wraps modulo 2^64, as uint64 in C++
        permuted = (permuted & np.uint64(MERSENNE_PRIME)) + (permuted >> np.uint64(61))
    permuted = np.where(permuted >= np.uint64(MERSENNE_PRIME), permuted - np.uint64(MERSENNE_PRIME), permuted)
    low = (permuted & np.uint64(0xFFFFFFFF)).astype("<u4")
    minima = np.minimum.reduceat(low, [start for _, start in owners], axis=0).tobytes()
    width = 4 * params.num_hashes
    for row, (i, _) in enumerate(owners):
        out[i] = minima[row * width:(row + 1) * width]


def hasher(schema: Any, output: str) -> Callable[[Sequence[Optional[str]]], list[bytes]]:
    """The signatures of MinHash output field ``output``'s function, for a column of its input
    field's texts: the function's params read once, word shingles by the input field's analyzer.
    Inserts and searches both hash through it, so a query text gets the stored texts' signature."""
    source, function = schema.minhash_outputs[output]
    params = read_params(function.params, schema.field(output).dim)
    tokens = None if params.char_level else analyzer.for_field(source).tokens
    return lambda texts: signatures(params, texts, tokens)
