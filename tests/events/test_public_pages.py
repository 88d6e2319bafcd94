"""The public event pages answer in Chinese HTML without a login: the list with stage,
total, offset status and the overdue badge; each event's certificate with its sources,
factor versions, serial ranges, dates, who checked it (or self-declared) and its QR; a
Chinese 404 for an unknown id; the registry's strict CSP and nothing inline."""

from __future__ import annotations

import re
from html import unescape

from app.registry.pages import qr_png
from tests.events.support import make_event, offset_event_story, overdue_event
from tests.registry.support import new_holder, world

PAGES = "/registry/events"


def _html(response) -> str:
    assert response.mimetype == "text/html", response.mimetype
    return unescape(response.get_data(as_text=True))


def _assert_strict(client, response) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    html = response.get_data(as_text=True)
    assert "<script>" not in html and " style=" not in html
    for src in re.findall(r'(?:src|href)="(/registry/static/[^"]+)"', html):
        asset = client.get(src)
        assert asset.status_code == 200, src
        asset.close()


def _row(html: str, attr: str, value: str) -> str:
    found = re.search(rf'<tr {attr}="{re.escape(value)}".*?</tr>', html, re.S)
    assert found, f"no row {attr}={value}"
    return found.group(0)


def test_the_certificate_of_a_checked_and_offset_event(app, client, make_operator):
    w = world(app, client, make_operator)
    organiser_id, organiser = new_holder(client, w, "FORUM", "论坛组委会", kind="event_organiser")
    story = offset_event_story(app, client, w, organiser_id, organiser)
    public_id = story.event["public_id"]

    response = client.get(f"{PAGES}/{public_id}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=60"
    _assert_strict(client, response)
    html = _html(response)
    assert 'lang="zh-CN"' in html and "活动碳中和证明" in html
    assert 'data-stage="offset"' in html and "已碳中和" in html
    assert "论坛组委会" in html and "市会展中心" in html and "无纸化会议" in html
    # The total in t (3 decimals) and kg, the kg required rounded up.
    assert "3,305.060 kgCO2e（3.305 tCO2e）" in html
    assert "3,306 kgCO2e（按千克向上取整）" in html
    # By source, every line with its factor code, version, unit, kg per unit and source.
    by_source = re.search(r'<table [^>]*id="by-source">.*?</table>', html, re.S).group(0)
    assert '<th class="num" data-category="travel">交通出行</th>' in by_source
    assert '<td class="num" data-category="travel">232.300</td>' in by_source
    assert '<td class="num total">3,305.060</td>' in by_source
    electricity = _row(html, 'data-line="[0-9]+" data-factor', "grid_electricity")
    for text in ("grid_electricity · v1", "1,200 kWh", "0.5366 /kWh", "643.920", "官方发布"):
        assert text in electricity, text
    assert "2022" in electricity  # its source: the MEE/NBS 2022 grid factor
    car = _row(html, 'data-line="[0-9]+" data-factor', "travel_car")
    assert "1,880 人·公里" in car and "225.600" in car and "示意值" in car
    assert "未记录出行：94 人" in car
    assert len(re.findall(r'<tr data-line="', html)) == 10
    # The retirements: serial ranges, dates in Asia/Shanghai, certificate links.
    first = _row(html, "data-certificate", story.certificates[0])
    assert f"{story.batch['serial']}-1-3000" in first and "3,000" in first
    assert re.search(r"20\d\d-\d\d-\d\d \d\d:\d\d", first)
    assert f'href="/registry/certificates/{story.certificates[0]}"' in first
    second = _row(html, "data-certificate", story.certificates[1])
    assert f"{story.batch['serial']}-3001-3306" in second
    # Checked by the verifier, not self-declared; not overdue.
    assurance = re.search(r'<dd id="assurance" data-checked="(\w+)">(.*?)</dd>', html, re.S)
    assert assurance.group(1) == "true" and "第三方核查" in assurance.group(2)
    assert "中环联合认证" in assurance.group(2) and "自我声明" not in assurance.group(2)
    assert 'id="overdue-banner"' not in html
    # Its QR is the page's own public URL.
    url = f"http://localhost{PAGES}/{public_id}"
    assert f'<span class="mono url" id="public-url">{url}</span>' in html
    qr = client.get(f"{PAGES}/{public_id}/qr.png")
    assert qr.status_code == 200 and qr.mimetype == "image/png"
    assert qr.data == qr_png(url)

    # The list: stage, total in t, what is offset.
    listed = _html(client.get(f"{PAGES}/"))
    row = _row(listed, "data-event", public_id)
    assert "已碳中和" in row and "3.305" in row and "已抵消 3,306 kg" in row
    assert f'href="{PAGES}/{public_id}"' in row and "逾期" not in row


def test_a_self_declared_overdue_event_and_a_planned_one(app, client, make_operator):
    w = world(app, client, make_operator)
    _, organiser = new_holder(client, w, "LATE", "迟到的主办方", kind="event_organiser")
    late = overdue_event(client, w, organiser)
    planned = make_event(client, w, organiser, name="明年的展览", kind="exhibition")

    html = _html(client.get(f"{PAGES}/{late['public_id']}"))
    assert 'id="overdue-banner"' in html and "逾期未抵消" in html
    assert "已抵消 0 / 78 kg" in html  # 100 kWh x 0.5366 + 10 x 20 km x 0.12 = 77.66 kg
    assurance = re.search(r'<dd id="assurance" data-checked="(\w+)">(.*?)</dd>', html, re.S)
    assert assurance.group(1) == "false" and "自我声明" in assurance.group(2)
    assert 'id="no-retirements"' in html and "活动碳排放核算公示" in html

    html = _html(client.get(f"{PAGES}/{planned['public_id']}"))
    assert "筹备中" in html and "核算尚未完成" in html and 'id="overdue-banner"' not in html

    api = client.get("/api/v1/public/events").get_json()["items"]
    assert {e["public_id"]: e["overdue"] for e in api} == {
        late["public_id"]: True,
        planned["public_id"]: False,
    }
    listed = _html(client.get(f"{PAGES}/", query_string={"utm_source": "wx"}))
    row = _row(listed, "data-event", late["public_id"])
    assert 'data-overdue="1"' in row and "逾期未抵消" in row and "已核算" in row
    assert "尚未核算" in _row(listed, "data-event", planned["public_id"])


def test_unknown_ids_and_bad_queries(app, client, make_operator):
    w = world(app, client, make_operator)
    _, organiser = new_holder(client, w, "ORG", "主办方", kind="event_organiser")
    event = make_event(client, w, organiser)
    for path in (f"{PAGES}/EV0000000000", f"{PAGES}/碳普惠", f"{PAGES}/{'A' * 40}/qr.png"):
        response = client.get(path)
        assert response.status_code == 404, path
        html = _html(response)
        assert "未找到该活动" in html and response.headers["Cache-Control"] == "no-store"
    lower = client.get(f"{PAGES}/{event['public_id'].lower()}")
    assert lower.status_code == 301
    assert lower.headers["Location"].endswith(f"{PAGES}/{event['public_id']}")
    refused = client.get(f"{PAGES}/", query_string={"cursor": "not a cursor!"})
    assert refused.status_code == 400 and 'id="list-error"' in _html(refused)
    empty = client.get(f"{PAGES}/", query_string={"cursor": "djE6MQ"})  # v1:1: nothing older
    assert empty.status_code == 200 and 'id="events-empty"' in _html(empty)


def test_the_registry_home_links_the_events(client):
    html = _html(client.get("/registry/"))
    assert f'href="{PAGES}/"' in html and "零碳活动" in html
