"""The base of every config section: unknown keys are errors, values never change, and no
value carries a control character.

A vertical tab, form feed or NUL in a name reached the From header mangled (or held
every mail) while ``check`` passed: every string a section reads, in any field added
later too, is checked here once, so the owner hears of it as ``FILE:LINE``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from mailbot.config.values import check_text


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    MULTILINE: ClassVar[frozenset[str]] = frozenset()
    """Fields that may hold line breaks (an address, a note); every other field is one line."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        for text in value if isinstance(value, list | tuple) else [value]:
            if isinstance(text, str):
                check_text(text, multiline=info.field_name in cls.MULTILINE)
        return value
