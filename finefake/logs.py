"""Secrets never reach a log line: a logging filter that redacts credentials from every record.

At ``-vv`` libraries log their HTTP traffic: tweepy prints its request headers (``Authorization: Bearer ...``),
prawcore the form of its token requests (client secret, password), urllib3 every URL (TagMe's ``gcube-token``
query parameter). :class:`RedactSecrets` rewrites each record's message before any handler formats it: the
values of credential variables in the environment are replaced wherever they appear, and so are the values of
``Authorization`` headers, ``Bearer`` tokens and fields named like secrets (``access_token``, ``client_secret``,
``password``, ...) in JSON, Python reprs, query strings and forms.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping

REDACTED = "[REDACTED]"
#: Environment variables whose values are secrets (the credentials finefake reads, and the usual spellings).
SECRET_VARIABLE = re.compile(
    r"TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|APIKEY|CREDENTIAL|PRIVATE_KEY", re.IGNORECASE
)
#: Field names whose values are secrets wherever they appear.
_FIELDS = (
    r"access[_-]?token(?:[_-]secret)?|refresh[_-]?token|id[_-]?token|bearer[_-]?token|client[_-]?secret|"
    r"consumer[_-]?secret|password|passwd|api[_-]?key|x-api-key|gcube-token|oauth_signature|oauth_token|"
    r"token|secret"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # 'Authorization': 'Bearer x' / "authorization": "Token x" (dict reprs, JSON)
    (
        re.compile(r"""((?:proxy-)?authorization['"]?\s*[:=]\s*)(['"])(?:(?!\2).)*\2""", re.IGNORECASE),
        rf"\1\2{REDACTED}\2",
    ),
    # Authorization: Basic x (raw header lines)
    (re.compile(r"((?:proxy-)?authorization\s*:\s*)(?!['\"])[^\r\n]+", re.IGNORECASE), rf"\1{REDACTED}"),
    (re.compile(r"\b(Bearer|Basic|Token)\s+(?!\[REDACTED\])[A-Za-z0-9\-._~+/%=]{6,}"), rf"\1 {REDACTED}"),
    # "client_secret": "x" / 'password': 'x' (JSON, Python reprs, pformat)
    (
        re.compile(rf"""((?<![\w-])['"](?:{_FIELDS})['"]\s*:\s*b?)(['"])(?:\\.|(?!\2).)*\2""", re.IGNORECASE),
        rf"\1\2{REDACTED}\2",
    ),
    # ?gcube-token=x&... / client_secret=x (query strings, forms, key=value logs)
    (re.compile(rf"((?<![\w-])(?:{_FIELDS})=)[^&\s'\",;)#]+", re.IGNORECASE), rf"\1{REDACTED}"),
)


def secret_values(environ: Mapping[str, str] | None = None, *, min_length: int = 6) -> list[str]:
    """The values of credential variables in ``environ`` (``os.environ`` by default), longest first."""
    environ = os.environ if environ is None else environ
    values = {v for k, v in environ.items() if SECRET_VARIABLE.search(k) and len(v) >= min_length}
    return sorted(values, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every known secret value and every credential-shaped value replaced by [REDACTED]."""
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites each record's message (its arguments merged in) with :func:`redact`; never drops a record.

    Attached to handlers, so it sees the records of every logger that reaches them, at every level. The
    secret values are read from the environment when the filter is made (credentials come only from there).
    """

    def __init__(self, secrets: Iterable[str] | None = None):
        super().__init__()
        self.secrets = list(secrets) if secrets is not None else secret_values()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logging's to report, not ours to crash on
            return True
        record.msg, record.args = redact(message, self.secrets), None
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


def install_redaction(handlers: Iterable[logging.Handler] | None = None) -> RedactSecrets:
    """Attach one :class:`RedactSecrets` to ``handlers`` (default: every handler of every existing logger)."""
    if handlers is None:
        loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
        handlers = [h for lg in loggers if isinstance(lg, logging.Logger) for h in lg.handlers]
        if logging.lastResort is not None:
            handlers.append(logging.lastResort)
    secret_filter = RedactSecrets()
    for handler in handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactSecrets)]:
            handler.removeFilter(old)
        handler.addFilter(secret_filter)
    return secret_filter
