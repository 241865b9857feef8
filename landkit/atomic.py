"""Atomic outputs: nothing half-written is ever left where a user would find it, nothing of theirs is lost.

Files and folders are written to a temporary sibling and moved into place with ``os.replace``
(atomic on one file system); an exception leaves the previous version, or nothing, behind.

Output folders follow three rules:

- landkit writes a folder only where nothing is, into an empty folder, or over a folder that holds
  a landkit output (recognised by its record :data:`MARKER`, or the ``audit.json`` of a run bundle
  written before the record existed) and nothing else. A file, a folder of the user's, or a landkit
  output to which someone added files is refused with an :class:`OutputFolderError` that names the
  path and says what to do; ``force=True`` (``--force``) replaces a landkit output even with added
  files, never anything else;
- the temporary sibling is named ``.NAME.landkit-partial-PID-…``; one left behind by a process that
  died (a kill, a power cut) is removed by the next write to the same place;
- files and folders get the permissions the user's umask gives (not the private 0700 of
  :func:`tempfile.mkdtemp`), so colleagues on a shared drive can open a bundle.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from landkit._errors import OutputFolderError

#: The record landkit leaves in every output folder it writes: which files it wrote, when, what kind.
MARKER = ".landkit-output.json"
_PARTIAL = "landkit-partial"
_OLD = "landkit-old"


def umask() -> int:
    """The process umask (read from /proc on Linux, without changing it; else set and restored)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def _open_up(path: Path, *, directory: bool) -> None:
    """Give ``path`` the mode a plain ``mkdir``/``open`` would have (0777/0666 less the umask)."""
    os.chmod(path, (0o777 if directory else 0o666) & ~umask())


