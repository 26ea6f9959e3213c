"""Vector search: one request (ann.py) planned by strategy.py on the target field
(target.py) and spelt in SQL by sql.py, its parameters (params.py) and results (results.py);
several requests fused (hybrid.py, rerank.py, function_rank.py, ranked.py); pages (iterator.py).
"""
