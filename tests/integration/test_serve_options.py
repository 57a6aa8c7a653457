"""`wok-router serve` options an operator may get wrong (PROTOCOL section 7, README "Configuration"):
the UNIX socket's path and mode, relative paths in a config file. Nothing at a wrong path is lost;
a mode is read as chmod reads it; a config file's relative paths are read from its folder."""

import json
import os
import socket
import stat
import subprocess

import pytest

from harness import ServerProcess, eventually, free_port, router_binary

pytestmark = pytest.mark.wok_router_only("wok-router serve's UNIX socket options")


def refused_serve(tmp_path, *args, root=None):
    """Runs `wok-router serve` that must refuse its options at start; returns the finished process.
    (The timeout is a hang guard: a router that accepts them runs until it is killed.)"""
    if root is None:
        root = tmp_path / "root"
        (root / "schemas").mkdir(parents=True, exist_ok=True)
    cmd = [str(router_binary()), "serve", "--host", "127.0.0.1", "--port", str(free_port()),
           "--root", str(root), "--store", "memory:", *args]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"wok-router serve {' '.join(args)} started instead of refusing: {e.stderr}")


def publish_over(path, seq):
    return subprocess.run([str(router_binary()), "publish", "--unix-socket", path, "--topic", "itest.events",
                           "--data", f'{{"seq": {seq}}}'], capture_output=True, text=True, timeout=30)


def test_a_file_at_the_unix_socket_path_is_refused_and_kept(tmp_path):
    path = tmp_path / "wok.conf"
    path.write_text("precious = true\n")
    done = refused_serve(tmp_path, "--unix-socket", str(path))
    assert done.returncode != 0
    assert str(path) in done.stderr and "not a socket" in done.stderr, done.stderr
    assert path.read_text() == "precious = true\n", "the file was removed or changed"


def test_a_folder_at_the_unix_socket_path_is_refused_and_kept(tmp_path):
    folder = tmp_path / "state"
    folder.mkdir()
    (folder / "data.db").write_text("rows")
    done = refused_serve(tmp_path, "--unix-socket", str(folder))
    assert done.returncode != 0
    assert "a folder is there" in done.stderr, done.stderr
    assert (folder / "data.db").read_text() == "rows", "the folder was removed"


def test_a_stale_socket_is_replaced(tmp_path):
    router = ServerProcess("wok-router", tmp_path, unix_socket=True, store="memory")
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(router.unix_socket)
    stale.close()  # the file stays, nobody serves it: what a killed router leaves behind
    assert stat.S_ISSOCK(os.lstat(router.unix_socket).st_mode)
    try:
        router.start()
        done = publish_over(router.unix_socket, 1)
        assert done.returncode == 0, done.stderr
    finally:
        router.kill()


def test_the_socket_of_a_running_router_is_not_taken_over(tmp_path):
    first = ServerProcess("wok-router", tmp_path / "first", unix_socket=True, store="memory")
    try:
        first.start()
        done = refused_serve(tmp_path, "--unix-socket", first.unix_socket)
        assert done.returncode != 0
        assert "another process is serving" in done.stderr, done.stderr
        published = publish_over(first.unix_socket, 2)
        assert published.returncode == 0, published.stderr
    finally:
        first.kill()


@pytest.mark.parametrize("text", ["640", "0640", "0o640"])
def test_unix_socket_mode_is_octal(tmp_path, text):
    router = ServerProcess("wok-router", tmp_path, unix_socket=True, store="memory",
                           args=("--set", f"unix_socket_mode={text}"))
    try:
        router.start()
        mode = lambda: stat.S_IMODE(os.lstat(router.unix_socket).st_mode)  # noqa: E731
        # The mode is set once the UNIX listener is bound, which may follow the TCP one's health.
        assert eventually(lambda: mode() == 0o640), oct(mode())
    finally:
        router.kill()


def test_a_decimal_mode_past_0o777_is_refused_with_its_octal_spelling(tmp_path):
    config = tmp_path / "router.toml"
    config.write_text("unix_socket_mode = 660\n")
    done = refused_serve(tmp_path, "--config", str(config), "--unix-socket", str(tmp_path / "r.sock"))
    assert done.returncode != 0
    assert "unix_socket_mode" in done.stderr and "0o660" in done.stderr, done.stderr
    assert not (tmp_path / "r.sock").exists()


