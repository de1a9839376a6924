"""A plain progress bar on standard error for long management commands."""

import time


class ProgressBar:
    WIDTH = 30

    def __init__(self, stream, title, every=0.2):
        self.stream, self.title, self.every = stream, title, every
        self._last = 0.0
        self._drawn = False

    def __call__(self, done, total, label=""):
        now = time.monotonic()
        if done < total and now - self._last < self.every:
            return
        self._last = now
        share = done / total if total else 1.0
        filled = int(self.WIDTH * share)
        label = (label or "")[-40:]
        self.stream.write(f"\r{self.title} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {share:4.0%} {done}/{total} {label:<40}", ending="")
        self.stream.flush()
        self._drawn = True

    def finish(self):
        if self._drawn:
            self.stream.write("", ending="\n")
            self.stream.flush()
