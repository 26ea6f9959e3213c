"""Schema mapping: a described collection recreated on the target, and what pgvector cannot carry."""

from __future__ import annotations

import sys
from typing import Any, Dict, List, Optional

from pymilvus import DataType, FunctionType

_HALFVEC_LIMIT = 4000
_VECTOR_INDEX_LIMIT = 2000


_FLAGS = ("is_primary", "auto_id", "nullable", "default_value", "is_partition_key", "element_type",
          "description", "is_clustering_key")


#: Milvus's largest VARCHAR: the length given to VARCHAR elements whose source does not describe theirs.
_MAX_VARCHAR = 65535


def schema_of(desc: Dict[str, Any], client: Any, notes: Optional[List[str]] = None) -> Any:
    """The source's described schema rebuilt with the target client's own create_schema/add_field;
    what had to be assumed is added to ``notes``."""
    schema = client.create_schema(auto_id=bool(desc.get("auto_id")),
                                  enable_dynamic_field=bool(desc.get("enable_dynamic_field")),
                                  description=desc.get("description", ""))
    for f in desc["fields"]:
        if f.get("element_type") == DataType.STRUCT and "struct_fields" in f:
            _add_struct(schema, f, client)
            continue
        kwargs = {k: f[k] for k in _FLAGS if f.get(k) not in (None, "")}
        if "default_value" in kwargs:
            kwargs["default_value"] = _plain_default(kwargs["default_value"])
        kwargs.update(f.get("params") or {})
        if f.get("element_type") == DataType.VARCHAR and "max_length" not in kwargs:
            # Milvus Lite describes an ARRAY of VARCHAR without its elements' max_length
            kwargs["max_length"] = _MAX_VARCHAR
            if notes is not None:
                notes.append(f"{desc.get('collection_name', '?')}.{f['name']}: the source does not describe its "
                             f"VARCHAR elements' max_length; {_MAX_VARCHAR} used")
        schema.add_field(f["name"], f["type"], **kwargs)
    for fn in _carried_functions(desc):  # the target computes the output field from the copied text
        module = sys.modules[type(client).__module__.split(".")[0]]  # pgmilvus's or pymilvus's Function
        schema.add_function(module.Function(fn["name"], module.FunctionType(int(fn["type"])),
                                            list(fn["input_field_names"]), list(fn["output_field_names"]),
                                            fn.get("description", ""), params=dict(fn.get("params") or {}) or None))
    return schema


def _add_struct(schema: Any, f: Dict[str, Any], client: Any) -> None:
    """A described ARRAY<STRUCT> field (pymilvus's user format: its sub-fields under
    ``struct_fields``) rebuilt with the target client's create_struct_field_schema."""
    struct = client.create_struct_field_schema()
    for sub in f["struct_fields"]:
        struct.add_field(sub["name"], sub["type"], description=sub.get("description", ""), **(sub.get("params") or {}))
    params = dict(f.get("params") or {})
    schema.add_field(f["name"], DataType.ARRAY, element_type=DataType.STRUCT, struct_schema=struct,
                     max_capacity=params.pop("max_capacity", None), nullable=bool(f.get("nullable")),
                     description=f.get("description", ""), **params)


#: Functions both sides run on insert: BM25's term frequencies, MinHash's signatures.
_CARRIED = (int(FunctionType.BM25), 4)  # 4: FunctionType.MINHASH (pymilvus 2.6.2+)


def _carried_functions(desc: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [fn for fn in desc.get("functions", []) or [] if int(fn.get("type", 0)) in _CARRIED]


def computed_fields(desc: Dict[str, Any]) -> frozenset:
    """The fields the target computes itself: the carried functions' outputs (not copied; a
    MinHash signature is readable on the source, and the target refuses it on insert)."""
    return frozenset(name for fn in _carried_functions(desc) for name in fn.get("output_field_names", []))


def _plain_default(value: Any) -> Any:
    """A default value as Python: pymilvus describes it as a protobuf ValueField (``double_data: 1.5``)."""
    which = getattr(value, "WhichOneof", None)
    if which is None:
        return value
    kind = which("data")
    return getattr(value, kind) if kind else None


def lossy_notes(desc: Dict[str, Any], target_kind: str) -> List[str]:
    """Mappings that lose something when writing to ``target_kind`` (listed in the report)."""
    notes: List[str] = []
    if target_kind != "pgmilvus":
        return notes
    name = desc.get("collection_name", "?")
    for f in desc.get("fields", []):
        t, dim = f.get("type"), int((f.get("params") or {}).get("dim", 0) or 0)
        if t == DataType.BFLOAT16_VECTOR:
            notes.append(f"{name}.{f['name']}: BFLOAT16_VECTOR stored as halfvec (FP16 rounding)")
        if t == DataType.INT8_VECTOR:
            notes.append(f"{name}.{f['name']}: INT8_VECTOR not stored by pgvector natively")
        if t == DataType.FLOAT_VECTOR and dim > _VECTOR_INDEX_LIMIT:
            notes.append(f"{name}.{f['name']}: {dim}-dim vector above pgvector's {_VECTOR_INDEX_LIMIT}-dim "
                         "index limit: left unindexed")
    for fn in desc.get("functions", []) or []:
        if fn in _carried_functions(desc):
            continue
        notes.append(f"{name}: function {fn.get('name')} ({fn.get('type')}) not carried")
    return notes
