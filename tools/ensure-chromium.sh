#!/usr/bin/env bash
# Make sure Chromium is at /usr/bin/chromium for the browser check (tests/browser).
# Idempotent and quiet when it is already there; installs it with apt when run as root.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-chromium: $CHROMIUM is missing and this is not root." >&2
    echo "  Install Chromium, for example: sudo apt-get install -y chromium" >&2
    echo "  (the browser check drives /usr/bin/chromium through Playwright; no 'playwright install')." >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available;" >&2
    echo "  install the Debian/Ubuntu 'chromium' package (or a Chromium at $CHROMIUM) by hand." >&2
    exit 1
fi

echo "ensure-chromium: installing chromium with apt-get (about a minute) ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Without the recommended extras (upower, mesa, printing); a text font for the screenshots.
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null

if [ ! -x "$CHROMIUM" ]; then
    echo "ensure-chromium: apt-get finished but $CHROMIUM is still missing." >&2
    exit 1
fi
echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo chromium) installed."
