"""Every PyLearn endpoint is behind Jupyter's authentication."""

from __future__ import annotations

import pytest

ENDPOINTS = [
    ("GET", "/pylearn/catalog"),
    ("POST", "/pylearn/exercises/sample.greet/open"),
    ("POST", "/pylearn/exercises/sample.greet/reset"),
    ("POST", "/pylearn/chapters/sample/intro/open"),
    ("GET", "/pylearn/api/v1/health"),
    ("POST", "/pylearn/api/v1/auth/login"),
    ("DELETE", "/pylearn/api/v1/me"),
    ("GET", "/pylearn/elsewhere"),
]


@pytest.mark.pylearn_api("echo")
@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
async def test_requests_without_the_jupyter_token_are_refused(raw_fetch, jp_root_dir, echo_api,
                                                              method, path):
    response = await raw_fetch(path, method=method, headers={"Authorization": ""})

    assert response.code == 403
    assert not (jp_root_dir / "pylearn").exists()
    assert echo_api.received == []


@pytest.mark.pylearn_api("echo")
async def test_a_wrong_jupyter_token_is_refused(raw_fetch, echo_api):
    response = await raw_fetch("/pylearn/api/v1/me", method="GET",
                               headers={"Authorization": "token not-the-token"})

    assert response.code == 403
    assert echo_api.received == []


XSRF = "0123456789abcdef0123456789abcdef"


async def browser_login(raw_fetch, jp_serverapp) -> str:
    """What a browser holds after opening ``/lab?token=...``: Jupyter's login cookie."""
    token = jp_serverapp.identity_provider.token
    response = await raw_fetch(f"/api/status?token={token}", method="GET",
                               headers={"Authorization": ""})
    return response.headers["Set-Cookie"].split(";")[0]


async def test_a_browser_post_without_the_xsrf_token_is_refused(raw_fetch, jp_serverapp,
                                                                 jp_root_dir):
    login_cookie = await browser_login(raw_fetch, jp_serverapp)
    response = await raw_fetch("/pylearn/exercises/sample.greet/open",
                               headers={"Authorization": "", "Cookie": login_cookie})

    assert response.code == 403
    assert not (jp_root_dir / "pylearn").exists()


async def test_a_browser_post_with_the_xsrf_token_is_accepted(raw_fetch, jp_serverapp):
    login_cookie = await browser_login(raw_fetch, jp_serverapp)
    response = await raw_fetch("/pylearn/exercises/sample.greet/open", headers={
        "Authorization": "", "Cookie": f"{login_cookie}; _xsrf={XSRF}", "X-XSRFToken": XSRF})

    assert response.code == 200


@pytest.mark.pylearn_api("echo")
async def test_a_browser_reaches_the_api_with_its_pylearn_token(raw_fetch, jp_serverapp,
                                                               echo_api):
    login_cookie = await browser_login(raw_fetch, jp_serverapp)
    response = await raw_fetch("/pylearn/api/v1/submissions", body=b'{"items": []}', headers={
        "Authorization": "Bearer pylearn-jwt", "Content-Type": "application/json",
        "Cookie": f"{login_cookie}; _xsrf={XSRF}", "X-XSRFToken": XSRF})

    assert response.code == 200
    [seen] = echo_api.received
    assert seen["headers"]["authorization"] == "Bearer pylearn-jwt"
    assert "cookie" not in seen["headers"]
    assert "x-xsrftoken" not in seen["headers"]
