#!/usr/bin/env bash
# Install Dovecot's IMAP server for the test suite (tests/servers/dovecot.py).
#
# Idempotent: does nothing when the `dovecot` binary is already on PATH.
# Runs `apt-get update` only when the package is not known to apt yet, so a
# warm machine does not pay for a package-list refresh.
# The Debian post-install starts a system dovecot on 143/993; the tests run
# their own instance with their own config and port, so the system one is
# stopped and disabled to keep it out of the way (failures there are ignored).
set -euo pipefail

if command -v dovecot >/dev/null 2>&1 && command -v doveadm >/dev/null 2>&1 \
    && command -v openssl >/dev/null 2>&1; then
    echo "dovecot already installed: $(dovecot --version)"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show dovecot-imapd >/dev/null 2>&1; then
    $SUDO apt-get update -q
fi
# openssl: the TLS tests make a throwaway certificate for 127.0.0.1 with it.
$SUDO apt-get install -y -q --no-install-recommends dovecot-imapd openssl

# Keep the system instance (ports 143/993) from running; the helper never uses it.
$SUDO service dovecot stop >/dev/null 2>&1 || true
$SUDO systemctl disable --now dovecot >/dev/null 2>&1 || true
if command -v doveadm >/dev/null 2>&1; then
    $SUDO doveadm stop >/dev/null 2>&1 || true
fi

echo "installed dovecot $(dovecot --version)"
