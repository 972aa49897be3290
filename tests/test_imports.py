"""The import contract (pyproject.toml, [tool.importlinter]) holds, and every app is part of it.

`lint-imports` runs in CI too; running it here means `make test` catches a wrong import before a
push does. A new app joins the contract by being installed: the second test fails until it is
listed.
"""

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings

BASE = Path(settings.BASE_DIR)


def contract() -> dict[str, Any]:
    with (BASE / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)["tool"]["importlinter"]  # type: ignore[no-any-return]


def our_apps() -> set[str]:
    return {
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).parent == BASE and "." not in config.name
    }


def test_the_import_contract_is_kept() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=BASE,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[result.stdout.find("Broken contracts") :]


def test_every_app_is_held_to_the_contract() -> None:
    config = contract()
    contracts = {c["id"]: c for c in config["contracts"]}
    ours = our_apps()
    assert {"network", "members", "invitations", "board"} <= ours
    assert set(config["root_packages"]) == ours

    assert set(contracts["network-imports-no-app"]["forbidden_modules"]) == ours - {"network"}
    assert set(contracts["nothing-imports-board"]["source_modules"]) == ours - {"board"}
    for app in ours:
        if (BASE / app / "views.py").exists() or (BASE / app / "views").is_dir():
            views = next(
                (c for c in contracts.values() if c["forbidden_modules"] == [f"{app}.views"]),
                None,
            )
            assert views is not None, f"no contract keeps other apps out of {app}.views"
            assert set(views["source_modules"]) == ours - {app}, views["name"]
