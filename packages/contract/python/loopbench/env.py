"""The one reader of integers from the environment, with serve.ts's rules and message."""

import re
from collections.abc import Mapping

from .contract import js_json

# ASCII digits only: \d would take other scripts' digits, as int() would.
_DIGITS = re.compile(r"[0-9]+")


class ConfigError(ValueError):
    """A setting from the environment the server cannot start with; the message says what to give."""


def int_from_env(
    env: Mapping[str, str], key: str, fallback: int, low: int, high: int, example: int
) -> int:
    """`env[key]` as an integer from `low` to `high`; `fallback` when unset or empty. As serve.ts integerFromEnv."""
    raw = env.get(key, "")
    if raw == "":
        return fallback
    if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
        raise ConfigError(
            f"{key} must be an integer from {low} to {high} (got {js_json(raw)}), e.g. {key}={example}"
        )
    return int(raw)
