"""The command line as the partner of a Python or Spark party in the tests."""

from __future__ import annotations

import json
import subprocess
import threading
from typing import Any, Dict, Optional


class CliGuest:
    """`cleanmatch match --invite URL ARGS...` in a thread, started by the invite: pass the
    object as ``on_invite``; ``wait()`` gives the finished process, ``report()`` its report
    (asserting it succeeded)."""

    def __init__(self, cli: Any, *args: Any) -> None:
        self.argv = [str(cli), "match", "--invite", None, *map(str, args)]
        self.proc: Optional[subprocess.CompletedProcess] = None
        self._thread: Optional[threading.Thread] = None

    def __call__(self, url: str) -> None:
        argv = [url if a is None else a for a in self.argv]

        def go() -> None:
            self.proc = subprocess.run(argv, capture_output=True, text=True)

        self._thread = threading.Thread(target=go)
        self._thread.start()

    def wait(self) -> subprocess.CompletedProcess:
        assert self._thread is not None, "the invite never reached the guest"
        self._thread.join()
        assert self.proc is not None
        return self.proc

    def report(self) -> Dict[str, Any]:
        p = self.wait()
        assert p.returncode == 0, p.stderr
        return json.loads(p.stdout)
