"""What needs a user's attention on their home page.

Each feature adds its own provider with ``@provider``; the home page shows the
items of every provider, so features do not reach into the home view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from referral_app.models import User


@dataclass(frozen=True)
class AttentionItem:
    label: str
    count: int
    url: str
    level: str = "primary"  # a Bootstrap contextual colour


_providers: list[Callable[[User], list[AttentionItem]]] = []


def provider(func: Callable[[User], list[AttentionItem]]) -> Callable[[User], list[AttentionItem]]:
    _providers.append(func)
    return func


def items_for(user: User) -> list[AttentionItem]:
    items: list[AttentionItem] = []
    for func in _providers:
        items.extend(item for item in func(user) if item.count)
    return items
