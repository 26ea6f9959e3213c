"""Typed reading of chain parameters, as Milvus's ``types.ParamReader`` reads FunctionParamValues.

A parameter is a Python value of the protobuf kind it was sent as: bool, int (int64_value), float
(double_value), str, bytes, list (array_value), dict (object_value); None is a value left unset.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from .failures import invalid

_ABSENT = object()


class Reader:
    """The parameters of one function or operator; ``scope`` names it in the messages."""

    def __init__(self, scope: str, params: Mapping[str, Any]) -> None:
        self.scope = scope
        self.params = params

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.params:
            if required:
                raise invalid(f'{self.scope}: missing required parameter "{key}"')
            return _ABSENT
        value = self.params[key]
        if value is None:
            raise invalid(f'{self.scope}: parameter "{key}" is unset')
        return value

    def string(self, key: str, required: bool) -> str:
        value = self._get(key, required)
        if value is _ABSENT:
            return ""
        if not isinstance(value, str):
            raise invalid(f'{self.scope}: parameter "{key}" must be a string')
        return value

    def int64(self, key: str, required: bool, default: int = 0) -> int:
        value = self._get(key, required)
        if value is _ABSENT:
            return default
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float):
            if not value.is_integer():
                raise invalid(f'{self.scope}: parameter "{key}" must be an integer, got {value:f}')
            return int(value)
        raise invalid(f'{self.scope}: parameter "{key}" must be an integer')

    def float64(self, key: str, required: bool, default: float = 0.0) -> float:
        value = self._get(key, required)
        if value is _ABSENT:
            return default
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise invalid(f'{self.scope}: parameter "{key}" must be a number')

    def boolean(self, key: str, required: bool, default: bool = False) -> bool:
        value = self._get(key, required)
        if value is _ABSENT:
            return default
        if not isinstance(value, bool):
            raise invalid(f'{self.scope}: parameter "{key}" must be a bool')
        return value

    def strings(self, key: str, required: bool) -> list[str]:
        value = self._get(key, required)
        if value is _ABSENT:
            return []
        if not isinstance(value, list):
            raise invalid(f'{self.scope}: parameter "{key}" must be a string array')
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise invalid(f'{self.scope}: parameter "{key}"[{i}] must be a string')
        return list(value)

    def floats(self, key: str, required: bool) -> Optional[list[float]]:
        value = self._get(key, required)
        if value is _ABSENT:
            return None
        if not isinstance(value, list):
            raise invalid(f'{self.scope}: parameter "{key}" must be a number array')
        out = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, (int, float)):
                raise invalid(f'{self.scope}: parameter "{key}"[{i}] must be a number')
            out.append(float(item))
        return out
