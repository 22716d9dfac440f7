"""Starts this package's FastAPI app on uvicorn (h11, asyncio), as the environment says: PORT, HOST, WORKERS.
The contract's module comes through PYTHONPATH, which npm start and the harness set from package.json."""

import sys
from pathlib import Path

try:
    from loopbench.uvicorn_server import serve_uvicorn
except ModuleNotFoundError as missing:
    if missing.name != "loopbench":
        raise
    sys.exit(
        "fastapi-def: no module loopbench; start with PYTHONPATH=../contract/python, as npm start does"
    )

PACKAGE_DIR = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    # An import string, not the object: WORKERS=N spawns processes that import it themselves.
    serve_uvicorn(PACKAGE_DIR, "app:app")
