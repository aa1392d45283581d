#!/usr/bin/env bash
# Install Debian's Chromium, in which tests/test_mail_looks.py lays out every mail at phone and
# desktop widths, light and dark (issue 15 part 5). Idempotent and quick when present.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
if dpkg -s chromium >/dev/null 2>&1 && [ -x /usr/bin/chromium ]; then
    echo "chromium already installed"
    exit 0
fi
if ! apt-cache show chromium >/dev/null 2>&1; then
    $SUDO apt-get update -q
fi
$SUDO apt-get install -y -q --no-install-recommends chromium
