#!/bin/sh
# Print the path of Postfix's smtp-sink, a fast SMTP test sink written in C, extracting it
# from Debian's postfix package into var/smtp-sink/ on first use (no mail server is
# installed or started). The benchmark's delivery measurement needs a sink faster than
# the sender; a Python sink is slower than a bare smtplib loop. Exits non-zero, with the
# reason on stderr, when apt cannot download the package.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/var/smtp-sink"
binary="$dest/usr/sbin/smtp-sink"
if [ ! -x "$binary" ]; then
    mkdir -p "$dest"
    cd "$dest"
    if ! apt-get download postfix >/dev/null 2>&1; then
        apt-get update -qq >/dev/null 2>&1 || true
        apt-get download postfix >/dev/null
    fi
    dpkg-deb -x postfix_*.deb "$dest"
    rm -f postfix_*.deb
fi
echo "$binary"
