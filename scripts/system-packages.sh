#!/usr/bin/env bash
# Installs the Debian packages PyLearn needs, only those whose program is missing.
#   scripts/system-packages.sh lab    Node.js and npm (to build the JupyterLab extension)
#   scripts/system-packages.sh test   also Chromium (browser tests), PostgreSQL (API tests) and
#                                     bubblewrap (the sandbox `pylearn grade` runs learner code in)
#                                     and fontconfig (the glyph test)
set -euo pipefail
missing=()
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ "${1:-lab}" = test ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
  command -v bwrap >/dev/null || missing+=(bubblewrap)
  # fc-query: the glyph test reads which symbols Debian's default font (DejaVu Sans) draws.
  command -v fc-query >/dev/null || missing+=(fontconfig)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
