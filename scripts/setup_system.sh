#!/usr/bin/env bash
# Install the few system packages landkit needs that PyPI cannot provide, from Debian's archive:
#   fonts-noto-cjk   Noto Sans CJK (SIL OFL): Chinese labels in every figure and report
#   chromium         the real browser of the JupyterLab test (driven by Playwright; no browser download)
# Idempotent: packages already present are skipped, so a second run costs nothing.
set -euo pipefail
want=(fonts-noto-cjk chromium)
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "landkit setup: need root (or sudo) to install: ${missing[*]}" >&2
  echo "  install them with your package manager, then rerun the command" >&2
  exit 1
fi
echo "landkit setup: installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
