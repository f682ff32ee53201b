"""Demo data of supervision (seed_demo runs each app's demo.seed, lowest layer first: supervision runs after
sites and archives, before evaluations). Each feature seeds its own part."""

from importlib import import_module

PARTS = ["supervision.demo_assignments", "supervision.demo_visits", "supervision.demo_community"]


def seed(options, stdout):
    for dotted in PARTS:
        try:
            module = import_module(dotted)
        except ModuleNotFoundError as error:
            if error.name != dotted:
                raise
            continue
        module.seed(options, stdout)
