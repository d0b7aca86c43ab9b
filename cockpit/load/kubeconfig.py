"""Which cluster a kubeconfig points at: context, server, namespace — read as kubectl does.

The window is named after the context, so the name must be the one kubectl would use,
checked, not assumed. Only names and the server URL are read; credentials (tokens,
certificates, exec plugins) are left to the official client and never leave this module.
Plain YAML (already loaded at start-up): the `kubernetes` package is imported only once a
source connects.

KUBECONFIG is a list (`:`-separated) merged by client-go's rules: empty entries and missing
files are skipped, and the first file to set a value — `current-context`, or a context or
cluster of a given name — wins.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from cockpit.load.errors import LoadError
from cockpit.load.text import decode
from cockpit.load.yaml_tree import Positions, load_yaml

DEFAULT = Path("~/.kube/config")


@dataclass(frozen=True)
class KubeContext:
    """A resolved context: its name, its cluster's server, its namespace, the files read."""

    name: str
    server: str
    namespace: str | None
    files: tuple[str, ...]


@dataclass
class _Merged:
    files: list[str] = field(default_factory=list)
    current: tuple[str, str, Positions] | None = None  # name, the file and places setting it
    #: kind ("contexts", "clusters") → name → (entry, file, positions, index in the file)
    named: dict[str, dict[str, tuple[dict[str, Any], str, Positions, int]]] = field(
        default_factory=lambda: {"contexts": {}, "clusters": {}}
    )
    first: tuple[str, Positions] | None = None


def kubeconfig_files(explicit: str | None, environ: Mapping[str, str]) -> tuple[list[str], bool]:
    """(paths, explicit): the config's `kubeconfig:` (one file, which must exist), else the
    KUBECONFIG list, else ~/.kube/config — the order kubectl uses."""
    if explicit:
        return [os.path.expanduser(explicit)], True
    listed = [p for p in environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    return [os.path.expanduser(p) for p in listed] or [str(DEFAULT.expanduser())], False


def _merge(merged: _Merged, path: str, explicit: bool) -> None:
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        if explicit:
            raise LoadError.at(path, 1, 1, "cannot read kubeconfig: no such file") from None
        return  # a missing file in the KUBECONFIG list is skipped, as kubectl does
    except OSError as exc:
        message = f"cannot read kubeconfig: {exc.strerror or exc}"
        raise LoadError.at(path, 1, 1, message) from None
    text = decode(raw, path)
    merged.files.append(path)
    if not text.strip():
        return
    data, positions = load_yaml(text, path)
    if not isinstance(data, dict):
        raise LoadError.at(path, 1, 1, "a kubeconfig is a mapping (apiVersion, contexts …)")
    if merged.first is None:
        merged.first = (path, positions)
    current = data.get("current-context")
    if current and merged.current is None:
        merged.current = (str(current), path, positions)
    for kind, table in merged.named.items():
        entries = data.get(kind)
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            name = entry.get("name") if isinstance(entry, dict) else None
            if isinstance(name, str) and name not in table:
                table[name] = (entry, path, positions, index)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _without_userinfo(url: str) -> str:
    """The server URL as recorded: a `user:password@` in it is a credential, dropped."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def resolve_context(
    explicit: str | None,
    wanted: str | None,
    environ: Mapping[str, str] = os.environ,
    *,
    required: bool = True,
) -> KubeContext | None:
    """The context kubectl would use: `wanted` (checked to exist) or the current-context.
    With neither: a located error, or None when not `required` (in a pod: in-cluster)."""
    paths, is_explicit = kubeconfig_files(explicit, environ)
    merged = _Merged()
    for path in paths:
        _merge(merged, path, is_explicit)
    if not merged.files and (wanted or required):
        named = f"context {wanted!r}: " if wanted else ""
        message = f"{named}no kubeconfig file found ({os.pathsep.join(paths)})"
        raise LoadError.at(paths[0], 1, 1, message)
    contexts = merged.named["contexts"]
    where = merged.first or (paths[0], Positions())
    known = ", ".join(sorted(contexts)) or "none"
    read = ", ".join(merged.files)
    if wanted:
        name = wanted
        if name not in contexts:
            line, col = where[1].locate(("contexts",), key=True)
            message = f"no context {name!r} in kubeconfig {read} (contexts: {known})"
            raise LoadError.at(where[0], line, col, message)
    elif merged.current is not None:
        name, path, positions = merged.current
        if name not in contexts:
            line, col = positions.locate(("current-context",))
            message = f"current-context {name!r} is not a context in {read} (contexts: {known})"
            raise LoadError.at(path, line, col, message)
    elif required:
        line, col = where[1].locate(("current-context",), key=True)
        message = f"no current-context in kubeconfig {read}: name one with --context"
        raise LoadError.at(where[0], line, col, f"{message} (contexts: {known})")
    else:
        return None
    entry, path, positions, index = contexts[name]
    spec = _mapping(entry.get("context"))
    cluster_name = spec.get("cluster")
    cluster = merged.named["clusters"].get(str(cluster_name)) if cluster_name else None
    server = _mapping(cluster[0].get("cluster") if cluster else None).get("server") or ""
    if not server:
        line, col = positions.locate(("contexts", index, "context", "cluster"))
        message = f"context {name!r}: cluster {cluster_name!r} has no server in {read}"
        raise LoadError.at(path, line, col, message)
    namespace = spec.get("namespace")
    return KubeContext(
        name=name,
        server=_without_userinfo(str(server)),
        namespace=str(namespace) if namespace else None,
        files=tuple(merged.files),
    )
