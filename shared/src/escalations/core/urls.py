"""URLs in free text: find them and mask them as ``[url]``. Pure, no I/O.

Sensitive escalations travel to chat and e-mail with their title only, and any URL in that
title reads ``[url]`` (docs/contract/guarantees.md, "Sensitive content"). The pattern is
the intake's (``escalations_intake.redaction``): any bounded scheme or a bare ``www.``, up
to the next white space.
"""

from __future__ import annotations

import re

# Shorter than the shortest URL the pattern finds, so a masked text never outgrows the
# limits it was validated against, and never turns blank.
URL_MARK = "[url]"
_URL = re.compile(r"(?i)\b(?:[a-z][a-z0-9+.-]{0,31}://|www\.)\S+")


def mask_urls(text: str) -> str:
    """Return ``text`` with every URL in it replaced by ``[url]``."""
    return _URL.sub(URL_MARK, text)
