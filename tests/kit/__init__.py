"""The test kit: what more than one test module needs, in one place, so test modules never import each other.

- fakes: in-process fakes on 127.0.0.1 (the Federal Register API, an alert receiver) and document builders
- clock: a fake clock (its waits pass at once), US Eastern times for simulated steps
- service: one `run --once` of the service in this process; one fr-monitor command in its own process
- smtp: an SMTP sink for e-mail targets
- console_store: a realistic store for the console
- fixtures: the pytest fixtures over these (tests/conftest.py installs them)

A fixture that starts a server or a process is declared with `serving` (kit/fixtures.py): a test that uses
one is not in the fast `unit` subset, and a `unit` test that opens a listening socket or starts a process fails.
"""
