"""deploy/ agrees with itself and with the code: settings, packages, CLI and health endpoint.

There is no Docker engine where the tests run, so no image is built here: the Dockerfile and the
compose file are checked for structure, and the two pieces of them that run code (the build-time
warm-up and the HEALTHCHECK command) are run against the real code.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.cli.parser import HELP
from bot.config import Settings
from bot.ops import Metrics, OpsServer

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SETTING_VARS = {f"CITEBOT_{name.upper()}" for name in Settings.model_fields}
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# Shaped like a Bot API token: <bot id>:<35-character secret>.
TOKEN_SHAPE = re.compile(r"\b\d{6,}:[A-Za-z0-9_-]{30,}\b")


def cli_commands() -> set[str]:
    # The parser makes each command from its entry in HELP, so HELP names them all.
    return set(HELP)


def without_citebot_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CITEBOT_")}


# -- Dockerfile -----------------------------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    # Docker drops comment lines before joining continuations, even inside an instruction.
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", "", "\n".join(lines))
    result = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, args = line.strip().partition(" ")
            result.append((keyword.upper(), args.strip()))
    return result


def position(keyword: str, contains: str = "", last: bool = False) -> int:
    found = [i for i, (k, args) in enumerate(dockerfile()) if k == keyword and contains in args]
    assert found, f"no {keyword} {contains!r} in deploy/Dockerfile"
    return found[-1] if last else found[0]


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, args in dockerfile():
        if keyword == "ENV":
            for item in shlex.split(args):
                name, _, value = item.partition("=")
                env[name] = value
    return env


def warm_up_command() -> list[str]:
    (args,) = [a for k, a in dockerfile() if k == "RUN" and "ensure_content" in a]
    return shlex.split(args)


def healthcheck_command() -> str:
    args = dockerfile()[position("HEALTHCHECK")][1]
    assert " CMD " in f" {args} ", "HEALTHCHECK needs a CMD (not NONE)"
    return args.split("CMD", 1)[1].strip()


def test_dockerfile_builds_on_slim_python_311() -> None:
    assert dockerfile()[0][0] == "FROM"
    assert dockerfile()[0][1].startswith("python:3.11-slim")


def test_dockerfile_installs_from_the_projects_own_files() -> None:
    packages = {
        p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    copied = set()
    for keyword, args in dockerfile():
        if keyword == "COPY":
            sources = [a for a in shlex.split(args) if not a.startswith("--")][:-1]
            copied.update(s.rstrip("/") for s in sources)
    # pyproject.toml names its readme; setuptools refuses to build without it.
    assert {"pyproject.toml", PYPROJECT["project"]["readme"], *packages} <= copied
    install = position("RUN", "pip install")
    assert re.search(r"pip install --no-cache-dir \.(\s|$)", dockerfile()[install][1])
    assert position("COPY", "pyproject.toml") < install


def test_dockerfile_runs_as_a_non_root_user_with_data_in_a_volume() -> None:
    users = [args for keyword, args in dockerfile() if keyword == "USER"]
    assert users, "no USER: the container would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert dockerfile_env()["CITEBOT_DATA_DIR"] == "/data"
    volume = dockerfile()[position("VOLUME")][1]
    paths = json.loads(volume) if volume.startswith("[") else volume.split()
    assert "/data" in paths
    assert position("USER", last=True) < position("ENTRYPOINT")


def test_warm_up_runs_as_the_app_user_before_data_becomes_a_volume() -> None:
    """Writes under a VOLUME path after the VOLUME line are discarded from the image."""
    warm_up = position("RUN", "ensure_content")
    assert position("USER", last=True) < warm_up < position("VOLUME")


@pytest.mark.slow  # the image's warm-up: loads the bundled corpus in a child process
def test_warm_up_leaves_a_ready_knowledge_base_and_caches_in_the_data_dir(
    tmp_path: Path, prepared_data_dir: Path
) -> None:
    # The caches must be written inside the data dir, or the image's /data would not carry them.
    cache = prepared_data_dir / "cache"
    assert list(cache.glob("jieba*.cache"))
    assert (cache / "cedict.json").is_file()
    program, flag, code = warm_up_command()
    assert (program, flag) == ("python", "-c")
    assert code.count("'/data'") == 1
    # Seeded with the session's caches (building them takes seconds); the run must use them.
    data, temp = tmp_path / "data", tmp_path / "tmp"
    shutil.copytree(cache, data / "cache")
    before = {p.name: p.stat().st_mtime_ns for p in (data / "cache").iterdir()}
    temp.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", code.replace("'/data'", repr(str(data)))],
        cwd=tmp_path,
        env={**without_citebot_env(), "TMPDIR": str(temp)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (data / "citebot.sqlite3").is_file()
    assert (data / "index" / "index.json").is_file()
    assert {p.name: p.stat().st_mtime_ns for p in (data / "cache").iterdir()} == before
    # Nothing outside the data dir: the container's root file system is read-only.
    assert not list(temp.iterdir())


def test_dockerfile_sets_only_real_settings_and_enables_the_health_port() -> None:
    env = dockerfile_env()
    citebot_vars = {name for name in env if name.startswith("CITEBOT_")}
    assert citebot_vars <= SETTING_VARS, citebot_vars - SETTING_VARS
    assert int(env["CITEBOT_HEALTH_PORT"]) > 0


def test_dockerfile_holds_no_secrets() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert not TOKEN_SHAPE.search(text)
    for keyword, args in dockerfile():
        if keyword in {"ENV", "ARG"}:
            assert not re.search(r"TOKEN|SECRET|PASSWORD", args, re.I), args
        if keyword in {"COPY", "ADD"}:
            assert ".env" not in shlex.split(args), args


def test_dockerfile_entrypoint_is_the_citebot_script_serving() -> None:
    entrypoint = json.loads(dockerfile()[position("ENTRYPOINT")][1])
    command = json.loads(dockerfile()[position("CMD")][1])
    assert entrypoint == ["citebot"]
    assert "citebot" in PYPROJECT["project"]["scripts"]
    assert command == ["serve"]
    assert "serve" in cli_commands()


def test_healthcheck_probes_healthz_with_python_alone() -> None:
    command = healthcheck_command()
    assert "/healthz" in command
    assert "CITEBOT_HEALTH_PORT" in command
    assert not re.search(r"\b(curl|wget)\b", command)


def test_healthcheck_follows_the_bots_readiness(tmp_path: Path) -> None:
    """Unhealthy while the knowledge base loads (503) and when nothing listens; healthy when up."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    ops = OpsServer(Metrics(), "127.0.0.1", 0).start()

    def probe() -> int:
        env = {
            **without_citebot_env(),
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "CITEBOT_HEALTH_PORT": str(ops.port),
        }
        # Docker runs a shell-form HEALTHCHECK CMD with /bin/sh -c.
        shell = ["/bin/sh", "-c", healthcheck_command()]
        return subprocess.run(shell, env=env, capture_output=True, timeout=30).returncode

    try:
        assert probe() == 1
        ops.ready.set()
        assert probe() == 0
    finally:
        ops.stop()
    assert probe() == 1


