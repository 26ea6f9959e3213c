"""Protobuf <-> the Python values pgmilvus's MilvusClient takes and returns (no rules of its own)."""
