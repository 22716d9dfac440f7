"""The one reader of integers from the environment, and PORT/HOST/WORKERS/SERVER_TIMING as serve.test.ts reads them."""

import pytest

from loopbench.env import ConfigError, int_from_env
from loopbench.serve import ServeEnv, read_serve_env


def test_int_from_env_falls_back_when_unset_or_empty() -> None:
    assert int_from_env({}, "N", 7, 0, 10, 5) == 7
    assert int_from_env({"N": ""}, "N", 7, 0, 10, 5) == 7


def test_int_from_env_reads_plain_digits_within_the_range() -> None:
    assert int_from_env({"N": "0"}, "N", 7, 0, 10, 5) == 0
    assert int_from_env({"N": "010"}, "N", 7, 0, 10, 5) == 10


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("-1", '"-1"'),
        ("11", '"11"'),
        ("1.5", '"1.5"'),
        (" 1", '" 1"'),
        ("1\n", '"1\\n"'),
        ("٣", '"٣"'),  # a digit, to int(), but not an ASCII one
        ("\udcff", '"\\udcff"'),  # an undecodable byte, as os.environ keeps it
    ],
)
def test_int_from_env_refuses_with_what_to_give(raw: str, shown: str) -> None:
    with pytest.raises(ConfigError) as refused:
        int_from_env({"N": raw}, "N", 7, 0, 10, 5)
    assert (
        str(refused.value)
        == f"N must be an integer from 0 to 10 (got {shown}), e.g. N=5"
    )


def test_read_serve_env_defaults() -> None:
    assert read_serve_env({}) == ServeEnv(
        host="127.0.0.1", port=0, workers=1, server_timing=True
    )


def test_read_serve_env_reads_every_setting() -> None:
    env = {"HOST": "::1", "PORT": "3000", "WORKERS": "4", "SERVER_TIMING": "0"}
    assert read_serve_env(env) == ServeEnv(
        host="::1", port=3000, workers=4, server_timing=False
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"PORT": "-1"},
            'PORT must be an integer from 0 to 65535 (got "-1"), e.g. PORT=3000',
        ),
        (
            {"PORT": "65536"},
            'PORT must be an integer from 0 to 65535 (got "65536"), e.g. PORT=3000',
        ),
        (
            {"PORT": "80.5"},
            'PORT must be an integer from 0 to 65535 (got "80.5"), e.g. PORT=3000',
        ),
        (
            {"WORKERS": "0"},
            'WORKERS must be an integer from 1 to 64 (got "0"), e.g. WORKERS=2',
        ),
        (
            {"WORKERS": "65"},
            'WORKERS must be an integer from 1 to 64 (got "65"), e.g. WORKERS=2',
        ),
        (
            {"SERVER_TIMING": "yes"},
            'SERVER_TIMING must be an integer from 0 to 1 (got "yes"), e.g. SERVER_TIMING=0',
        ),
    ],
)
def test_read_serve_env_refuses_as_serve_ts(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        read_serve_env(env)
    assert str(refused.value) == message
