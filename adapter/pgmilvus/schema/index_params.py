"""IndexParams / IndexParam with pymilvus's constructor and methods."""

from __future__ import annotations

from typing import Any, Optional

from ..errors import ParamError


class IndexParam:
    """One index request; ``params={...}`` is flattened into the configs as in pymilvus."""

    def __init__(self, field_name: str, index_type: str = "", index_name: str = "", **kwargs: Any) -> None:
        if not isinstance(field_name, str):  # an empty name is the server's to refuse (or to fill in:
            # add_function_field binds its one index to the new field), as pymilvus leaves it
            raise ParamError(message=f"field_name of an index must be a str, got {field_name!r}")
        if not isinstance(index_type, str):
            raise ParamError(message=f"index_type must be a str, got {index_type!r}")
        if not isinstance(index_name, str):
            raise ParamError(message=f"index_name must be a str, got {index_name!r}")
        self._field_name = field_name
        self._index_type = index_type
        self._index_name = index_name
        #: the ``params`` JSON object of a wire request, as sent (rpc_admin.index_arguments): Milvus
        #: describes an index by the request's own key-value pairs, so such an index is described nested
        self.sent_params: Optional[dict[str, Any]] = kwargs.pop("_sent_params", None)
        params = kwargs.pop("params", None) or {}
        if not isinstance(params, dict):
            raise ParamError(message=f"params must be a dict or None, got {type(params).__name__}: "
                                     f"{params!r}")
        self._configs: dict[str, Any] = {}
        self._configs.update(params)
        self._configs.update(kwargs)

    @property
    def field_name(self) -> str:
        return self._field_name

    @property
    def index_name(self) -> str:
        return self._index_name

    @property
    def index_type(self) -> str:
        return self._index_type

    @property
    def metric_type(self) -> Any:
        return self._configs.get("metric_type")

    @property
    def params(self) -> dict[str, Any]:
        """Build parameters only (metric_type and index_type excluded)."""
        return {k: v for k, v in self._configs.items() if k not in ("metric_type", "index_type")}

    def get_index_configs(self) -> dict[str, Any]:
        configs = dict(self._configs)
        if self.index_type:
            configs["index_type"] = self.index_type
        return configs

    def to_dict(self) -> dict[str, Any]:
        return {"field_name": self.field_name, "index_type": self.index_type,
                "index_name": self.index_name, **self._configs}

    def __str__(self) -> str:
        return str(self.to_dict())

    __repr__ = __str__

    def __iter__(self):  # dict(param) works as in pymilvus
        return iter(self.to_dict().items())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, IndexParam):
            return self.to_dict() == other.to_dict()
        if isinstance(other, dict):
            return self.to_dict() == other
        return False


class IndexParams(list):
    """The list of indexes of a collection, filled with add_index()."""

    def add_index(self, field_name: str, index_type: str = "", index_name: str = "", **kwargs: Any) -> None:
        self.append(IndexParam(field_name, index_type, index_name, **kwargs))
