"""Find per-app hook modules (defaults.py, demo.py) in INSTALLED_APPS order, lowest layer first.

This lets `load_defaults` and `seed_demo` live in core while each app owns its own data.
"""

from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

from django.apps import apps


def app_modules(name: str) -> list[ModuleType]:
    modules = []
    for config in apps.get_app_configs():
        dotted = f"{config.name}.{name}"
        if find_spec(dotted) is not None:
            modules.append(import_module(dotted))
    return modules
