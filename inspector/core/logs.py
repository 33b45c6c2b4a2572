"""Logging set-up (Qt-free): a rotating file in the user log dir, and warnings on stderr."""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from .paths import log_dir

LOG_NAME = "inspector.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_MARK = "_inspector_handler"  # set on our handlers, so a second call adds nothing


def log_file() -> Path:
    return log_dir() / LOG_NAME


def setup_logging(level: int = logging.INFO) -> Path:
    """Attach the file and stderr handlers to the ``inspector`` logger once; return the log file."""
    logger = logging.getLogger("inspector")
    path = log_file()
    for handler in list(logger.handlers):
        if getattr(handler, _MARK, False):
            if getattr(handler, "baseFilename", None) in (None, str(path)):
                continue
            # the log dir changed (tests redirect it): move the file handler to the new place
            logger.removeHandler(handler)
            handler.close()
    kinds = {type(h) for h in logger.handlers if getattr(h, _MARK, False)}
    if RotatingFileHandler not in kinds:
        fh = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
        fh.setFormatter(logging.Formatter(FORMAT))
        fh.setLevel(level)
        setattr(fh, _MARK, True)
        logger.addHandler(fh)
    if logging.StreamHandler not in kinds and not _root_prints_to_stderr():
        err = logging.StreamHandler(sys.stderr)
        err.setFormatter(logging.Formatter("inspector: %(levelname)s: %(message)s"))
        err.setLevel(logging.WARNING)
        setattr(err, _MARK, True)
        logger.addHandler(err)
    logger.setLevel(min(level, logger.level or level))
    return path


def _root_prints_to_stderr() -> bool:
    """The CLI's basicConfig already prints warnings; a second stderr handler would double them."""
    return any(
        type(h) is logging.StreamHandler and getattr(h, "stream", None) is sys.stderr
        for h in logging.getLogger().handlers
    )
