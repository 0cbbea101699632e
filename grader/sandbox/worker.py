"""The worker: runs untrusted student code in its own process.

Started by :mod:`grader.sandbox.runner` as ``python -I -S worker.py CONFIG_JSON``
(directly, or inside bubblewrap). It imports the submission's modules and answers
requests read from its stdin with plain-data replies on its stdout (see
:mod:`wire`); whatever the student's code prints goes to stderr, capped. It never
sees the reference, the checks or any score: it only calls what it is asked to call
and reports what came back, or what went wrong.

Before any student code runs it sets its own resource limits, drops root
privileges when bubblewrap started it as root, becomes a child subreaper (so the
processes it leaves behind stay in its tree), and installs its policy: an import
blocker and an audit hook (which cannot be removed) refusing the forbidden
packages, the grader's own code, files outside the submission and the Python
installation, writes outside its working folder, other programs, the network and
signals to foreign processes. Under the fallback runner that policy is the only
file-system protection where the kernel has no Landlock; under bubblewrap it is a
second layer.

Standalone on purpose: standard library and numpy only. It cannot import the grader
package; its own modules are files beside this one, loaded by path (:func:`load`;
``grader.sandbox.launch.CODE_FILES`` lists them, and bubblewrap binds exactly those):

* ``worker_policy``: the import blocker and the audit hook;
* ``worker_confinement``: limits, privileges, Landlock, seccomp;
* ``worker_output``: the capped stdout and stderr;
* ``worker_fork_server``: the fork server of a shared box;
* ``wire``: the plain-data encoding (shared with the grader);
* the assignment's ``drivers``, sent as source in the configuration.

This file holds the request loop (:func:`serve`) and the operations (:class:`Worker`).
Everything it needs is loaded before it drops privileges and before any student code
runs: after that it reads no file of the grader's (which its new user may not be
able to read).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name: str):
    """The worker's module ``name``: the file ``name.py`` beside this one, loaded by path
    once per process as ``_grader_<name>`` (in ``sys.modules``, where the decoy package
    that stands for a forbidden one finds the policy: ``isolation.DECOY``)."""
    key = f"_grader_{name}"
    module = sys.modules.get(key)
    if module is None:
        spec = importlib.util.spec_from_file_location(key, os.path.join(HERE, f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return module


# Standard library only: loaded at once. ``wire`` imports numpy: :func:`serve` loads it
# once numpy is on the path (the fork server, before its first fork).
policy = load("worker_policy")
confinement = load("worker_confinement")
output = load("worker_output")
fork_server = load("worker_fork_server")


def load_drivers(cfg: dict):
    """The assignment's drivers (``cfg["drivers"]``: the source of a standalone module,
    numpy and the standard library only), compiled before any student code runs; None
    when the assignment has none."""
    source = cfg.get("drivers")
    if not source:
        return None
    import types

    module = types.ModuleType("_grader_drivers")
    module.__file__ = "<assignment drivers>"
    sys.modules["_grader_drivers"] = module  # (dataclasses and pickling look it up)
    exec(compile(source, "<assignment drivers>", "exec"), module.__dict__)  # noqa: S102
    return module


def student_trace(exc: BaseException, root: str) -> str:
    """The traceback restricted to frames in the submission's own files."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if f.filename.startswith("<cell") or os.path.abspath(f.filename).startswith(root)]
    lines = [f'  File "{f.filename if f.filename.startswith("<") else os.path.basename(f.filename)}", line {f.lineno}, in {f.name}\n'
             + (f"    {f.line}\n" if f.line else "") for f in frames[-4:]]
    return "".join(lines)


def describe(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"called sys.exit({exc.code!r})"
    if isinstance(exc, KeyboardInterrupt):
        return "raised KeyboardInterrupt"
    try:
        text = str(exc)
    except BaseException:  # noqa: BLE001 - a hostile __str__
        text = "(an exception whose message could not be shown)"
    if len(text) > 500:
        text = text[:500] + "..."
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


class Worker:
    def __init__(self, root: str, wire, drivers, info: dict):
        self.root = os.path.abspath(root)
        self.wire = wire
        self.drivers = drivers
        self.info = info
        self.modules: dict = {}

    def _failure(self, exc: BaseException) -> dict:
        kind = "forbidden" if policy.attempts else "exception"
        reply = {"ok": False, "kind": kind, "error": describe(exc),
                 "trace": student_trace(exc, self.root)}
        if policy.attempts:
            reply["forbidden"] = sorted(set(policy.attempts))
        return reply

    def op_hello(self, req):
        import numpy
        return {"ok": True, "numpy": numpy.__version__, "pid": os.getpid(), **self.info}

    def op_load(self, req):
        out = {}
        for name in req["modules"]:
            path = os.path.join(self.root, name + ".py")
            if not os.path.isfile(path):
                out[name] = {"status": "missing"}
                continue
            policy.attempts.clear()
            try:
                module = importlib.import_module(name)
            except BaseException as exc:  # noqa: BLE001 - everything is reported
                out[name] = {"status": "forbidden" if policy.attempts else "error",
                             "error": describe(exc), "trace": student_trace(exc, self.root),
                             "forbidden": sorted(set(policy.attempts))}
                continue
            self.modules[name] = module
            names = {}
            for attr, value in list(vars(module).items()):
                if not isinstance(attr, str) or attr.startswith("_"):
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
        policy.attempts.clear()
        try:
            value = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001
            return self._failure(exc)
        return self._reply_value(value)

    def op_drive(self, req):
        """Run one of the assignment's drivers (``DRIVERS[req["driver"]]``) on the
        student's function or class: ``driver(target, payload, wire)``."""
        table = getattr(self.drivers, "DRIVERS", None) or {}
        driver = table.get(req.get("driver"))
        if driver is None:
            return {"ok": False, "kind": "protocol",
                    "error": f"the assignment has no driver {req.get('driver')!r}"}
        target = self._target(req)
        payload = self.wire.decode(req.get("payload"))
        policy.attempts.clear()
        try:
            value = driver(target, payload, self.wire)
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
                    "error": f"returned a value that could not be read ({describe(exc)})"}


