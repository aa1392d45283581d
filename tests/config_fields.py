"""Every key of the config, found from the pydantic models, and a TOML writer for tests.

Tests that must cover every config value walk ``Settings`` instead of listing keys: a
field added to any section is then covered without anyone remembering to.
"""

from __future__ import annotations

import json
import math
import tomllib
import types
import typing
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from conftest import BASE_CONFIG
from pydantic import BaseModel

from mailbot.config.settings import Client, PaymentSource, Settings

# e.g. ("business", "name"), ("clients", "acme", "note"); ("payments", "sources", "0", "kind")
# is a key of the first table of an array of tables.
Key = tuple[str, ...]

# A valid table of each array of tables, so that a test changes one key of it and only that.
ENTRIES: dict[type[BaseModel], dict[str, Any]] = {
    PaymentSource: {"name": "PayPal", "senders": ["service@paypal.com", "@paypal.de"], "kind": "paypal"},
}


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The section model a field holds (``Brand``, or ``Imap | None``), else None."""
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def config_keys(model: type[BaseModel] = Settings, at: Key = ()) -> Iterator[Key]:
    """Every leaf key under ``model``; ``clients`` stands for one client, ``acme``; an array
    of tables (``[[payments.sources]]``) is a key itself and the keys of its first table."""
    for field, info in model.model_fields.items():
        name = info.alias or field  # as the file spells it: [business.sr-Cyrl]
        if model is Settings and name == "config_path":
            continue  # set by load_settings, not a key of the file
        if model is Settings and name == "clients":
            yield from config_keys(Client, (*at, "clients", "acme"))
            continue
        inner = _model_of(info.annotation)
        origin = typing.get_origin(info.annotation)
        if inner is not None and origin is list:  # an array of tables: itself, the keys of its first
            yield (*at, name)
            yield from config_keys(inner, (*at, name, "0"))
        elif inner is not None and origin not in (tuple, types.UnionType):
            yield from config_keys(inner, (*at, name))
        else:
            yield (*at, name)


def base_config() -> dict[str, Any]:
    return tomllib.loads(BASE_CONFIG)


def with_value(key: Key, value: Any, config: dict[str, Any] | None = None) -> str:
    """The base config (or ``config``) with ``key`` set to ``value``, as TOML text."""
    config = config if config is not None else base_config()
    table: Any = config
    for at, part in enumerate(key[:-1]):
        if part.isdigit():  # the n-th table of an array of tables: valid ones up to it
            model = _array_model(key[:at])
            while len(table) <= int(part):
                table.append(dict(ENTRIES[model]))
            table = table[int(part)]
        elif key[at + 1].isdigit():
            table = table.setdefault(part, [])
        else:
            table = table.setdefault(part, {})
    table[key[-1]] = value
    return dump_toml(config)


def _array_model(key: Key) -> type[BaseModel]:
    """The model of the array of tables at ``key`` (``("payments", "sources")``)."""
    model: type[BaseModel] = Settings
    for part in key:
        found = _model_of(model.model_fields[part].annotation)
        assert found is not None, key
        model = found
    return model


def dump_toml(config: dict[str, Any]) -> str:
    """TOML for plain values (strings, numbers, dates, lists, tables): enough for tests."""
    lines: list[str] = []
    _table(config, (), lines)
    return "\n".join(lines) + "\n"


def _tables(value: Any) -> bool:
    """An array of tables: written as ``[[name]]`` tables, one key a line."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _table(table: dict[str, Any], at: Key, lines: list[str], array: bool = False) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict) and not _tables(v)}
    name = ".".join(json.dumps(p) for p in at)
    if array:
        lines.append(f"[[{name}]]")
    elif at and (scalars or not table):
        lines.append(f"[{name}]")
    lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in scalars.items()]
    for k, v in table.items():
        if isinstance(v, dict):
            _table(v, (*at, k), lines)
        elif _tables(v):
            for entry in v:
                _table(entry, (*at, k), lines, array=True)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value))  # JSON's escapes (\uXXXX) are TOML's
