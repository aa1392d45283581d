#!/usr/bin/env bash
# Install SpamAssassin for the spam-score tests (tests/test_spam_scores.py, tests/spamassassin.py).
#
# Idempotent: does nothing when the `spamassassin` command is already on PATH.
# Runs `apt-get update` only when the package is not known to apt yet.
# No `sa-update` and no network at test time: Debian's package ships the default rules
# under /usr/share/spamassassin, and the tests run `spamassassin -L` (local tests only).
set -euo pipefail

if command -v spamassassin >/dev/null 2>&1; then
    echo "spamassassin already installed: $(spamassassin -V | head -n 1)"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show spamassassin >/dev/null 2>&1; then
    $SUDO apt-get update -q
fi
$SUDO apt-get install -y -q --no-install-recommends spamassassin

# The package's default rules are what the tests score with; without them (a broken
# install) spamassassin would score every mail 0 and the tests would prove nothing.
if ! ls /usr/share/spamassassin/*.cf >/dev/null 2>&1; then
    echo "spamassassin installed, but its default rules (/usr/share/spamassassin/*.cf) are missing" >&2
    exit 1
fi
echo "installed $(spamassassin -V | head -n 1)"
