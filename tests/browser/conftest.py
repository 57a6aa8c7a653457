"""Fixtures of the browser suite: a real router on loopback and headless Chromium.

The router is `wok-router serve` from the build folder (`WOK_ROUTER_BIN`, else
.build/debug/wok-router) on a temporary root and SQLite store; `--server=tornado` runs the tornado
reference peer instead (through peer_server.py). A failing test leaves, in test-artifacts/browser/,
a screenshot and the console log of every tab it opened, and the router's log.
"""

import json
import os
import pathlib
import re

import pytest

from harness import REPO, RouterProcess, chromium

ARTIFACTS = REPO / "test-artifacts" / "browser"


def pytest_addoption(parser):
    parser.addoption("--server", choices=["wok-router", "tornado"], default=os.environ.get("WOK_BROWSER_SERVER", "wok-router"),
                     help="which server the browser suite runs against")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


@pytest.fixture
def router(request, tmp_path):
    process = RouterProcess(request.config.getoption("--server"), tmp_path / "root")
    process.start()
    yield process
    process.stop()
    if _failed(request):
        _save(request, "router.log", process.log())


@pytest.fixture
def memory_router(request, tmp_path):
    """A router whose history lives in memory: a restart loses it (a new epoch)."""
    process = RouterProcess(request.config.getoption("--server"), tmp_path / "root", store="memory")
    process.start()
    yield process
    process.stop()
    if _failed(request):
        _save(request, "router.log", process.log())


@pytest.fixture
def browser(request):
    """Starts Chromium drivers on demand (each a fresh profile: its own SharedWorker)."""
    drivers = []

    def make():
        driver = chromium()
        drivers.append(driver)
        return driver

    yield make
    for n, driver in enumerate(drivers):
        if _failed(request):
            _save_browser(request, n, driver)
        try:
            driver.quit()
        except Exception:
            pass


def _failed(request):
    report = getattr(request.node, "rep_call", None)
    return report is None or report.failed


def _name(request):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)


def _save(request, suffix, text):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{_name(request)}.{suffix}").write_text(text)


def _save_browser(request, n, driver):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        handles = driver.window_handles
    except Exception:
        return
    for i, handle in enumerate(handles):
        base = ARTIFACTS / f"{_name(request)}.browser{n}.tab{i}"
        try:
            driver.switch_to.window(handle)
            driver.save_screenshot(str(base) + ".png")
            state = driver.execute_script("return {url: location.href, status: window.WokPush && WokPush.status}")
            lines = [json.dumps(state)]
            lines += [f"{e.get('level')} {e.get('message')}" for e in driver.get_log("browser")]
            pathlib.Path(str(base) + ".console.log").write_text("\n".join(lines) + "\n")
        except Exception as error:  # a crashed tab still lets the others be saved
            pathlib.Path(str(base) + ".console.log").write_text(f"could not save this tab: {error}\n")
