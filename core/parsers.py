"""Request parsers of the API (DEFAULT_PARSER_CLASSES).

A module of its own, importing no DRF views: DRF resolves DEFAULT_PARSER_CLASSES while
``rest_framework.views`` is being imported, and ``core.api`` imports that module.
"""

from __future__ import annotations

import json
from typing import Any

from rest_framework import exceptions, parsers


class StrictJSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing documents Python can read but not store or send back.

    ``"\\ud800"`` is valid JSON text for a lone UTF-16 surrogate: it decodes to a Python string
    that PostgreSQL, the response renderer and the logs all fail to encode (a 500 wherever
    it ends up). Very deep nesting overflows the decoder's recursion.
    """

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None
        except UnicodeEncodeError:
            raise exceptions.ParseError(
                "JSON parse error - an unpaired surrogate escape (\\ud800-\\udfff) is not text."
            ) from None
        return data