# -- .env.example ---------------------------------------------------------------------------

ASSIGNMENT = re.compile(r"^(# )?(CITEBOT_[A-Z0-9_]+)=(.*)$")


def env_example_lines() -> list[str]:
    return (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines()


def env_example() -> list[tuple[int, str, str]]:
    """(line index, name, value) of every assignment, set ("X=") or shown ("# X=")."""
    found = []
    for i, line in enumerate(env_example_lines()):
        match = ASSIGNMENT.match(line)
        if match:
            found.append((i, match[2], match[3]))
    return found


def test_env_example_lists_every_setting_exactly_once() -> None:
    names = [name for _, name, _ in env_example()]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert set(names) == SETTING_VARS, {
        "missing from deploy/.env.example": sorted(SETTING_VARS - set(names)),
        "not a setting": sorted(set(names) - SETTING_VARS),
    }


def test_env_example_explains_every_setting_on_the_line_above() -> None:
    lines = env_example_lines()
    for i, name, _ in env_example():
        above = lines[i - 1] if i else ""
        assert above.startswith("# ") and not ASSIGNMENT.match(above), name


def test_env_example_values_read_the_same_in_compose_systemd_and_dotenv() -> None:
    """Quotes, spaces, $ and # are where the three env-file dialects disagree."""
    for _, name, value in env_example():
        assert not re.search(r"[\s'\"#$`\\]", value), name


def test_env_example_is_valid_and_shows_the_real_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("CITEBOT_"):
            monkeypatch.delenv(name)
    as_shipped = tmp_path / "shipped.env"
    as_shipped.write_text("\n".join(env_example_lines()), encoding="utf-8")
    Settings(_env_file=as_shipped)  # type: ignore[call-arg]
    everything = tmp_path / "everything.env"
    everything.write_text(
        "\n".join(re.sub(r"^# (CITEBOT_)", r"\1", line) for line in env_example_lines()),
        encoding="utf-8",
    )
    shown = Settings(_env_file=everything)  # type: ignore[call-arg]
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    for name, field in Settings.model_fields.items():
        # Settings without a fixed default (None, or computed) show an example instead.
        if field.default_factory is None and field.default is not None:
            assert getattr(shown, name) == getattr(defaults, name), f"CITEBOT_{name.upper()}"


def test_env_example_holds_placeholders_not_secrets() -> None:
    values = {name: value for _, name, value in env_example()}
    assert "replace" in values["CITEBOT_TELEGRAM_TOKEN"]
    assert "replace" in values["CITEBOT_WEBHOOK_SECRET"]
    text = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    assert all("replace" in match[0] for match in TOKEN_SHAPE.finditer(text))


def test_filled_in_env_file_is_ignored_by_git() -> None:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    result = subprocess.run(
        [git, "check-ignore", "-q", "deploy/.env"], cwd=ROOT, capture_output=True
    )
    if result.returncode == 128:
        pytest.skip("not a git work tree")
    assert result.returncode == 0, "deploy/.env (holds the token) is not in .gitignore"


# -- compose.yaml ---------------------------------------------------------------------------

COMPOSE_TEXT = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
PORT_ITEM = re.compile(r'^\s*(#\s*)?- "?((?:[\d.]+:)?\d+:\d+)"?\s*$')


def test_compose_file_names_the_dockerfile_env_file_and_data_volume() -> None:
    """A text check that runs without PyYAML; the parsed check follows."""
    assert "\t" not in COMPOSE_TEXT  # YAML forbids tabs in indentation
    assert re.search(r"^\s+dockerfile: deploy/Dockerfile\s*$", COMPOSE_TEXT, re.M)
    assert re.search(r"^\s+env_file: \.env\s*$", COMPOSE_TEXT, re.M)
    assert re.search(r"^\s+- [\w.-]+:/data\s*$", COMPOSE_TEXT, re.M)
    assert re.search(r"^\s+restart: unless-stopped\s*$", COMPOSE_TEXT, re.M)


def test_compose_publishes_ports_on_loopback_only_with_webhook_variant_commented() -> None:
    ports = [m for line in COMPOSE_TEXT.splitlines() if (m := PORT_ITEM.match(line))]
    assert ports
    for match in ports:
        assert match[2].startswith("127.0.0.1:"), match[0]
    webhook_port = Settings.model_fields["webhook_port"].default
    commented = [m[2] for m in ports if m[1]]
    assert f"127.0.0.1:{webhook_port}:{webhook_port}" in commented


def test_compose_service_matches_the_dockerfile_and_settings() -> None:
    yaml = pytest.importorskip("yaml")
    doc = yaml.safe_load(COMPOSE_TEXT)
    (service,) = doc["services"].values()
    build = service["build"]
    context = DEPLOY / build["context"]
    assert (context / build["dockerfile"]).resolve() == (DEPLOY / "Dockerfile").resolve()
    assert (context / "pyproject.toml").is_file()
    env_file = service["env_file"]
    assert (env_file if isinstance(env_file, list) else [env_file]) == [".env"]
    assert service["restart"] == "unless-stopped"
    data = [v for v in service["volumes"] if isinstance(v, str) and v.endswith(":/data")]
    assert len(data) == 1
    assert data[0].split(":")[0] in doc["volumes"], "the /data volume is not a named volume"
    published = [str(p).split(":") for p in service["ports"]]
    assert all(host == "127.0.0.1" for host, _, _ in published)
    assert dockerfile_env()["CITEBOT_HEALTH_PORT"] in {inside for _, _, inside in published}
    environment = service.get("environment") or {}
    assert not {"CITEBOT_TELEGRAM_TOKEN", "CITEBOT_WEBHOOK_SECRET"} & set(environment)


# -- compose.scale.yaml and nginx.conf ------------------------------------------------------

SCALE_TEXT = (DEPLOY / "compose.scale.yaml").read_text(encoding="utf-8")
NGINX_TEXT = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
# Compose's ${NAME}, ${NAME:-default} and ${NAME:?message}: filled in from deploy/.env.
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?][^}]*)?\}")


