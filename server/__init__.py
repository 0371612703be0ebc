"""Chartside sync server: a ciphertext-only, append-only change log for a practice's devices.

Layout: ``protocol`` (wire models, standalone: the client may copy it), ``tables`` and
``migrations`` (schema), ``db`` (engines, transactions with retry), ``accounts``/``keys``/
``sync`` (the rules), ``app`` (HTTP routes), ``limits`` (size and rate), ``cli``
(``chartside-server``), ``pgtemp`` (throwaway PostgreSQL for tests and benchmarks).
The server never imports ``core``; docs/server.md describes the protocol and deployment.
"""
