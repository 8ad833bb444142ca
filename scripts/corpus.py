"""Downloads the false-positive corpus: Django and async Django packages, at pinned versions.

Correct async Django code must draw no findings (tests/test_corpus.py). This
script fetches that code so anyone who clones the project can check the claim:

    python scripts/corpus.py            # every package; prints the corpus folder
    python scripts/corpus.py django     # only the named ones
    ASYNCDJ_CORPUS=$(python scripts/corpus.py) python -m pytest tests/test_corpus.py

The corpus goes to $ASYNCDJ_CORPUS (default: $XDG_CACHE_HOME/asyncdj-corpus, or
~/.cache/asyncdj-corpus), one folder per package holding its Python source,
never into the repository. It uses pip to download and only the standard
library otherwise; a package already there (marked by `.done`) is kept.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

PACKAGES = {
    "django": "Django==5.2.19",
    "channels": "channels==4.3.2",
    "ninja": "django-ninja==1.7.1",
    "adrf": "adrf==0.1.14",
    "allauth": "django-allauth==65.21.1",
    "debug_toolbar": "django-debug-toolbar==8.0.0",
    "dcrf": "djangochannelsrestframework==1.3.0",
}


def corpus_root() -> Path:
    configured = os.environ.get("ASYNCDJ_CORPUS")
    if configured:
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "asyncdj-corpus"


def fetch(name: str, root: Path) -> bool:
    """Downloads and unpacks one package into root/name; True when it is there afterwards."""
    destination = root / name
    if (destination / ".done").exists():
        return True
    with tempfile.TemporaryDirectory() as download:
        pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--disable-pip-version-check"]
        if subprocess.run(
            [*pip, "-d", download, PACKAGES[name]], capture_output=True, check=False
        ).returncode:
            print(f"could not download {PACKAGES[name]}", file=sys.stderr)
            return False
        [archive] = sorted(Path(download).iterdir())
        shutil.rmtree(destination, ignore_errors=True)
        destination.mkdir(parents=True)
        _unpack(archive, destination)
    for metadata in [*destination.glob("*.dist-info"), *destination.glob("*.data")]:
        shutil.rmtree(metadata)
    (destination / ".done").touch()
    return True


def _unpack(archive: Path, destination: Path) -> None:
    """A wheel or zip as it is; an sdist without its top folder, as `tar --strip-components=1`."""
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as bundle:
            bundle.extractall(destination)
        return
    with tarfile.open(archive) as bundle, tempfile.TemporaryDirectory() as unpacked:
        if sys.version_info >= (3, 12):
            bundle.extractall(unpacked, filter="data")
        else:
            bundle.extractall(unpacked)  # a pinned package from the index
        [top] = Path(unpacked).iterdir()
        for item in top.iterdir():
            shutil.move(str(item), destination / item.name)


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in PACKAGES]
    if unknown:
        print(f"unknown corpus package: {', '.join(unknown)} (known: {', '.join(PACKAGES)})", file=sys.stderr)
        return 2
    root = corpus_root()
    root.mkdir(parents=True, exist_ok=True)
    fetched = [fetch(name, root) for name in names or PACKAGES]
    print(root)
    return 0 if all(fetched) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
