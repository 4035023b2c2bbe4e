"""Optional upstream reference data for the checks that rebuild a packaged file from its source.

The packaged files (`db/data/*.csv`, `devkit/fakeapi/bot_api_methods.json`) are committed and the
bot needs nothing else. To check them against their source, point `REFERENCE_DATA` at a folder
holding `uz-admin/` (the administrative registry) and `telegram-bot-api/api.json` (the Bot API
spec); without it those checks skip, saying so.
"""

from __future__ import annotations

import os
from pathlib import Path


def reference_data(name: str) -> Path:
    """`$REFERENCE_DATA/name`, or a path that does not exist when the variable is unset."""
    root = os.environ.get("REFERENCE_DATA", "").strip()
    if not root:
        return Path("/nonexistent-reference-data") / name
    return Path(root) / name
