"""pymilvus's ``pymilvus.function_chain``: build search-time function chains
(``search(function_chains=...)``, docs/search.md)."""

from . import fn
from .chain import ColumnRef, FunctionChain, FunctionChainExpr, FunctionChainOp, FunctionChainStage, col

__all__ = ["ColumnRef", "FunctionChain", "FunctionChainExpr", "FunctionChainOp", "FunctionChainStage", "col", "fn"]
