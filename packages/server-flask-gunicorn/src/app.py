"""server-flask's app object, imported, not copied: only the server around it differs."""

import importlib.util
from pathlib import Path

from flask import Flask

FLASK_APP_FILE = Path(__file__).resolve().parents[2] / "server-flask" / "src" / "app.py"


def _load() -> Flask:
    # By file: both packages name their module app.py.
    spec = importlib.util.spec_from_file_location("server_flask_app", FLASK_APP_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    flask_app = module.app
    assert isinstance(flask_app, Flask)
    return flask_app


app = _load()
