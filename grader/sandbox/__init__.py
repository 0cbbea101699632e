"""The sandbox: students' code runs in a worker process, never in the grader's.

Trusted side (the grader's process):

* ``runner``: :class:`~grader.sandbox.runner.Sandbox`, one submission's worker:
  started, sent requests, limited, restarted, killed (its public names re-exported);
* ``limits``: the limits of a worker and how a call that hit one is reported;
* ``runner_choice``: bubblewrap where it can run, else the fallback; isolation;
* ``launch``: the worker's command line, configuration, environment, code files;
* ``replies``: reading the worker's replies, bounded before they are parsed;
* ``disk_watch``: what a worker writes, checked by the watchdog;
* ``shared_box``: one bubblewrap box per grading process, with a fork server;
* ``isolation``: bubblewrap's command line, the process table, killing trees.

Inside the worker (standalone: standard library and numpy, loaded by path; see
``worker.py``): ``worker`` (the request loop), ``worker_policy``,
``worker_confinement``, ``worker_output``, ``worker_fork_server``. ``wire`` (the
plain-data encoding) is used on both sides.
"""
