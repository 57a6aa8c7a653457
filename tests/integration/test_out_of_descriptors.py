"""A router out of file descriptors: every TCP connection counts against max_connections, but a
descriptor limit set below it (a misconfiguration, or descriptors used elsewhere) can still be
reached by any client that opens enough connections. The router must then stay calm and whole: no busy loop on accept, no
topic dropped because the schema tree could not be read meanwhile, and it serves again once the
connections go.

The server here starts with a soft limit of 256 descriptors (inherited from this process, raised
back right after the start) so that a few hundred connections exhaust it.
"""

import os
import resource
import socket
import time

import pytest

from harness import WSClient, eventually

LIMIT = 256


def cpu_ticks(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks


@pytest.fixture
def starved(server_factory):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, hard))
    try:
        server = server_factory(store="memory")
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
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
            assert eventually(lambda: len(os.listdir(f"/proc/{pid}/fd")) >= LIMIT - 1, timeout=10)
            time.sleep(1.5)  # several schema-tree scans (every 0.5 s) while out of descriptors
            before = cpu_ticks(pid)
            time.sleep(2)
            used = cpu_ticks(pid) - before
            ticks_per_second = os.sysconf("SC_CLK_TCK")
            # A loop retrying accept at once uses a whole core (2 s = 200 ticks); paused, almost nothing.
            assert used < ticks_per_second // 2, f"{used} ticks in 2 s while out of descriptors: a busy loop"
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
