"""The entry package: the app factory, the `relay` CLI, embedded services and the demo.

It assembles the core (`server/`) and the adapters (`schema/`, `web/`, `workers/`); it holds
no rule of its own.
"""
