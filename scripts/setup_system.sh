#!/usr/bin/env bash
# Install the few system packages landkit needs that PyPI cannot provide, from Debian's archive:
#   fonts-noto-cjk             Noto Sans CJK (SIL OFL): Chinese labels in every figure and report
#   chromium                   the real browser of the JupyterLab test (driven by Playwright; no browser download)
#   postgresql                 the server of the store tests (tests/conftest.py starts a private one on 127.0.0.1
#   postgresql-NN-postgis-3    with its own data directory, and stops it afterwards); PostGIS for its geometry
#   libreoffice-writer-nogui   converts report.docx to PDF in the report test (the Word file as a reader sees it)
#   poppler-utils              pdfinfo, pdftotext, pdftoppm: read and rasterise that PDF
# Idempotent: packages already present are skipped, so a second run costs nothing.
set -euo pipefail

missing_of() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
  done
}

install() {
  [ $# -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
  elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "landkit setup: need root (or sudo) to install: $*" >&2
    echo "  install them with your package manager, then rerun the command" >&2
    exit 1
  fi
  echo "landkit setup: installing system packages: $*"
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "${LANDKIT_APT_UPDATED:-}" ]; then
    $SUDO apt-get update -qq
    LANDKIT_APT_UPDATED=1
  fi
  $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# shellcheck disable=SC2046
install $(missing_of fonts-noto-cjk chromium postgresql libreoffice-writer-nogui poppler-utils)
# PostGIS is packaged per server version: take the newest server installed
major=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
# shellcheck disable=SC2046
install $(missing_of "postgresql-${major}-postgis-3")
