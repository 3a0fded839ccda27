"""One parser per input format, behind `parse_input` which detects the format."""

from papertriage.parsers.detect import FORMATS, detect_format, parse_input

__all__ = ["FORMATS", "detect_format", "parse_input"]
