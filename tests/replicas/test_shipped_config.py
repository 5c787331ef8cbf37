"""The nginx config operators install is the one the replica tests run, and what
docs/deployment.md shows of it is in it."""

from __future__ import annotations

import re
from pathlib import Path

from tests.replicas.nginx import SHIPPED, render_site

DEPLOYMENT = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"


def test_the_deployment_guide_shows_lines_of_the_shipped_config_only() -> None:
    guide = DEPLOYMENT.read_text()
    section = guide[guide.index("## Several processes") :]
    [shown] = re.findall(r"```nginx\n(.*?)```", section, re.DOTALL)[:1]
    shipped = {line.strip() for line in SHIPPED.read_text().splitlines()}

    missing = [line for line in shown.splitlines() if line.strip() not in shipped]
    assert len(shown.splitlines()) > 20
    assert missing == []


def test_rendering_for_tests_changes_only_the_ports_and_tls() -> None:
    rendered = render_site(18000, [18001, 18002, 18003])

    original = SHIPPED.read_text().splitlines()
    kept = [line for line in original if not re.search(r"listen|ssl_|127\.0\.0\.1:808", line)]
    assert [line for line in rendered.splitlines() if "1800" not in line] == kept
    assert "listen 127.0.0.1:18000;" in rendered
    assert "proxy_next_upstream error timeout http_502 http_503 non_idempotent;" in rendered