def known_vars() -> set[str]:
    """The settings' names and the secrets' _FILE forms."""
    from bot.config import known_names

    return known_names()


def scale() -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    doc: dict[str, Any] = yaml.safe_load(SCALE_TEXT)
    return doc


def replicas(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services built from the project's Dockerfile: the citebot replicas."""
    return {
        name: service
        for name, service in doc["services"].items()
        if (service.get("build") or {}).get("dockerfile") == "deploy/Dockerfile"
    }


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {str(k): str(v) for k, v in env.items()}


def nginx_directives() -> str:
    """nginx.conf without its comments."""
    return "\n".join(line.split("#", 1)[0] for line in NGINX_TEXT.splitlines())


def nginx_upstreams() -> dict[str, list[str]]:
    """upstream name -> the address of each of its servers (host:port)."""
    text = nginx_directives()
    return {
        name: re.findall(r"^\s*server\s+([^\s;]+)", body, re.M)
        for name, body in re.findall(r"\bupstream\s+(\w+)\s*\{([^}]*)\}", text)
    }


def test_scale_compose_runs_postgresql_two_webhook_replicas_and_nginx() -> None:
    assert "\t" not in SCALE_TEXT
    doc = scale()
    services = doc["services"]
    assert len(replicas(doc)) >= 2
    images = {name: str(service.get("image", "")) for name, service in services.items()}
    assert any(image.startswith("postgres:") for image in images.values()), images
    assert any(image.startswith("nginx:") for image in images.values()), images
    for name, service in replicas(doc).items():
        context = DEPLOY / service["build"]["context"]
        assert (context / service["build"]["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
        env_file = service["env_file"]
        assert (env_file if isinstance(env_file, list) else [env_file]) == [".env"], name
        assert environment(service)["CITEBOT_MODE"] == "webhook", name
        assert service["restart"] == "unless-stopped", name


def test_scale_compose_names_only_real_settings_and_no_secrets() -> None:
    doc = scale()
    for name, service in doc["services"].items():
        env = environment(service)
        named = {key for key in env if key.startswith("CITEBOT_")}
        assert named <= known_vars(), (name, named - known_vars())
        # The token and the webhook secret come from deploy/.env, never this file.
        assert not {"CITEBOT_TELEGRAM_TOKEN", "CITEBOT_WEBHOOK_SECRET"} & set(env), name
        for key, value in env.items():
            if re.search(r"PASSWORD|SECRET|TOKEN|DATABASE_URL", key):
                # A password only as ${...}, filled in from deploy/.env.
                assert "${" in value or key.endswith("_FILE"), (name, key)
    assert not TOKEN_SHAPE.search(SCALE_TEXT)


def test_scale_replicas_reach_the_postgres_service_with_a_url_citebot_accepts() -> None:
    from knowledge import check_database_url

    doc = scale()
    (database,) = [
        (name, s)
        for name, s in doc["services"].items()
        if str(s.get("image", "")).startswith("postgres:")
    ]
    db_name, db_service = database
    db_env = environment(db_service)
    assert db_service.get("healthcheck"), "the replicas wait for a healthy database"
    for name, service in replicas(doc).items():
        url = INTERPOLATION.sub("password", environment(service)["CITEBOT_DATABASE_URL"])
        check_database_url(url)
        parts = urlsplit(url)
        assert parts.hostname == db_name, name
        assert parts.username == db_env["POSTGRES_USER"], name
        assert parts.path.lstrip("/") == db_env["POSTGRES_DB"], name
        # The password given to both is the one variable of deploy/.env.
        assert INTERPOLATION.findall(environment(service)["CITEBOT_DATABASE_URL"]) == [
            INTERPOLATION.findall(db_env["POSTGRES_PASSWORD"])[0]
        ]
        assert service["depends_on"][db_name]["condition"] == "service_healthy", name


def test_every_variable_the_scale_file_fills_in_is_shown_in_the_env_example() -> None:
    """Compose fills ${POSTGRES_PASSWORD} from deploy/.env: the example must show it."""
    text = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    filled = set(INTERPOLATION.findall(SCALE_TEXT))
    assert filled
    for name in filled:
        assert re.search(rf"^(# )?{name}=\S", text, re.M), name


def test_scale_services_and_volumes_are_consistent() -> None:
    doc = scale()
    services = doc["services"]
    declared = set(doc.get("volumes") or {})
    used: list[str] = []
    for name, service in services.items():
        for dependency in service.get("depends_on") or {}:
            assert dependency in services, (name, dependency)
        for volume in service.get("volumes") or []:
            source = str(volume).split(":")[0]
            if source.startswith((".", "/")):
                if source.startswith("."):  # a file of this folder, mounted into the service
                    assert (DEPLOY / source).exists(), (name, source)
                continue
            assert source in declared, f"{name} uses volume {source}, not declared"
            used.append(source)
    assert declared <= set(used), declared - set(used)
    # Each replica keeps its index in a volume of its own, at the Dockerfile's data dir.
    data = [
        str(v).split(":")[0]
        for service in replicas(doc).values()
        for v in service["volumes"]
        if str(v).split(":")[1] == dockerfile_env()["CITEBOT_DATA_DIR"]
    ]
    assert len(data) == len(replicas(doc)) == len(set(data)), data


def test_scale_publishes_health_on_loopback_and_only_nginx_to_the_world() -> None:
    doc = scale()
    health = dockerfile_env()["CITEBOT_HEALTH_PORT"]
    for name, service in doc["services"].items():
        for port in service.get("ports") or []:
            parts = str(port).split(":")
            if name in replicas(doc):
                assert parts[0] == "127.0.0.1" and parts[-1] == health, (name, port)
            else:
                assert name.startswith("nginx"), f"{name} publishes {port}"
    nginx = next(s for n, s in doc["services"].items() if n.startswith("nginx"))
    mounts = {str(v).split(":")[1]: str(v).split(":")[0] for v in nginx["volumes"]}
    assert mounts["/etc/nginx/nginx.conf"] == "./nginx.conf"
    for replica in replicas(doc):
        assert nginx["depends_on"][replica]["condition"] == "service_healthy"


def test_nginx_upstream_names_the_replica_services_on_the_webhook_port() -> None:
    doc = scale()
    upstreams = nginx_upstreams()
    assert len(upstreams) == 1, upstreams
    ((upstream, servers),) = upstreams.items()
    expected = {
        f"{name}:{environment(service)['CITEBOT_WEBHOOK_PORT']}"
        for name, service in replicas(doc).items()
    }
    assert set(servers) == expected
    assert re.findall(r"proxy_pass\s+http://(\w+)\s*;", nginx_directives()) == [upstream]


def test_nginx_passes_telegrams_secret_on_the_webhook_path() -> None:
    text = nginx_directives()
    assert text.count("{") == text.count("}")
    example = {name: value for _, name, value in env_example()}
    path = urlsplit(example["CITEBOT_WEBHOOK_URL"]).path
    assert re.search(rf"location\s+=\s+{re.escape(path)}\s*\{{", text), path
    assert re.search(
        r"proxy_set_header\s+X-Telegram-Bot-Api-Secret-Token\s+"
        r"\$http_x_telegram_bot_api_secret_token\s*;",
        text,
    )
    assert re.search(r"listen\s+443\s+ssl", text)


def test_docker_compose_accepts_the_scale_file(tmp_path: Path) -> None:
    """Compose's own parse, where Compose is installed (not on the development machines)."""
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker is not installed: compose.scale.yaml not checked by Compose")
    if subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("docker compose is not installed: compose.scale.yaml not checked by Compose")
    copy = tmp_path / "deploy"
    copy.mkdir()
    for name in ("compose.scale.yaml", "nginx.conf", "Dockerfile"):
        shutil.copy(DEPLOY / name, copy / name)
    env = "\n".join(env_example_lines()) + "\nPOSTGRES_PASSWORD=password\n"
    (copy / ".env").write_text(env, encoding="utf-8")
    result = subprocess.run(
        [docker, "compose", "-f", str(copy / "compose.scale.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        env=without_citebot_env(),
    )
    assert result.returncode == 0, result.stderr


# -- citebot.service ------------------------------------------------------------------------

UNIT_PATH = DEPLOY / "citebot.service"
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    "RestrictNamespaces": "yes",
    "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes",
    "CapabilityBoundingSet": "",
    "UMask": "0077",
    "Restart": "on-failure",
    "StateDirectory": "citebot",
    "EnvironmentFile": "-/etc/citebot/citebot.env",
}


def unit() -> dict[str, dict[str, list[str]]]:
    """section -> key -> every value assigned, in order."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in UNIT_PATH.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
        else:
            key, _, value = line.partition("=")
            current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_unit_has_the_hardening_settings() -> None:
    service = unit()["Service"]
    for key, value in HARDENING.items():
        assert service.get(key, [None])[-1] == value, key
    assert "@system-service" in service["SystemCallFilter"][0].split()


def test_unit_runs_serve_as_a_dedicated_user() -> None:
    service = unit()["Service"]
    dynamic = service.get("DynamicUser", ["no"])[-1] == "yes"
    assert dynamic or service["User"][-1] not in {"root", "0"}
    argv = shlex.split(service["ExecStart"][-1])
    assert argv[0].endswith("/bin/citebot")
    assert argv[1:] == ["serve"]


def test_unit_environment_names_real_settings_and_the_state_directory() -> None:
    env = dict(
        item.partition("=")[::2]
        for value in unit()["Service"].get("Environment", [])
        for item in shlex.split(value)
    )
    assert env["CITEBOT_DATA_DIR"] == "%S/citebot"
    citebot_vars = {name for name in env if name.startswith("CITEBOT_")}
    assert citebot_vars <= SETTING_VARS, citebot_vars - SETTING_VARS


Verify = Callable[[str], tuple[int, list[str]]]


@pytest.fixture
def verify(tmp_path: Path) -> Verify:
    """systemd-analyze verify on a copy whose ExecStart exists (/opt/citebot is not installed)."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")

    def run(extra: str) -> tuple[int, list[str]]:
        text = UNIT_PATH.read_text(encoding="utf-8")
        text = re.sub(r"^ExecStart=\S+", "ExecStart=/bin/true", text, flags=re.M)
        copy = tmp_path / "citebot.service"
        copy.write_text(text.replace("[Service]\n", f"[Service]\n{extra}"), encoding="utf-8")
        result = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True)
        output = (result.stdout + result.stderr).splitlines()
        # Only what concerns this unit: the host's own units may draw warnings of their own.
        return result.returncode, [line for line in output if "citebot.service" in line]

    return run


def test_systemd_analyze_accepts_the_unit(verify: Verify) -> None:
    returncode, complaints = verify("")
    assert returncode == 0 and not complaints, complaints


def test_systemd_analyze_would_catch_a_misspelled_key(verify: Verify) -> None:
    """The check above is meaningful: verify exits 0 on unknown keys but names them."""
    _, complaints = verify("ProtectSystm=strict\n")
    assert any("Unknown key" in line for line in complaints), complaints


# -- docs -----------------------------------------------------------------------------------

DEPLOY_README = (DEPLOY / "README.md").read_text(encoding="utf-8")


def test_readme_points_to_deploy() -> None:
    assert "deploy/" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_deploy_readme_covers_every_file_and_the_build_command() -> None:
    for path in DEPLOY.iterdir():
        if path.name != "README.md":
            assert f"`{path.name}`" in DEPLOY_README, path.name
    assert "docker build -f deploy/Dockerfile" in DEPLOY_README
    assert ".dockerignore" in DEPLOY_README
    assert "X-Telegram-Bot-Api-Secret-Token" in DEPLOY_README


def test_deploy_readme_uses_only_real_cli_commands() -> None:
    # "exec citebot" and "-u citebot" name the compose service and the user, not the script.
    used = set(re.findall(r"(?<!exec )(?<!-u )\bcitebot ([a-z]+)\b", DEPLOY_README))
    assert used
    assert used <= cli_commands(), used - cli_commands()