def test_a_root_without_schemas_or_plugins_is_refused(tmp_path):
    """`serve` in the wrong folder ran a router without one topic (every publish 404); `validate
    --root` refuses such a root, and so does `serve` now."""
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    done = refused_serve(tmp_path, root=empty)
    assert done.returncode != 0
    assert str(empty) in done.stderr and "neither schemas/ nor plugins/" in done.stderr, done.stderr


def test_a_misspelt_environment_variable_is_warned_about(tmp_path):
    """`WOK_ROUTER_MAX_FILTER=5` (for max_filters) left the limit at 256, silently."""
    router = ServerProcess("wok-router", tmp_path, store="memory", env={"WOK_ROUTER_MAX_FILTER": "5"})
    try:
        router.start()
        assert eventually(lambda: "WOK_ROUTER_MAX_FILTER is not a setting" in router.log_tail(200)), router.log_tail()
        assert "did you mean WOK_ROUTER_MAX_FILTERS?" in router.log_tail(200)
    finally:
        router.kill()


class ConfiguredElsewhere(ServerProcess):
    """A router started as `wok-router serve --config ../etc/wok/router.toml` from an empty working
    folder, every path in that file relative: its root, store, UNIX socket and public files sit
    next to the config file, where they must be found."""

    def __init__(self, tmp_path):
        self.config_dir = tmp_path / "etc" / "wok"
        super().__init__("wok-router", tmp_path / "cwd")

    def _make_root(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.root = self.config_dir / "site"
        super()._make_root()
        for folder in ("data", "run", "public"):
            (self.config_dir / folder).mkdir()
        (self.config_dir / "public" / "hello.txt").write_text("next to the config file\n")
        self.unix_socket = str(self.config_dir / "run" / "wok.sock")
        (self.config_dir / "router.toml").write_text(
            f'host = "{self.host}"\nport = {self.port}\nroot = "site"\nstore = "sqlite:data/history.db"\n'
            'unix_socket = "./run/wok.sock"\npublic_dir = "public"\n')

    def command(self):
        return [str(router_binary()), "serve", "--config", "../etc/wok/router.toml"]


def test_relative_paths_in_a_config_file_are_read_from_its_folder(tmp_path):
    """They were read from the working folder: started elsewhere, the router found no root,
    created its SQLite file and UNIX socket where it was started, and served no public files."""
    router = ConfiguredElsewhere(tmp_path)
    try:
        router.start()
        # The root: the fixture topic is known. The UNIX socket: publishing over it works.
        assert eventually(lambda: os.path.exists(router.unix_socket)), router.log_tail()
        done = publish_over(router.unix_socket, 7)
        assert done.returncode == 0, done.stderr
        page = router.http("GET", "/notifications", params={"topics": "itest.events"}).json()
        assert [n["data"] for n in page["notifications"]] == [{"seq": 7}]
        assert router.http("GET", "/hello.txt").text == "next to the config file\n"
        assert router.stop() == 0
        # The store: the notification is in the SQLite file next to the config file.
        assert (router.config_dir / "data" / "history.db").exists()
        assert list(router.workdir.iterdir()) == [router.log_path], "something was created in the working folder"
    finally:
        router.kill()


def test_flags_and_environment_stay_relative_to_the_working_folder(tmp_path):
    config = tmp_path / "etc" / "router.toml"
    config.parent.mkdir()
    config.write_text('root = "site"\nstore = "sqlite:history.db"\nunix_socket = "wok.sock"\n')
    (tmp_path / "cwd").mkdir()
    done = subprocess.run([str(router_binary()), "serve", "--config", "../etc/router.toml", "--print-config",
                           "--store", "sqlite:mine.db"], cwd=tmp_path / "cwd",
                          env=dict(os.environ, WOK_ROUTER_UNIX_SOCKET="run/w.sock"), capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed["root"] == str(tmp_path / "etc" / "site")
    assert printed["store"] == "sqlite:mine.db" and printed["unix_socket"] == "run/w.sock"


def test_a_setting_given_twice_in_a_config_file_is_refused(tmp_path):
    """Tables are flattened: `max_filters` at the top level and in [limits] was read as one
    setting, one of the two values silently winning."""
    config = tmp_path / "router.toml"
    config.write_text("max_filters = 10\n\n[limits]\nmax_filters = 20\n")
    done = refused_serve(tmp_path, "--config", str(config))
    assert done.returncode != 0
    assert str(config) in done.stderr and 'setting "max_filters" is given twice' in done.stderr, done.stderr
    assert "at the top level" in done.stderr and "in [limits]" in done.stderr, done.stderr
