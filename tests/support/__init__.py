"""Shared test helpers: factories for request bodies, fakes (a recording upstream, a Ray
dashboard), the real kubectl and ``kuberay-bridge serve`` as processes, and assertions.

Plain importable code, no fixtures: the conftest.py files turn these into fixtures, and test
modules import what they need from here (never from another test module or a conftest)."""
