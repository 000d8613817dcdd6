"""How the command talks: results on stdout, diagnostics on stderr, whole lines.

* What the user asked for (the run summary, ``--json``, the ``validate`` table) goes to
  **stdout** with :func:`say`; everything else (steps, warnings, errors) goes to **stderr**
  through the :mod:`logging` logger ``retrostudy``, so ``-q`` / ``-v`` set its level.
* Every message is **one line**, printed as text: never wrapped at the terminal's width,
  never split, never read as markup (a group called ``[prior]`` prints as ``[prior]``). A
  line break inside a message becomes a space, so ``grep`` finds any message in a log.
* **Progress** with counts ("Drawing figures 3/14") is redrawn in place on stderr only when
  stderr is a terminal; otherwise each step is a plain log line and the per-item counts
  are debug lines (``-v``). Colour only on a terminal, and never with ``NO_COLOR`` set.
"""

from __future__ import annotations

import logging
import os
import sys

LOGGER = "retrostudy"
log = logging.getLogger(LOGGER)

_COLOURS = {"ERROR": "\x1b[1;31m", "WARNING": "\x1b[33m"}
_RESET = "\x1b[0m"


def one_line(text: object) -> str:
    """``text`` on one line: line breaks (and the blanks around them) become one space."""
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def say(text: object = "") -> None:
    """One line of the command's output on stdout (flushed, so pipes see it in order)."""
    sys.stdout.write(one_line(text) + "\n")
    sys.stdout.flush()


class _LineHandler(logging.Handler):
    """Writes each record as one plain line to the *current* ``sys.stderr`` (so test
    captures and redirections made after set-up are honoured). Warnings and errors are
    prefixed with their level (and a warning's code); on a terminal the prefix is coloured
    and a live progress line is cleared first."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = sys.stderr
            text = one_line(record.getMessage())
            prefix = _prefix(record)
            if prefix and _colour(stream):
                prefix = f"{_COLOURS.get(record.levelname, '')}{prefix}{_RESET}"
            _progress_line.clear(stream)
            stream.write(f"{prefix}{text}\n")
            stream.flush()
        except BrokenPipeError:
            raise
        except Exception:  # pragma: no cover - logging's own convention
            self.handleError(record)


def _prefix(record: logging.LogRecord) -> str:
    if record.levelno >= logging.ERROR:
        return "error: "
    if record.levelno >= logging.WARNING:
        code = getattr(record, "code", None)
        return f"warning {code}: " if code else "warning: "
    return ""


def _colour(stream) -> bool:
    return is_terminal(stream) and not os.environ.get("NO_COLOR")


def setup_logging(verbosity: int = 0) -> None:
    """Route the ``retrostudy`` logger to stderr: ``verbosity`` -1 (``-q``) errors only,
    0 steps and warnings, 1 (``-v``) also per-item progress and debug detail."""
    level = {-1: logging.ERROR, 0: logging.INFO}.get(verbosity, logging.DEBUG)
    log.setLevel(level)
    log.propagate = False
    for handler in list(log.handlers):
        if isinstance(handler, _LineHandler):
            log.removeHandler(handler)
    log.addHandler(_LineHandler())


class _ProgressLine:
    """The one live line of a terminal (``\\r`` + erase to end of line), else nothing."""

    def __init__(self) -> None:
        self.shown = False

    def show(self, text: str) -> None:
        stream = sys.stderr
        stream.write(f"\r\x1b[K{text}")
        stream.flush()
        self.shown = True

    def clear(self, stream) -> None:
        if self.shown:
            stream.write("\r\x1b[K")
            self.shown = False


_progress_line = _ProgressLine()


def progress(message: str, done: int | None = None, total: int | None = None) -> None:
    """The pipeline's progress callback (:func:`retrostudy.pipeline.run_study`): a step
    (``done`` None) or ``done`` of ``total`` items of the current step."""
    if done is None:
        log.info(message)
        return
    text = f"{message} {done}/{total}"
    if is_terminal(sys.stderr) and log.isEnabledFor(logging.INFO):
        if done >= (total or 0):
            _progress_line.clear(sys.stderr)
        else:
            _progress_line.show(text)
    else:
        log.debug(text)


def finish_progress() -> None:
    _progress_line.clear(sys.stderr)
