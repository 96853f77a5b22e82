"""Column types shared by the models."""

from __future__ import annotations

import enum

import sqlalchemy as sa


def enum_column(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A portable enum type: VARCHAR plus a named CHECK constraint."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls) + 4,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def in_list(values) -> str:
    """SQL list literal of enum values, for CHECK constraints."""
    return ", ".join(f"'{v.value}'" for v in sorted(values, key=lambda v: v.value))
