"""``corridor admin``: organisations, users, tokens and ownership from the shell."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor_twin.cli import main
from corridor_twin.store import Store


def test_admin_commands_manage_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = ["admin", "--data-dir", str(tmp_path)]
    assert main([*d, "create-org", "Poti Sea Port"]) == 0
    assert "bootstrapped an empty store" in capsys.readouterr().err  # the first use creates it
    assert main([*d, "create-user", "poti", "--org", "Poti Sea Port", "--role", "editor"]) == 0
    assert main([*d, "grant", "titr", "nodes", "GE_POT", "Poti Sea Port"]) == 0
    capsys.readouterr()
    assert main([*d, "issue-token", "poti", "--label", "laptop"]) == 0
    token = capsys.readouterr().out.strip()
    assert main([*d, "rules", "titr"]) == 0
    assert "Poti Sea Port\tnodes\tGE_POT" in capsys.readouterr().out
    assert main([*d, "users"]) == 0
    assert "poti\tPoti Sea Port\teditor" in capsys.readouterr().out
    with Store.open(f"sqlite:///{tmp_path / 'corridor.sqlite3'}") as store:
        who = store.authenticate(token)
        assert (who.user, who.organisation, who.role) == ("poti", "Poti Sea Port", "editor")
        assert store.owners("titr", "nodes", "GE_POT") == ["Georgian Railway", "Poti Sea Port"]
    # only admins may act; mistakes exit 2 with one line
    assert main([*d, "--as", "poti", "users"]) == 2
    assert "not an admin" in capsys.readouterr().err
    assert main([*d, "create-user", "x", "--org", "Nowhere"]) == 2
    assert main([*d, "create-org", "Poti Sea Port"]) == 2
