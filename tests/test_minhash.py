"""MinHash (Milvus master): a MINHASH function's signatures, MINHASH_LSH indexes, MHJACCARD searches.

The expected signatures were computed by the Python reference in Milvus's own e2e suite
(tests/python_client/milvus_client/test_milvus_client_minhash.py, "matching Milvus exactly"), and
data/minhash.py was checked against it on hundreds of texts; the similarities below are counted
here from the stored signatures, element by element, as knowhere counts them.
"""

from __future__ import annotations

import struct

import pytest

from pgmilvus import DataType, Function, FunctionType, MilvusException
from pgmilvus.data import minhash
from pgmilvus.errors import DataNotMatchException

TEXTS = {0: "the quick brown fox jumps over the lazy dog", 1: None, 2: "completely different text",
         3: "the quick brown fox jumps over the lazy cat", 4: "the quick brown fox jumps over the lazy dog",
         5: "a lazy dog sleeps all day long in the sun"}
NUM_HASHES = 16


@pytest.mark.parametrize("text, num_hashes, shingle, sha1, char_level, seed, expected", [
    ("hello world", 4, 3, False, True, 1234, "66c51a6a7173b72c096e34100d942615"),
    ("hello world", 4, 3, True, True, 1234, "400258235588ac06824c162633499c03"),
    ("héllo", 2, 2, False, True, 42, "09764357fc957b33"),          # shingles of UTF-8 bytes
    ("ab", 2, 3, False, True, 1234, "c652beb3c4ddea94"),            # shorter than a shingle: one
    ("the quick brown fox jumps", 3, 2, False, False, 1234, "d2e6641201bf0f08ab508303"),
    ("one two", 2, 3, False, False, 7, "ea4d323562d36df0"),        # fewer tokens than a shingle
    ("", 2, 3, False, True, 1234, "ffffffffffffffff"),              # no shingle at all
    (None, 2, 3, False, False, 1234, "ffffffffffffffff"),           # NULL hashes as empty
])
def test_signatures(text, num_hashes, shingle, sha1, char_level, seed, expected):
    params = minhash.MinHashParams(num_hashes, shingle, sha1, char_level, seed)
    assert minhash.signatures(params, [text], str.split)[0].hex() == expected


def test_a_column_is_hashed_as_its_texts_one_by_one():
    params = minhash.MinHashParams(5, 2, False, True, 9)
    column = ["", "abc", None, "x", "hello world", "", "zz"]
    assert minhash.signatures(params, column) == [minhash.signatures(params, [t])[0] for t in column]


def test_permutations_follow_std_mt19937_64():
    """C++ fixes the 10000th number of a default-seeded std::mt19937_64 ([rand.predef])."""
    rng = minhash._MersenneTwister64(5489)
    for _ in range(9999):
        rng.next()
    assert rng.next() == 9981545732273789042


