"""The API proxy passes the learner's device id on (docs/api.md, *Throttling*): without it
every learner behind one Jupyter server would count as the one anonymous device."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.pylearn_api("echo")


async def test_the_device_header_reaches_the_api(raw_fetch, echo_api):
    device = "0123456789abcdef0123456789abcdef"
    response = await raw_fetch("/pylearn/api/v1/auth/login", body=b"{}",
                               headers={"Content-Type": "application/json",
                                        "X-PyLearn-Device": device})

    assert response.code == 200
    [seen] = echo_api.received
    assert seen["headers"]["x-pylearn-device"] == device


async def test_no_device_header_is_made_up(raw_fetch, echo_api):
    await raw_fetch("/pylearn/api/v1/auth/login", body=b"{}")

    [seen] = echo_api.received
    assert "x-pylearn-device" not in seen["headers"]