def pid_alive(pid: int) -> bool:
    """True while a process with this id runs (ours or someone else's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def sweep_leftovers(path: Path) -> list[Path]:
    """Remove partial outputs beside ``path`` left by landkit processes that no longer run.

    Only siblings named ``.NAME.landkit-partial-PID-…`` or ``.NAME.landkit-old-PID-…`` whose PID
    is dead are removed; a running landkit's temporary folder is left alone. Returns what was removed.
    """
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.(?:{_PARTIAL}|{_OLD})-(\d+)-")
    removed: list[Path] = []
    if not path.parent.is_dir():
        return removed
    for sibling in path.parent.iterdir():
        m = pattern.match(sibling.name)
        if m and not pid_alive(int(m.group(1))):
            kept = sibling / path.name
            if f".{_OLD}-" in sibling.name and kept.is_dir() and not path.exists():
                os.replace(kept, path)  # an earlier output left mid-swap: restored, not deleted
            if sibling.is_dir() and not sibling.is_symlink():
                shutil.rmtree(sibling, ignore_errors=True)
            else:
                sibling.unlink(missing_ok=True)
            removed.append(sibling)
    return removed


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _changed_files(folder: Path, written: dict[str, Any]) -> list[str]:
    """Files whose content differs from what landkit wrote (an edited parameters.yaml, say)."""
    changed = []
    for rel, meta in written.items():
        f = folder / rel
        if not isinstance(meta, dict) or not f.is_file():
            continue
        if f.stat().st_size != meta.get("size") or _digest(f) != meta.get("sha256"):
            changed.append(rel)
    return changed


def _listed_files(folder: Path) -> set[str] | None:
    """The files a landkit output says it wrote, unchanged since (relative paths), or None if ``folder`` is
    not one. A file landkit wrote that was edited since counts as the user's."""
    marker = folder / MARKER
    if marker.is_file():
        try:
            record = json.loads(marker.read_text(encoding="utf-8"))
            files = record["files"]
            if isinstance(files, dict):
                return (set(files) - set(_changed_files(folder, files))) | {MARKER}
            return {str(f) for f in files} | {MARKER}
        except (OSError, ValueError, KeyError, TypeError):
            return None
    audit = folder / "audit.json"  # a run bundle written before the marker existed
    if audit.is_file():
        try:
            record = json.loads(audit.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if isinstance(record, dict) and "landkit_audit" in record and isinstance(record.get("outputs"), list):
            return {str(f) for f in record["outputs"]} | {"audit.json"}
    return None


def _files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


def check_output_folder(path: str | os.PathLike[str], *, force: bool = False) -> None:
    """Refuse an output folder that would destroy something landkit did not write.

    Parameters
    ----------
    path : path
        The folder a command is about to write.
    force : bool
        Replace a landkit output even if files were added to it since.

    Raises
    ------
    OutputFolderError
        ``path`` is a file, a folder that is not a landkit output, or a landkit output holding files
        landkit did not write (without ``force``). The message names the path and what to do.
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return
    if not path.is_dir() or path.is_symlink():
        raise OutputFolderError(
            f"{path} exists and is not a folder: landkit will not replace it. Choose another output folder "
            f"(--out), e.g. {path.with_name(path.name + '_landkit')}")
    if not any(path.iterdir()):
        return
    listed = _listed_files(path)
    if listed is None:
        raise OutputFolderError(
            f"{path} holds files that landkit did not write (it has no {MARKER}): landkit will not replace "
            f"them. Choose a new or empty output folder (--out), e.g. {path / 'landkit_out'}")
    extra = sorted(_files_under(path) - listed)
    if extra and not force:
        shown = ", ".join(extra[:5]) + (f" and {len(extra) - 5} more" if len(extra) > 5 else "")
        raise OutputFolderError(
            f"{path} is a landkit output, but {len(extra)} file(s) in it were added or edited since landkit wrote "
            f"them ({shown}): they would be lost. Move them out, choose another output folder (--out), or pass "
            "--force to replace the folder and everything in it")


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP for a moment (main thread only); they arrive after the block."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _temp_sibling(path: Path, tag: str) -> Path:
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.{tag}-{os.getpid()}-", dir=path.parent))
    _open_up(tmp, directory=True)
    return tmp


def _write_marker(folder: Path, kind: str) -> None:
    files = {rel: {"size": (folder / rel).stat().st_size, "sha256": _digest(folder / rel)}
             for rel in sorted(_files_under(folder)) if (folder / rel).is_file()}
    record = {"landkit_output": 2, "kind": kind, "pid": os.getpid(),
              "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "files": files}
    (folder / MARKER).write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary file path beside ``path``; on success it replaces ``path``.

    The file gets the permissions the umask gives a new file.

    Examples
    --------
    >>> with atomic_path("out/table.csv") as tmp:  # doctest: +SKIP
    ...     frame.to_csv(tmp)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix or ".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as GDAL want to create the file themselves
    try:
        yield tmp
        if tmp.is_file():
            _open_up(tmp, directory=False)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextmanager
def atomic_dir(path: str | os.PathLike[str], *, kind: str = "output", force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; on success it takes the place of ``path``.

    ``path`` is checked first (:func:`check_output_folder`: only nothing, an empty folder or a
    landkit output may be replaced) and again just before the swap; partial folders left by dead
    landkit processes are removed. The finished folder carries :data:`MARKER`, listing its files.

    Parameters
    ----------
    path : path
        The output folder.
    kind : str
        What the folder is (``"run bundle"``, ``"comparison"``, ``"Marxan project"`` ...), recorded in
        the marker.
    force : bool
        Replace a landkit output even if files were added to it.
    """
    path = Path(path)
    check_output_folder(path, force=force)
    created: list[Path] = []
    parent = path.parent
    while not parent.exists():
        created.append(parent)
        parent = parent.parent
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_leftovers(path)
    tmp = _temp_sibling(path, _PARTIAL)
    old: Path | None = None
    done = False
    try:
        yield tmp
        _write_marker(tmp, kind)
        check_output_folder(path, force=force)  # nothing of the user's arrived while we wrote
        with _signals_held():  # Ctrl-C between the two renames would leave neither folder in place
            if path.exists():
                old = _temp_sibling(path, _OLD)
                os.replace(path, old / path.name)
                os.replace(tmp, path)
            else:
                os.replace(tmp, path)
        done = True
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if old is not None and not path.exists() and (old / path.name).exists():
            os.replace(old / path.name, path)  # put the previous output back
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        if not done:  # leave no empty parents we made behind a failed write
            for folder in created:
                try:
                    folder.rmdir()
                except OSError:
                    break