def schema_for(cli, params=None, dim=NUM_HASHES * 32, text_type=DataType.VARCHAR, output_type=None,
               nullable_output=False):
    schema = cli.create_schema(enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("text", text_type, max_length=1000, nullable=True)
    if output_type is None:
        schema.add_field("sig", DataType.BINARY_VECTOR, dim=dim, nullable=nullable_output)
    else:
        schema.add_field("sig", output_type, dim=dim)
    schema.add_field("tag", DataType.INT64)
    schema.add_function(Function(name="mh", function_type=FunctionType.MINHASH, input_field_names=["text"],
                                 output_field_names=["sig"],
                                 params={"num_hashes": NUM_HASHES, "shingle_size": 3} if params is None else params))
    return schema


def lsh_index(cli, **params):
    index = cli.prepare_index_params()
    index.add_index("sig", index_type="MINHASH_LSH", metric_type="MHJACCARD", params=params or {"mh_lsh_band": 8})
    return index


@pytest.fixture
def texts(fresh_client):
    cli = fresh_client
    cli.create_collection("texts", schema=schema_for(cli), index_params=lsh_index(cli))
    cli.insert("texts", [{"id": k, "text": v, "tag": k % 2} for k, v in TEXTS.items()])
    return cli


def stored(cli) -> dict[int, bytes]:
    rows = cli.query("texts", "id >= 0", output_fields=["sig"])
    return {r["id"]: r["sig"][0] for r in rows}


def similarity(a: bytes, b: bytes, width: int = 1) -> float:
    n = len(a) // width
    return sum(a[i * width:(i + 1) * width] == b[i * width:(i + 1) * width] for i in range(n)) / n


def lsh_hit(a: bytes, b: bytes, bands: int, width: int = 1) -> bool:
    per_band = len(a) // width // bands * width
    return any(a[i * per_band:(i + 1) * per_band] == b[i * per_band:(i + 1) * per_band] for i in range(bands))


def test_insert_computes_signatures(texts):
    sigs = stored(texts)
    params = minhash.MinHashParams(NUM_HASHES)
    for pk, text in TEXTS.items():
        assert sigs[pk] == minhash.signatures(params, [text], lambda t: t.lower().split())[0]
    assert sigs[1] == b"\xff" * (NUM_HASHES * 4) and sigs[0] == sigs[4] != sigs[3]
    texts.upsert("texts", [{"id": 2, "text": TEXTS[0], "tag": 0}])
    texts.upsert("texts", [{"id": 5, "text": TEXTS[3]}], partial_update=True)
    sigs = stored(texts)
    assert sigs[2] == sigs[0] and sigs[5] == sigs[3]


def test_insert_refuses_output_field(texts):
    with pytest.raises(DataNotMatchException) as err:
        texts.insert("texts", [{"id": 9, "text": "x", "tag": 0, "sig": b"\x00" * 64}])
    assert err.value.message == ("Attempt to insert an unexpected function output field `sig` to collection "
                                 "(row 0: Milvus computes it from field text)")


def test_lsh_search(texts):
    sigs = stored(texts)
    query = minhash.signatures(minhash.MinHashParams(NUM_HASHES), [TEXTS[0]], str.split)[0]
    hits = texts.search("texts", [TEXTS[0]], anns_field="sig", limit=10, output_fields=["text"],
                        search_params={"metric_type": "MHJACCARD"})[0]
    expected = sorted(pk for pk, sig in sigs.items() if lsh_hit(sig, query, 8))
    assert [h["id"] for h in hits] == expected and {0, 3, 4} <= set(expected) and 1 not in expected
    assert {h["distance"] for h in hits} == {1.0}
    assert hits[0]["entity"] == {"text": TEXTS[0]}
    assert [h["id"] for h in texts.search("texts", [query], anns_field="sig", limit=10)[0]] == expected


@pytest.mark.parametrize("params, width", [({"mh_lsh_band": 8}, 1), ({"mh_lsh_band": 4, "mh_element_bit_width": 32}, 4)])
def test_jaccard_search(fresh_client, params, width):
    cli = fresh_client
    cli.create_collection("texts", schema=schema_for(cli), index_params=lsh_index(cli, **params))
    cli.insert("texts", [{"id": k, "text": v, "tag": k % 2} for k, v in TEXTS.items()])
    sigs = stored(cli)
    query = sigs[0]
    expected = sorted(((pk, similarity(sig, query, width)) for pk, sig in sigs.items()), key=lambda x: (-x[1], x[0]))
    expected = [(pk, s) for pk, s in expected if s > 0][:4]
    hits = cli.search("texts", [TEXTS[0]], anns_field="sig", limit=4, filter="id >= 0",
                      search_params={"metric_type": "MHJACCARD", "params": {"mh_search_with_jaccard": True}})[0]
    assert [(h["id"], h["distance"]) for h in hits] == [(pk, pytest.approx(s)) for pk, s in expected]
    assert hits[0]["distance"] == 1.0 and hits[2]["distance"] < 1.0
    odd = cli.search("texts", [TEXTS[0]], anns_field="sig", limit=4, filter="tag == 1",
                     search_params={"params": {"mh_search_with_jaccard": True}})[0]
    assert [h["id"] for h in odd] == [pk for pk, _ in expected if pk % 2 == 1]


def test_plain_binary_field_with_mhjaccard(fresh_client):
    """Signatures computed by the application (datasketch and the like) on a BINARY_VECTOR field."""
    cli = fresh_client
    schema = cli.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("sig", DataType.BINARY_VECTOR, dim=64)
    auto = cli.prepare_index_params()  # AUTOINDEX with MHJACCARD is MINHASH_LSH, its parameters its own
    auto.add_index("sig", index_type="AUTOINDEX", metric_type="MHJACCARD", params={"mh_lsh_band": 2})
    with pytest.raises(MilvusException) as err:
        cli.create_collection("sigs", schema=schema, index_params=auto)
    assert err.value.message == "only metric type can be passed when use AutoIndex: invalid parameter"
    cli.drop_collection("sigs")
    auto = cli.prepare_index_params()
    auto.add_index("sig", index_type="AUTOINDEX", metric_type="MHJACCARD")
    cli.create_collection("sigs", schema=schema, index_params=auto)
    assert cli.describe_index("sigs", "sig")["index_type"] == "MINHASH_LSH"
    cli.release_collection("sigs")
    cli.drop_index("sigs", "sig")
    index = cli.prepare_index_params()
    index.add_index("sig", index_type="MINHASH_LSH", metric_type="MHJACCARD",
                    params={"mh_element_bit_width": 32, "mh_lsh_band": 2})
    cli.create_index("sigs", index)
    cli.load_collection("sigs")
    words = [struct.pack("<2I", *pair) for pair in ((1, 2), (1, 3), (4, 2), (5, 6))]
    cli.insert("sigs", [{"id": i, "sig": w} for i, w in enumerate(words)])
    jaccard = cli.search("sigs", [words[0]], limit=5, search_params={"params": {"mh_search_with_jaccard": "true"}})[0]
    assert [(h["id"], h["distance"]) for h in jaccard] == [(0, 1.0), (1, 0.5), (2, 0.5)]
    assert [(h["id"], h["distance"]) for h in cli.search("sigs", [words[0]], limit=5)[0]] == [
        (0, 1.0), (1, 1.0), (2, 1.0)]


@pytest.mark.parametrize("params, message", [
    ({"num_hashes": "abc"}, "param num_hashes:abc is not a number: invalid parameter"),
    ({"num_hashes": 0}, "param num_hashes:0 must be positive: invalid parameter"),
    ({"shingle_size": -1}, "param shingle_size:-1 must be positive: invalid parameter"),
    ({"hash_function": "md5"}, "unknown hash function: md5 (expected 'xxhash64' or 'sha1'): invalid parameter"),
    ({"token_level": "sentence"}, "unknown token_level: sentence (expected 'char' or 'word'): invalid parameter"),
    ({"seed": "x1"}, "param seed:x1 is not a number: invalid parameter"),
    ({"num_hashes": 8}, "minhash function output field 'sig' dim 512 does not match expected dim 256 (numHashes 8 * "
                        "one minhash signature size of 32bit): invalid parameter"),
])
def test_function_params_refused(fresh_client, params, message):
    with pytest.raises(MilvusException) as err:
        fresh_client.create_collection("bad", schema=schema_for(fresh_client, params))
    assert (err.value.code, err.value.message) == (65535, message)
    assert not fresh_client.has_collection("bad")


@pytest.mark.parametrize("kwargs, message", [
    ({"dim": 40, "params": {}}, "minhash function output field 'sig' dim 40 is not multiple of 32 (one minhash "
                                "signature size): invalid parameter"),
    ({"output_type": DataType.FLOAT_VECTOR}, "MinHash function output field must be a BinaryVector field, but got "
                                             "FloatVector"),
    ({"text_type": DataType.INT64}, "MinHash function input field must be a VARCHAR/TEXT field, got 1 field with "
                                    "type Int64"),
    ({"nullable_output": True}, "function output field cannot be nullable: function mh, field sig"),
])
def test_function_fields_refused(fresh_client, kwargs, message):
    with pytest.raises(MilvusException) as err:
        fresh_client.create_collection("bad", schema=schema_for(fresh_client, **kwargs))
    assert (err.value.code, err.value.message) == (65535, message)


def test_num_hashes_from_dim_and_word_level_analyzer(fresh_client):
    cli = fresh_client
    cli.create_collection("texts", schema=schema_for(cli, params={"token_level": "word", "shingle_size": 1}, dim=64))
    cli.insert("texts", [{"id": 1, "text": "Hello, WORLD!", "tag": 0}, {"id": 2, "text": "hello world", "tag": 0}])
    sigs = stored(cli)
    assert len(sigs[1]) == 8 and sigs[1] == sigs[2]  # the standard analyzer lowercases and drops punctuation


def test_search_refusals(texts):
    with pytest.raises(MilvusException) as err:
        texts.search("texts", [TEXTS[0]], anns_field="sig", search_params={"metric_type": "HAMMING"})
    assert (err.value.code, err.value.message) == (
        65535, "must use MHJACCARD metric type when searching against MinHash Function output field: invalid "
               "parameter[expected=MHJACCARD][actual=HAMMING]")
    with pytest.raises(MilvusException) as err:
        texts.search("texts", [TEXTS[0]], anns_field="sig", search_params={"params": {"radius": 0.0, "range_filter": 0.5}})
    assert (err.value.code, err.value.message) == (65535, "fail to search on QueryNode: minhash not support range "
                                                          "search.")
    with pytest.raises(MilvusException, match="not support search_group_by operation based on binary vector"):
        texts.search("texts", [TEXTS[0]], anns_field="sig", group_by_field="tag")


@pytest.mark.parametrize("index_type, metric, params, code, message", [
    ("BIN_FLAT", "HAMMING", {}, 1, "MinHash function output field sig takes index type MINHASH_LSH with metric type "
                                   "MHJACCARD, got BIN_FLAT / HAMMING"),
    ("MINHASH_LSH", "HAMMING", {}, 1, "MinHash function output field sig takes index type MINHASH_LSH with metric "
                                      "type MHJACCARD, got MINHASH_LSH / HAMMING"),
    ("MINHASH_LSH", "MHJACCARD", {"mh_element_bit_width": 4}, 1100,
     "Out of range in json: param 'mh_element_bit_width' (4) should be in range [8, 256]: invalid parameter"),
    ("MINHASH_LSH", "MHJACCARD", {"mh_element_bit_width": 12}, 1100,
     "mh_element_bit_width 12 is not a multiple of 8 (a MinHash element is whole bytes): invalid "
     "parameter"),
])
def test_index_refusals(fresh_client, index_type, metric, params, code, message):
    cli = fresh_client
    cli.create_collection("texts", schema=schema_for(cli))
    index = cli.prepare_index_params()
    index.add_index("sig", index_type=index_type, metric_type=metric, params=params)
    with pytest.raises(MilvusException) as err:
        cli.create_index("texts", index)
    assert (err.value.code, err.value.message) == (code, message)


def test_describe(texts):
    function = texts.describe_collection("texts")["functions"][0]
    assert (function["type"], function["input_field_names"], function["output_field_names"]) == (
        FunctionType.MINHASH, ["text"], ["sig"])
    index = texts.describe_index("texts", "sig")
    assert (index["index_type"], index["metric_type"], index["mh_lsh_band"]) == ("MINHASH_LSH", "MHJACCARD", "8")


def test_a_function_alone_is_not_added_to_an_existing_collection(texts):
    function = Function(name="mh2", function_type=FunctionType.MINHASH, input_field_names=["text"],
                        output_field_names=["sig"])
    with pytest.raises(MilvusException) as err:
        texts.add_collection_function("texts", function)
    assert (err.value.code, err.value.message) == (
        3000, "function mh2 (MINHASH): pgmilvus cannot add a MinHash function alone; add_function_field adds one "
              "with its output field")
    assert texts.describe_collection("texts")["functions"][0]["name"] == "mh"
