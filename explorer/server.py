"""Serving the explorer: ``python -m explorer`` (blocking, Ctrl-C stops it cleanly) and :func:`start` (a server in
a background thread, for notebooks and tests), with the download route of every view (CSV, PNG, PDF)."""

from __future__ import annotations

import asyncio
import errno
import signal
import socket
import sys
import threading
from collections.abc import Sequence

from tornado.web import HTTPError, RequestHandler

DOWNLOAD_ROUTE = r"/explorer/download/([^/]+)/([abcd])\.(csv|png|pdf)"
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "png": "image/png", "pdf": "application/pdf"}


class DownloadHandler(RequestHandler):
    """GET /explorer/download/<session>/<view>.<csv|png|pdf>: what the view of that session draws now."""

    async def get(self, session: str, view: str, fmt: str) -> None:
        from explorer import core
        from explorer.app import SESSIONS

        explorer = SESSIONS.get(session)
        data = None if explorer is None else explorer.views.get(view)
        if data is None:
            raise HTTPError(404, "no such view yet")
        if fmt == "csv":
            body = core.to_csv(data).encode()
        else:
            loop = asyncio.get_running_loop()
            body = await loop.run_in_executor(None, core.render, data, fmt)
        self.set_header("Content-Type", CONTENT_TYPES[fmt])
        self.set_header("Content-Disposition", f'attachment; filename="explorer-{view}.{fmt}"')
        self.write(body)


def free_port(address: str = "127.0.0.1") -> int:
    """A port that is free on ``address`` now (the system's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((address, 0))
        return sock.getsockname()[1]


def build_server(port: int, address: str = "127.0.0.1", store_dir: str | None = None, io_loop=None):
    """The Bokeh server of the explorer at ``address:port`` (not started). ``OSError`` when the port is busy."""
    from bokeh.server.server import Server

    from explorer.app import app

    origins = [f"{address}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"]
    return Server({"/": app(store_dir)}, port=port, address=address, io_loop=io_loop,
                  extra_patterns=[(DOWNLOAD_ROUTE, DownloadHandler)], allow_websocket_origin=origins,
                  check_unused_sessions_milliseconds=2000, unused_session_lifetime_milliseconds=5000)


def warm_up() -> None:
    """Compile and load the theory before the first page (numba): one max-margin curve and point."""
    from explorer import core, jobs

    core.view_a(core.Settings())
    jobs.process_pool()


class RunningExplorer:
    """A server started by :func:`start`: ``url``, ``stop()``."""

    def __init__(self, server, thread: threading.Thread, url: str):
        self.server, self.thread, self.url = server, thread, url

    def stop(self) -> None:
        """Stop the server and its thread."""
        loop = self.server.io_loop
        loop.add_callback(self.server.stop)
        loop.add_callback(loop.stop)
        self.thread.join(timeout=10)

    def _repr_html_(self) -> str:
        return f'<iframe src="{self.url}" width="100%" height="900"></iframe>'


def start(port: int | None = None, address: str = "127.0.0.1", store_dir: str | None = None) -> RunningExplorer:
    """Serve the explorer from a background thread (e.g. in a notebook: ``explorer.start()`` shows the page in an
    iframe) and return it; ``port`` None picks a free one."""
    from tornado.ioloop import IOLoop

    port = port or free_port(address)
    holder: dict = {}
    ready = threading.Event()

    def run():
        asyncio.set_event_loop(asyncio.new_event_loop())
        try:
            server = build_server(port, address, store_dir, io_loop=IOLoop.current())
            server.start()
            holder["server"] = server
        except BaseException as exc:
            holder["error"] = exc
            ready.set()
            return
        ready.set()
        server.io_loop.start()

    thread = threading.Thread(target=run, daemon=True, name="explorer-server")
    thread.start()
    ready.wait()
    if "error" in holder:
        raise holder["error"]
    return RunningExplorer(holder["server"], thread, f"http://{address}:{port}/")


def build_parser():
    """The flags of ``python -m explorer``."""
    from pruning_cli import ArgumentParser

    p = ArgumentParser(
        prog="python -m explorer",
        description="Interactive explorer of the pruning phase diagram in the browser: eps against alpha_prune for "
        "keep hard / easy / unpruned (live), the frontier, the pool view and Monte Carlo points, each with the "
        "command line that prints its numbers and PNG/PDF/CSV downloads. Serves on localhost; Ctrl-C stops it.",
        examples=("python -m explorer", "python -m explorer --port 5006 --show",
                  "python -m explorer --store results/"))
    p.add_argument("--port", type=int, default=None, help="TCP port (default: a free one, printed)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: localhost only)")
    p.add_argument("--store", default=None, metavar="DIR",
                   help="Monte Carlo result store (shared with python -m simulations.sweep --store DIR; default "
                   "~/.cache/beyond-scaling/explorer-store)")
    p.add_argument("--show", action="store_true", help="open the page in the default browser")
    return p


def _main(argv: Sequence[str] | None) -> int:
    from tornado.ioloop import IOLoop

    from explorer import jobs
    from pruning_cli import writable_directory

    args = build_parser().parse_args(argv)
    if args.port is not None and not 0 < args.port < 65536:
        raise ValueError(f"--port must be in [1, 65535], got {args.port}")
    if args.store is not None:
        writable_directory(args.store, "result store")
    port = args.port or free_port(args.host)
    loop = IOLoop.current()
    try:
        server = build_server(port, args.host, args.store, io_loop=loop)
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            raise ValueError(f"--port {port}: the port is busy on {args.host} (choose another, or omit --port for "
                             "a free one)") from None
        raise ValueError(f"--host {args.host} --port {port}: cannot listen: {exc.strerror or exc}") from None
    warm_up()
    server.start()
    url = f"http://{args.host}:{port}/"
    print(f"explorer: serving {url} (Ctrl-C to stop)", flush=True)
    if args.show:
        server.io_loop.add_callback(server.show, "/")

    def stop(*_):
        loop.add_callback_from_signal(loop.stop)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)  # Ctrl-C (explicitly: a shell may start us with SIGINT ignored)
    try:
        loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        jobs.shutdown()
    print("explorer: stopped", file=sys.stderr, flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m explorer``; returns the exit code (2 on bad flags or a busy port)."""
    from pruning_cli import run_cli

    return run_cli(_main, argv, "python -m explorer")
