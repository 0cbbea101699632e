# ruff: noqa  (a deliberately hostile test submission)
"""Tries name lookups, a way out that needs no socket of Python's own (the resolver
sends the name to a DNS server)."""
import socket

import numpy as np

LOOKUPS = [("getaddrinfo", ("localhost", 80)), ("gethostbyname", ("localhost",)),
           ("gethostbyname_ex", ("localhost",)), ("gethostbyaddr", ("127.0.0.1",)),
           ("getnameinfo", (("127.0.0.1", 80), 0)), ("getservbyname", ("http",))]


def sgd_momentum_step(param, grad, velocity, learning_rate=0.01, momentum=0.0):
    done = []
    for name, args in LOOKUPS:
        try:
            getattr(socket, name)(*args)
            done.append(name)
        except Exception:  # noqa: BLE001
            pass
    if done:
        raise RuntimeError("RESOLVED " + ", ".join(done))
    raise RuntimeError("NO-LOOKUP")
