"""
Profile photos and organisation logos. The image handling itself is shared
with other apps (speakers' photos) and lives in `conference.core.images`;
its names are re-exported here for the matchmaking code that uses them.
"""

from conference.core.images import (
    ACCEPTED_FORMATS,
    CONTENT_TYPE,
    EXTENSION,
    FORMAT,
    LARGE,
    MAX_BYTES,
    MAX_PIXELS,
    QUALITY,
    SIZES,
    SMALL,
    ImageRefused,
    ImageSwap,
    PreparedImage,
    content_type_of,
    image_prepare,
    too_large_message,
)

__all__ = [
    "ACCEPTED_FORMATS",
    "CONTENT_TYPE",
    "EXTENSION",
    "FORMAT",
    "LARGE",
    "MAX_BYTES",
    "MAX_PIXELS",
    "QUALITY",
    "SIZES",
    "SMALL",
    "ImageRefused",
    "ImageSwap",
    "PreparedImage",
    "content_type_of",
    "image_prepare",
    "too_large_message",
]
