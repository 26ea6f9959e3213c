"""Function chains: Milvus master's search-time expression pipelines (``search(function_chains=...)``).

spec.py: the one representation of a chain (from pymilvus's / pgmilvus's FunctionChain objects, or
from the wire's protobuf); plan.py: what Milvus's proxy and query node check before running it;
functions.py / operators.py: the expressions and operators; run.py: a chain over a search's hits;
failures.py and params.py: Milvus's error texts and parameter reading.
"""
