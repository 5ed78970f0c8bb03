"""Sans-IO frame codecs: ``encode(payload) -> bytes``; ``decode(buf) -> (used, frame)``."""
