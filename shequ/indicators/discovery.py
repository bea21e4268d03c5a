"""Find the indicator providers: the ``shequ.<app>.indicators`` module of every installed shequ app
(the protocol: docs/indicators.md). A module that is not there is simply absent; a module that
fails to import is an error (a broken provider should be seen, not silently dropped). The registry's
provider is built in (``BUILTIN``: it reads this app's tally), used when the app has no module.

The result is cached per process; ``reset()`` forgets it (tests that install a fake provider).
"""
from __future__ import annotations

import importlib
import importlib.util
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from types import ModuleType

from django.apps import apps

from . import catalog

log = logging.getLogger(__name__)

SECTIONS = {key for key, _label in catalog.SECTIONS}


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    unit: str
    better: str
    section: str
    app: str

    @property
    def percent(self) -> bool:
        return str(self.unit) == "%"


@dataclass
class Provider:
    app: str                 # the app's dotted name, "shequ.appeals"
    module: ModuleType
    indicators: list[Indicator] = field(default_factory=list)

    @property
    def has_problems(self) -> bool:
        return callable(getattr(self.module, "problems", None))


def app_names() -> list[str]:
    """The installed shequ apps, in INSTALLED_APPS order (a seam for tests)."""
    return [config.name for config in apps.get_app_configs() if config.name.startswith("shequ.")]


#: Providers built into this app, for apps that have no indicators module of their own:
#: dotted module -> the app whose figures it gives (the module's ``APP``).
BUILTIN = ("shequ.indicators.providers.registry",)


def _builtin(app: str) -> str | None:
    for name in BUILTIN:
        if name.rsplit(".", 1)[-1] == app.rsplit(".", 1)[-1]:
            return name
    return None


def _load(app: str) -> Provider | None:
    name = f"{app}.indicators"
    if _builtin(app) and importlib.util.find_spec(name) is None:
        name = _builtin(app)
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name in (name, app):
            return None
        raise
    indicators = []
    for spec in getattr(module, "INDICATORS", []):
        section = spec.get("section", "other")
        if section not in SECTIONS:
            log.warning("indicator %s of %s: unknown section %r, shown under 'other'", spec.get("key"), app, section)
            section = "other"
        indicators.append(Indicator(key=spec["key"], label=spec.get("label", spec["key"]), unit=spec.get("unit", ""),
                                    better=spec.get("better", "higher"), section=section, app=app))
    return Provider(app=app, module=module, indicators=indicators)


@lru_cache(maxsize=1)
def _providers(names: tuple[str, ...]) -> tuple[Provider, ...]:
    return tuple(p for p in (_load(app) for app in names) if p is not None)


def providers() -> tuple[Provider, ...]:
    return _providers(tuple(app_names()))


def indicators() -> dict[str, Indicator]:
    """Every indicator of every provider, by key (the first provider wins a duplicate key)."""
    out: dict[str, Indicator] = {}
    for provider in providers():
        for indicator in provider.indicators:
            out.setdefault(indicator.key, indicator)
    return out


def installed_apps() -> set[str]:
    return {provider.app for provider in providers()}


def reset() -> None:
    _providers.cache_clear()
