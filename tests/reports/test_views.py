"""The report page: who may open it, what it shows, bad filters."""

from __future__ import annotations

import html
import json
import re

import pytest

ALL_TIME = {"date_from": "", "date_to": ""}


def page(client, **params) -> str:
    response = client.get("/reports/", query_string=params)
    assert response.status_code == 200, response.data[:300]
    return response.get_data(as_text=True)


def figure(text: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', text)
    assert match, name
    return match.group(1).strip()


def charts(text: str) -> list[dict]:
    return [json.loads(html.unescape(raw)) for raw in re.findall(r"data-chart='([^']*)'", text)]


def partners(text: str) -> dict[str, list[str]]:
    """The centre's flow table: short name -> [sent, enrolled, received, enrolled]."""
    rows = re.findall(r'<tr data-partner="([^"]+)">(.*?)</tr>', text, re.S)
    return {name: re.findall(r'<td class="text-end">(\d+)</td>', cells) for name, cells in rows}


def test_manager_sees_their_centre_dashboard(network, client, login):
    login(network.manager)
    text = page(client, **ALL_TIME)
    assert 'href="/reports/"' in text  # the nav item
    assert "vendor/chart.umd.min.js" in text
    # Centre A: R1, R2, R5, R11, R12 (see conftest)
    assert figure(text, "submitted") == "5"
    assert figure(text, "open") == "2"  # R5, R12
    # trend, funnel and reasons charts, each with its data
    trend, funnel, reasons = charts(text)
    assert trend["type"] == "line"
    assert trend["data"]["labels"] == [
        "2025-01",
        "2025-02",
        "2025-03",
        "2025-04",
        "2025-05",
        "2025-06",
    ]
    assert trend["data"]["datasets"][0]["data"] == [1, 0, 2, 0, 0, 2]
    assert funnel["data"]["datasets"][0]["data"] == [5, 3, 2, 2, 2]
    assert reasons["data"]["datasets"][0]["data"] == [1]  # R2 not eligible
    # the flows with each other centre, both ways: A→B R1 (enrolled), R12; B→A R5;
    # A→C R2; C→A R11 (enrolled); the busiest partner first
    assert partners(text) == {"B": ["2", "1", "1", "0"], "C": ["1", "0", "1", "1"]}
    assert list(partners(text)) == ["B", "C"]
    # never another centre's referrals between two other centres (no heat map)
    assert "data-flow=" not in text
    assert "REF-2025-000003" not in text


def test_admin_sees_the_network(network, client, login):
    login(network.admin)
    text = page(client, **ALL_TIME)
    assert figure(text, "submitted") == "11"
    assert re.search(r'data-flow="C-B">1<', text)


def test_leader_sees_their_community(network, client, login):
    login(network.leader)
    text = page(client, **ALL_TIME)
    assert figure(text, "submitted") == "7"
    # a leader cannot widen the report to the network: the form refuses, defaults apply
    text = page(client, view="network", **ALL_TIME)
    assert "Some filters are not valid" in text


@pytest.mark.parametrize("role_user", ["coordinator", "anonymous"])
def test_others_have_no_reports(network, client, login, role_user):
    if role_user == "coordinator":
        login(network.coordinators["A"])
        assert client.get("/reports/").status_code == 403
        assert 'href="/reports/"' not in client.get("/home").get_data(as_text=True)
    else:
        response = client.get("/reports/")
        assert response.status_code == 302 and "/login" in response.location


def test_filters_narrow_the_page(network, client, login):
    login(network.admin)
    text = page(client, date_from="2025-03-01", date_to="2025-05-31")
    assert figure(text, "submitted") == "5"  # R1, R2, R3, R4, R6
    text = page(client, urgency="urgent", **ALL_TIME)
    assert figure(text, "submitted") == "2"
    text = page(client, trial=str(network.trials["T2"].id), **ALL_TIME)
    assert figure(text, "submitted") == "3"


def test_bad_filters_get_a_message_not_an_error(network, client, login):
    login(network.manager)
    for params in (
        {"date_from": "2025-06-01", "date_to": "2025-01-01"},
        {"date_from": "yesterday"},
        {"trial": "abc"},
        {"trial": "999999"},
        {"urgency": "whenever"},
    ):
        text = page(client, **params)
        assert "Some filters are not valid" in text, params


def test_default_is_the_last_twelve_months(network, client, login):
    login(network.admin)
    text = page(client)
    assert re.search(r'name="date_from"[^>]*value="\d{4}-\d{2}-01"', text)


def test_french_headers_over_counts_are_plural(network, client, login, db):
    """Issue 16's leftover: "Acceptée" over a column of counts; the referral's own state
    keeps its singular (the same English word, another message context)."""
    from referral_app.models import Language

    network.manager.language = Language.FR
    db.session.commit()
    login(network.manager)
    text = page(client, **ALL_TIME)
    headers = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', text)
    for plural in ("Soumises", "Acceptées", "Refusées", "Ouvertes"):
        assert plural in headers, (plural, headers)
    assert "Acceptée" not in headers and "Inscrite à l&#39;essai" not in headers
    funnel = re.findall(r'<th scope="row">([^<]+)</th>', text)
    assert "Inscrites à l&#39;essai" in funnel or "Inscrites à l'essai" in funnel, funnel
