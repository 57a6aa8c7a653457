"""Fixtures that run a REAL push server on loopback for the integration suite.

By default the server is `wok-router serve` from the build folder (`WOK_ROUTER_BIN`, else
`.build/debug/wok-router`) on a temporary root (a copy of the repo's `schemas/` and `plugins/`
plus the `itest` test plugin) and a temporary SQLite store. `--server=tornado` runs the tornado
benchmark peer instead; tests of features the peer does not have are marked `wok_router_only`.
"""

import os
import pathlib

import pytest

from harness import REPO, ServerProcess, WSClient, router_config


def pytest_addoption(parser):
    parser.addoption(
        "--server",
        choices=["wok-router", "tornado"],
        default=os.environ.get("WOK_TEST_SERVER", "wok-router"),
        help="which server the integration suite runs against",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "wok_router_only(reason): needs a wok-router feature the tornado peer does not have")
    config.addinivalue_line(
        "markers",
        "wok_router_bug(reason): wok-router is known to fail this test (strict xfail there, so a fix shows up as XPASS)",
    )
    config.addinivalue_line("markers", "tornado_bug(reason): the tornado peer is known to fail this test (strict xfail there)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--server") != "tornado":
        for item in items:
            marker = item.get_closest_marker("wok_router_bug")
            if marker is not None:
                item.add_marker(pytest.mark.xfail(strict=True, reason=f"wok-router bug: {marker.args[0]}"))
        return
    for item in items:
        bug = item.get_closest_marker("tornado_bug")
        if bug is not None:
            item.add_marker(pytest.mark.xfail(strict=True, reason=f"tornado peer: {bug.args[0]}"))
        marker = item.get_closest_marker("wok_router_only")
        if marker is not None:
            reason = marker.args[0] if marker.args else "wok-router feature"
            item.add_marker(pytest.mark.skip(reason=f"the tornado peer does not implement this: {reason}"))


@pytest.fixture(scope="session")
def server_kind(pytestconfig):
    return pytestconfig.getoption("--server")


@pytest.fixture(scope="session")
def server_factory(server_kind, tmp_path_factory):
    """Starts servers on demand; every one still running is stopped at the end."""
    started = []

    def make(**kwargs):
        process = ServerProcess(server_kind, tmp_path_factory.mktemp("router"), **kwargs)
        process.start()
        started.append(process)
        return process

    yield make
    for process in started:
        process.kill()


@pytest.fixture(scope="session")
def server(server_factory):
    """The shared server most tests use: defaults, SQLite store, no auth."""
    return server_factory()


@pytest.fixture
def client(server):
    """Opens WebSocket clients on `server`; closes them after the test."""
    opened = []

    def connect(**kwargs):
        target = kwargs.pop("to", server)
        ws = WSClient(target, **kwargs)
        opened.append(ws)
        return ws

    yield connect
    for ws in opened:
        ws.close()


@pytest.fixture(autouse=True)
def _server_still_up(request):
    """After every test, the shared server must still be alive."""
    yield
    if "server" in request.fixturenames:
        srv = request.getfixturevalue("server")
        assert srv.alive(), f"the server died during the test; log tail:\n{srv.log_tail()}"


@pytest.fixture(scope="session")
def repo():
    return pathlib.Path(REPO)


ALLOWED_ORIGIN = "https://wok.example"


@pytest.fixture(scope="session")
def origin_server(server_factory, server_kind):
    """A server whose /push accepts only the Origin https://wok.example."""
    if server_kind == "tornado":
        return server_factory(peer_args=["--allowed-origin", ALLOWED_ORIGIN])
    return server_factory(config=router_config(origins=[ALLOWED_ORIGIN]))
