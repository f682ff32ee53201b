"""What a server process does once, after Django is set up and before its first request (config.wsgi, config.asgi;
the benchmark does the same before it measures): import every view, then take everything loaded so far out of the
cyclic garbage collector's walks (gc.freeze).

Why: a full collection walks every object the process tracks — about 180,000 once the project is loaded, 50–90 ms
on a small server — and a page that builds a few thousand rows triggers one every few requests. That put the
supervision board's districts tab at p95 130–190 ms for a p50 of 48 ms at a country's 2,800 districts (issue 12);
with the start-up objects frozen its p95 is 51 ms. Modules, classes, URL patterns and settings live as long as
the process, so the collector would never free them anyway; frozen, they are simply not walked again. Objects made
while serving requests are collected as before. (The Python documentation recommends gc.freeze() for the same
reason in servers that fork workers.)"""

import gc


def settle() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the URLconf, and with it every view module)
    gc.collect()  # what start-up left as garbage is freed, not frozen
    gc.freeze()
