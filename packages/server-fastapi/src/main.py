"""Starts this package's FastAPI app on uvicorn (h11, asyncio), as the environment says: PORT, HOST, WORKERS."""

import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
# The contract's Python module, beside this package in the workspace.
sys.path.insert(0, str(PACKAGE_DIR.parent / "contract" / "python"))

from loopbench.uvicorn_server import serve_uvicorn

if __name__ == "__main__":
    # An import string, not the object: WORKERS=N spawns processes that import it themselves.
    serve_uvicorn(PACKAGE_DIR, "app:app")
