#!/usr/bin/env bash
# Install what WeasyPrint (the invoice PDF, mailbot/outbound/pdf.py) loads at run time:
# Pango, HarfBuzz's subsetter (without it fonts are embedded whole: slow and large) and a
# font. Without them mailbot still runs and mails invoices without their PDF.
# Idempotent: apt-get update only when the packages are not known to apt yet.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"
if dpkg -s $PACKAGES >/dev/null 2>&1; then
    echo "PDF libraries already installed"
    exit 0
fi
if ! apt-cache show libharfbuzz-subset0 >/dev/null 2>&1; then
    $SUDO apt-get update -q
fi
$SUDO apt-get install -y -q --no-install-recommends $PACKAGES
