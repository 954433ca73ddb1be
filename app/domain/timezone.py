"""China Standard Time: China has kept a fixed +08:00 offset without daylight saving since 1991."""

from __future__ import annotations

import datetime as dt

CST = dt.timezone(dt.timedelta(hours=8))