def main(argv) -> int:
    cfg = json.loads(argv[1])
    if cfg.get("shared_box"):
        return fork_server.run(cfg, serve, describe, preload=lambda: load("wire"))
    return serve(cfg)


def serve(cfg: dict) -> int:
    """Answer the grader's requests on stdin/stdout until it closes stdin."""
    # The protocol uses private copies of stdin/stdout; whatever the student's code
    # writes to fd 1 or 2 ends up on stderr, which the grader caps.
    proto_in, proto_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)
    os.close(null)
    confinement.limit_resources(cfg)
    root = os.path.abspath(cfg["root"])
    if os.path.isdir(cfg["work"]):
        os.chdir(cfg["work"])
    # Only the submission, the standard library and numpy are importable.
    stdlib = [p for p in sys.path if p and not os.path.abspath(p).startswith(HERE)]
    sys.path[:] = [root] + [p for p in cfg.get("libs", ()) if p not in stdlib] + stdlib
    sys.dont_write_bytecode = True
    # Everything of the grader's the worker runs is loaded before it drops root: after
    # that it needs no file of the grader's (which its new user may not be able to read).
    wire = load("wire")
    drivers = load_drivers(cfg)
    if cfg.get("forbidden") is not None:
        policy.FORBIDDEN.clear()
        policy.FORBIDDEN.update({str(k): str(v) for k, v in dict(cfg["forbidden"]).items()})
    import numpy.random  # noqa: F401  (numpy, warmed up before the student's code runs)
    views = confinement.open_views(cfg)
    confinement.drop_privileges(cfg)
    remap = confinement.use_views(views)
    root = remap(root)
    sys.path[0] = root
    if views:
        os.environ["HOME"] = os.environ["TMPDIR"] = remap(os.path.abspath(cfg["work"]))
    confinement.die_with_parent(cfg.get("parent"))  # (after the drop, which clears it)
    info = {"uid": os.getuid() if hasattr(os, "getuid") else None,
            "nproc": confinement.limit_processes(cfg), "subreaper": confinement.become_subreaper(),
            "no_fork": False,
            "denied": confinement.deny_syscalls(sysv=bool(cfg.get("deny_sysv")))}
    if cfg.get("no_fork"):
        info["no_fork"] = confinement.refuse_processes()
        info["nproc"] = info["nproc"] or info["no_fork"]
    info["landlock"] = confinement.landlock(cfg, remap)
    sys.meta_path.insert(0, policy.Blocker())
    sys.addaudithook(policy.Policy(cfg))
    cap = int(cfg.get("output_bytes", 65536))
    sys.stdout = output.Capped(1, cap, "<stdout>")
    sys.stderr = output.Capped(2, cap, "<stderr>")
    worker = Worker(root, wire, drivers, info)

    def handle(req) -> dict:
        op = req.get("op") if isinstance(req, dict) else None
        handler = getattr(worker, f"op_{op}", None)
        try:
            reply = handler(req) if handler else {"ok": False, "kind": "protocol",
                                                  "error": f"unknown op {op!r}"}
        except BaseException as exc:  # noqa: BLE001 - a broken request or a vanished name
            reply = {"ok": False, "kind": "exception", "error": describe(exc),
                     "trace": student_trace(exc, root)}
        confinement.reap()
        reply["dropped"] = output.Output.dropped
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:  # noqa: BLE001, S110 - the student may have replaced them
            pass
        return reply

    def send(reply) -> None:
        try:
            wire.send(proto_out, reply)
        except (TypeError, ValueError):
            wire.send(proto_out, {"ok": False, "kind": "unsupported",
                                  "error": "returned a value that could not be sent"})

    # One request at a time, read exactly (no read-ahead): requests the grader pipelines
    # (Sandbox.pipeline) wait in the pipe, never in this process's memory, until their turn.
    while True:
        try:
            req = wire.recv(proto_in)
        except EOFError:
            return 0
        op = req.get("op")
        send(handle(req))
        if op == "bye":
            return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
