"""The worker: runs untrusted student code in its own process.

Started by :mod:`grader.sandbox.runner` as ``python -I worker.py IN_FD OUT_FD DIR``.
It imports the submission's modules from ``DIR`` and answers requests read from
``IN_FD`` with plain-data replies on ``OUT_FD`` (see :mod:`wire`). It never sees
the reference, the checks or any score: it only calls what it is asked to call and
reports what came back, or what went wrong.

Standalone on purpose: standard library, numpy, and the two sibling modules
``wire`` and ``drivers`` loaded by path.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys
import traceback

FORBIDDEN = {
    "tensorflow": "TensorFlow", "tf_keras": "Keras", "keras": "Keras", "torch": "PyTorch",
    "jax": "JAX", "jaxlib": "JAX", "flax": "JAX", "tensorboard": "TensorFlow",
}
PRIVATE = {"solutions", "grader", "tests", "conftest"}
_attempts: list[str] = []


class _Blocker(importlib.abc.MetaPathFinder):
    """Refuses deep-learning frameworks and the grader's own code."""

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if top in FORBIDDEN:
            _attempts.append(top)
            raise ImportError(
                f"importing {top} is not allowed in this assignment: implement it with numpy "
                f"only ({FORBIDDEN[top]} is what the grader compares you against)")
        if top in PRIVATE:
            raise ImportError(f"module {top!r} is not available to submissions")
        return None


def _load_helpers():
    here = os.path.dirname(os.path.abspath(__file__))
    mods = {}
    for name in ("wire", "drivers"):
        spec = importlib.util.spec_from_file_location(f"_grader_{name}", os.path.join(here, name + ".py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        mods[name] = mod
    return mods["wire"], mods["drivers"]


def _student_trace(exc: BaseException, root: str) -> str:
    """The traceback restricted to frames in the submission's own files."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if f.filename.startswith("<cell") or os.path.abspath(f.filename).startswith(root)]
    lines = [f'  File "{f.filename if f.filename.startswith("<") else os.path.basename(f.filename)}", line {f.lineno}, in {f.name}\n'
             + (f"    {f.line}\n" if f.line else "") for f in frames[-4:]]
    return "".join(lines)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"called sys.exit({exc.code!r})"
    if isinstance(exc, KeyboardInterrupt):
        return "raised KeyboardInterrupt"
    text = str(exc)
    if len(text) > 500:
        text = text[:500] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Worker:
    def __init__(self, root: str, wire, drivers):
        self.root = os.path.abspath(root)
        self.wire = wire
        self.drivers = drivers
        self.modules: dict = {}

    def _failure(self, exc: BaseException) -> dict:
        kind = "forbidden" if _attempts else "exception"
        reply = {"ok": False, "kind": kind, "error": _describe(exc),
                 "trace": _student_trace(exc, self.root)}
        if _attempts:
            reply["forbidden"] = sorted(set(_attempts))
        return reply

    def op_hello(self, req):
        import numpy
        return {"ok": True, "numpy": numpy.__version__, "pid": os.getpid()}

    def op_load(self, req):
        out = {}
        for name in req["modules"]:
            path = os.path.join(self.root, name + ".py")
            if not os.path.isfile(path):
                out[name] = {"status": "missing"}
                continue
            del _attempts[:]
            try:
                module = importlib.import_module(name)
            except BaseException as exc:  # noqa: BLE001 - everything is reported
                out[name] = {"status": "forbidden" if _attempts else "error",
                             "error": _describe(exc), "trace": _student_trace(exc, self.root),
                             "forbidden": sorted(set(_attempts))}
                continue
            self.modules[name] = module
            names = {}
            for attr, value in vars(module).items():
                if attr.startswith("_"):
                    continue
                names[attr] = "class" if isinstance(value, type) else (
                    "callable" if callable(value) else "other")
            out[name] = {"status": "ok", "names": names}
        return {"ok": True, "modules": out}

    def _target(self, req):
        module = self.modules.get(req["module"])
        if module is None:
            raise LookupError(f"module {req['module']} is not loaded")
        return getattr(module, req["name"])

    def op_call(self, req):
        import numpy as np
        fn = self._target(req)
        args = self.wire.decode(req.get("args", []))
        kwargs = self.wire.decode(req.get("kwargs", {}))
        for key, seed in (req.get("rngs") or {}).items():
            gen = np.random.default_rng(int(seed))
            if isinstance(key, str) and key.isdigit():
                args[int(key)] = gen
            else:
                kwargs[key] = gen
        del _attempts[:]
        try:
            value = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001
            return self._failure(exc)
        return self._reply_value(value)

    def op_callback(self, req):
        cls = self._target(req)
        init = self.wire.decode(req.get("init", {}))
        runs = self.wire.decode(req["runs"])
        initial = self.wire.decode(req["initial_weights"])
        del _attempts[:]
        try:
            value = self.drivers.run_callback_script(lambda: cls(**init), runs, initial)
        except BaseException as exc:  # noqa: BLE001
            return self._failure(exc)
        return self._reply_value(value)

    def _reply_value(self, value):
        try:
            return {"ok": True, "value": self.wire.encode(value)}
        except self.wire.WireError as exc:
            return {"ok": False, "kind": "unsupported", "error": f"returned {exc}"}
        except BaseException as exc:  # noqa: BLE001 - e.g. a lying __array__
            return {"ok": False, "kind": "unsupported",
                    "error": f"returned a value that could not be read ({_describe(exc)})"}


def main(argv) -> int:
    in_fd, out_fd, root = int(argv[1]), int(argv[2]), argv[3]
    wire, drivers = _load_helpers()
    # Only the submission (and the standard library/site-packages) is importable.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [os.path.abspath(root)] + [p for p in sys.path if p and os.path.abspath(p) != here
                                             and not os.path.abspath(p).startswith(here)]
    sys.meta_path.insert(0, _Blocker())
    sys.dont_write_bytecode = True
    import numpy  # noqa: F401  (warm up before the student's code runs)
    worker = Worker(root, wire, drivers)
    while True:
        try:
            req = wire.recv(in_fd)
        except EOFError:
            return 0
        op = req.get("op")
        handler = getattr(worker, f"op_{op}", None)
        try:
            reply = handler(req) if handler else {"ok": False, "kind": "protocol",
                                                  "error": f"unknown op {op!r}"}
        except BaseException as exc:  # noqa: BLE001 - a broken request or a vanished name
            reply = {"ok": False, "kind": "exception", "error": _describe(exc),
                     "trace": _student_trace(exc, os.path.abspath(root))}
        sys.stdout.flush()
        sys.stderr.flush()
        wire.send(out_fd, reply)
        if op == "bye":
            return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
