"""Per-token rate limit on the Django cache: a fixed window of requests (issue 16).

A window is ``API_RATE_LIMIT_WINDOW_SECONDS`` long and admits
``API_RATE_LIMIT_REQUESTS`` requests per token. On Redis the counter is atomic; on the
file cache two racing requests may both be admitted, which only loosens the bound.
"""

import math
import time

from django.conf import settings
from django.core.cache import cache


def rate_limit_hit(*, token_id: int) -> int:
    """Count one request of token ``token_id``; return 0 when admitted, else seconds to wait.

    The wait (for ``Retry-After``, RFC 9110 section 10.2.3) is the whole seconds until the
    current window ends, at least 1.
    """
    window = settings.API_RATE_LIMIT_WINDOW_SECONDS
    now = time.time()
    start = int(now // window) * window
    key = f"api:rate:{token_id}:{start}"
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this request opens a new window
        cache.set(key, 1, timeout=window + 1)
        count = 1
    if count <= settings.API_RATE_LIMIT_REQUESTS:
        return 0
    return max(1, math.ceil(start + window - now))
