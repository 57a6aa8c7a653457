"""A router out of file descriptors: every TCP connection counts against max_connections, but a
descriptor limit set below it (a misconfiguration, or descriptors used elsewhere) can still be
reached by any client that opens enough connections. The router must then stay calm and whole: no busy loop on accept, no
topic dropped because the schema tree could not be read meanwhile, and it serves again once the
connections go.

The server here starts with a soft limit of 256 descriptors (inherited from this process, raised
back right after the start) so that a few hundred connections exhaust it.

"No busy loop" is measured as CPU time received, which on a shared machine depends on what else
runs: a spinning router gets only its share of a core (13 to 98 ticks a second measured at loads
of 6 to 12 on 2 cores, where a fixed bound of 50 ticks in 2 s let it pass), and whatever finite
work the router really does lasts longer in wall-clock time. So the router's CPU is compared with
a reference spinner's in the same window, and windows are taken until one is quiet: finite work
ends, a busy loop never does.
"""

import os
import resource
import socket
import subprocess
import sys
import time

import pytest

from harness import WSClient, eventually, router_config
from test_connection_slots import unix_get

LIMIT = 256


def cpu_ticks(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks


def descriptors(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


# A window is quiet when the router received less than this share of the CPU a spinning process
# (the reference) received in it. A router that retries accept at once is always runnable, as the
# reference is: it gets about as much (ratio ~1, whatever the load). A paused router wakes ~12
# times a second for a moment: ~0.01 of it.
QUIET_RATIO = 0.25
WINDOW = 1.0     # seconds
WINDOWS = 15     # at most; the first quiet one ends the measurement
MIN_REFERENCE_TICKS = 5  # a window in which the reference got less says nothing


def first_quiet_window(pid):
    """Measures `pid`'s CPU against a spinning reference process in windows of WINDOW seconds
    until one is quiet. Returns (the quiet window or None, every window), a window being
    (router ticks, reference ticks). While measuring, the reference spins: one core's share."""
    reference = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    windows = []
    try:
        for _ in range(WINDOWS):
            router_before, reference_before = cpu_ticks(pid), cpu_ticks(reference.pid)
            time.sleep(WINDOW)
            used = (cpu_ticks(pid) - router_before, cpu_ticks(reference.pid) - reference_before)
            windows.append(used)
            if used[1] >= MIN_REFERENCE_TICKS and used[0] < QUIET_RATIO * used[1]:
                return used, windows
        return None, windows
    finally:
        reference.kill()
        reference.wait()


def start_with_descriptor_limit(server_factory, **settings):
    """A server on the memory store started with a soft limit of LIMIT descriptors (inherited;
    this process's limit is set back right after the start)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, hard))
    try:
        return server_factory(store="memory", **settings)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.fixture
def starved(server_factory):
    # request_timeout far above the test's length: the held connections stay open (by default
    # each would be closed 10 s after it opened, and the router would no longer be out of
    # descriptors while it is measured).
    server = start_with_descriptor_limit(server_factory, config=router_config(request_timeout=300))
    yield server
    server.kill()


@pytest.mark.wok_router_only("descriptor exhaustion of the wok-router process")
def test_out_of_descriptors_no_busy_accept_no_topic_lost_and_recovers(starved):
    ws = WSClient(starved)
    try:
        ws.subscribe(["wok.router.plugins", "itest.events"])
        held = []
        try:
            for _ in range(LIMIT + 150):
                held.append(socket.create_connection((starved.host, starved.port), timeout=5))
            pid = starved.proc.pid
            assert eventually(lambda: descriptors(pid) >= LIMIT - 1, timeout=10)
            time.sleep(1.5)  # several schema-tree scans (every 0.5 s) while out of descriptors
            quiet, windows = first_quiet_window(pid)
            assert quiet is not None, (
                f"(router, reference) CPU ticks in each {WINDOW} s window while out of descriptors: {windows}; "
                f"never below {QUIET_RATIO} of the reference: a busy loop")
            # A router that exited, or got descriptors back, is quiet for another reason.
            assert starved.proc.poll() is None, f"the router exited ({starved.proc.returncode}):\n{starved.log_tail()}"
            assert descriptors(pid) >= LIMIT - 1, "measured after the router was out of descriptors no more"
        finally:
            for sock in held:
                sock.close()
        assert eventually(starved.alive, timeout=20), starved.log_tail()
        # Nothing was removed and loaded again: no plugin event at all.
        time.sleep(2)
        ws.quiet(0.5)
        assert starved.publish("itest.events", {"seq": 1}).status_code == 202
        assert ws.notifications(1)[0]["topic"] == "itest.events"
    finally:
        ws.close()


@pytest.fixture
def starved_with_few_connections(server_factory):
    """The same descriptor limit, with max_connections (20) and max_refusals (16) well below it,
    and refusals that wait long (linger_timeout 60 s) for a first byte that never comes."""
    server = start_with_descriptor_limit(server_factory, unix_socket=True,
                                         config=router_config(max_connections=20, max_refusals=16, linger_timeout=60))
    yield server
    server.kill()


@pytest.mark.wok_router_only("max_refusals")
def test_a_flood_past_max_connections_cannot_use_up_the_descriptors(starved_with_few_connections):
    """Connections past max_connections are not counted by it, and a refusal holds its descriptor
    until its client sends something or linger_timeout passes: without a bound on refusals in
    progress, a flood of silent connections used up the descriptors (the UNIX socket's publishers
    then waited for linger_timeout). With max_refusals, the router's TCP connections hold at most
    max_connections + max_refusals descriptors: the UNIX socket is served during the flood."""
    server = starved_with_few_connections
    pid = server.proc.pid
    held = []

    def closed_by_server(sock):
        try:
            return sock.recv(1, socket.MSG_PEEK) == b""
        except BlockingIOError:
            return False
        except ConnectionResetError:
            return True

    try:
        for _ in range(LIMIT + 150):
            held.append(socket.create_connection((server.host, server.port), timeout=5))
            held[-1].setblocking(False)
        # Wait until the router has taken the whole flood in: every connection past the 20 + 16
        # it may hold is closed, or it ran out of descriptors trying.
        assert eventually(lambda: len(os.listdir(f"/proc/{pid}/fd")) >= LIMIT - 1
                          or sum(map(closed_by_server, held)) >= len(held) - (20 + 16), timeout=20)
        # max_connections + max_refusals, plus the router's own (about 20 here): far from the limit.
        used = len(os.listdir(f"/proc/{pid}/fd"))
        assert used < 20 + 16 + 100, f"{used} descriptors in use"
        answer = unix_get(server, "/healthz")
        assert b" 200 " in answer.split(b"\r\n", 1)[0], answer[:200]
    finally:
        for sock in held:
            sock.close()
