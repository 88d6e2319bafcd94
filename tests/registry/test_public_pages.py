"""The public registry pages answer in Chinese HTML without a login: the home page with
totals, chart, batches, retirements and serial search; certificates with their QR code;
a Chinese 404 for an unknown certificate; a strict CSP and nothing inline."""

from __future__ import annotations

import re
from html import unescape

from app.qrimage import qr_png
from tests.registry.public_support import BENEFICIARY, BUYER, retired_story

PAGES = "/registry"


def _html(response) -> str:
    assert response.mimetype == "text/html", response.mimetype
    return response.get_data(as_text=True)


def _assert_strict(client, response) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "default-src 'none'" in csp
    html = response.get_data(as_text=True)
    assert "<script>" not in html and " style=" not in html  # the CSP allows nothing inline
    for src in re.findall(r'(?:src|href)="(/registry/static/[^"]+)"', html):
        asset = client.get(src)
        assert asset.status_code == 200, src
        asset.close()


def test_home_page_shows_totals_chart_batches_and_retirements(app, client, make_operator):
    story = retired_story(app, client, make_operator)
    response = client.get(f"{PAGES}/")
    assert response.status_code == 200
    html = _html(response)
    _assert_strict(client, response)
    assert "核证减排量" in html and 'lang="zh-CN"' in html
    issued = re.search(
        r'data-stat="issued".*?stat-value">([^<]+)<.*?stat-sub">([^<]+)<', html, re.S
    )
    assert issued.groups() == ("0.010 ", "10 kg")
    retired = re.search(
        r'data-stat="retired".*?stat-value">([^<]+)<.*?stat-sub">([^<]+)<', html, re.S
    )
    assert retired.groups() == ("0.003 ", "3 kg · 1 笔")
    assert 'id="issuance-chart"' in html and html.count('class="bar series-0"') == 1
    assert 'data-kg="10"' in html
    row = re.search(rf'<tr data-batch-id="{story.batch["id"]}".*?</tr>', html, re.S).group(0)
    assert story.batch["serial"] in row and story.batch["merkle_root"] in row
    assert "中环联合认证" in row and "已签发" in row and "0.011" in row  # 10.64 kg of records
    retirement = re.search(rf'<tr data-certificate="{story.certificate_id}".*?</tr>', html, re.S)
    assert BENEFICIARY in retirement.group(0) and "履约抵消（2026 年度）" in retirement.group(0)
    assert f'href="/registry/certificates/{story.certificate_id}"' in retirement.group(0)


def test_serial_search_says_where_units_are(app, client, make_operator):
    story = retired_story(app, client, make_operator)
    html = _html(client.get(f"{PAGES}/", query_string={"serial": f"{story.batch['serial']}-2"}))
    results = re.search(r'<table class="data" id="serial-results">.*?</table>', html, re.S).group(0)
    assert story.retired_serial in results and "已注销" in results
    assert f"/registry/certificates/{story.certificate_id}" in results

    everything = _html(
        client.get(f"{PAGES}/", query_string={"serial": f" {story.batch['serial'].lower()}-1-10 "})
    )
    statuses = re.findall(r'<tr data-status="(\w+)">', everything)
    assert statuses == ["retired", "held", "held", "buffer"]
    assert BUYER in everything

    missing = client.get(
        f"{PAGES}/", query_string={"serial": "CN-XX-PH-P999-20260101-20260131-001-1"}
    )
    assert missing.status_code == 200 and 'id="serial-empty"' in _html(missing)
    for bad in ("x" * 101, "碳普惠", "CN\x00"):
        refused = client.get(f"{PAGES}/", query_string={"serial": bad, "utm_source": "wx"})
        assert refused.status_code == 400 and 'id="serial-error"' in _html(refused)


def test_certificate_page_and_its_qr(app, client, make_operator, monkeypatch):
    story = retired_story(app, client, make_operator)
    path = f"{PAGES}/certificates/{story.certificate_id}"
    response = client.get(path)
    assert response.status_code == 200
    html = _html(response)
    _assert_strict(client, response)
    for text in (
        story.certificate_id,
        BUYER,
        BENEFICIARY,
        "履约抵消",
        "2026",
        "中国（CN）",
        "3 kgCO2e ＝ 0.003 tCO2e",
        story.retired_serial,
        story.batch["serial"],
        "公交出行（方法学 v1）（P001）",
        "中环联合认证",
        story.batch["merkle_root"],
        "抵消 2026 年度差旅排放",
        "北京时间",
    ):
        assert text in html, text
    assert story.batch["programme"]["source"] and story.batch["programme"]["source"] in unescape(
        html
    )
    assert f"http://localhost{path}" in html  # the URL the QR code carries

    qr = client.get(f"{path}/qr.png")
    assert qr.status_code == 200 and qr.mimetype == "image/png"
    assert qr.data == qr_png(f"http://localhost{path}")  # deterministic: it encodes this URL

    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://tanpuhui.example.cn/")
    public = f"https://tanpuhui.example.cn{path}"
    assert public in _html(client.get(path))
    assert client.get(f"{path}/qr.png").data == qr_png(public)


def test_unknown_certificate_is_a_chinese_404_and_ids_are_normalised(app, client, make_operator):
    story = retired_story(app, client, make_operator)
    for wrong in ("RT000000000000", "nope-not-an-id", "x" * 40):
        response = client.get(f"{PAGES}/certificates/{wrong}")
        assert response.status_code == 404, wrong
        assert "未找到该页面或证书" in _html(response)
        assert response.headers["Cache-Control"] == "no-store"
    assert client.get(f"{PAGES}/certificates/RT000000000000/qr.png").status_code == 404

    lower = client.get(f"{PAGES}/certificates/{story.certificate_id.lower()}")
    assert lower.status_code == 301
    assert lower.headers["Location"].endswith(f"/registry/certificates/{story.certificate_id}")
    typed = client.get(f"{PAGES}/certificates", query_string={"id": f" {story.certificate_id} "})
    assert typed.status_code == 302
    assert typed.headers["Location"].endswith(f"/registry/certificates/{story.certificate_id}")
    assert client.get(f"{PAGES}/certificates", query_string={"id": "<b>"}).status_code == 404


def test_an_empty_registry_renders(app, client):
    response = client.get(f"{PAGES}/")
    assert response.status_code == 200
    html = _html(response)
    assert 'id="chart-empty"' in html and "暂无注销记录" in html
    assert re.search(r'data-stat="issued".*?stat-value">0.000 <', html, re.S)
