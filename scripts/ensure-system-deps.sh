#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when they are missing (the pHash reference in
# Python: Debian's python3-pil, python3-numpy, python3-scipy; the Canny reference: python3-opencv; all under
# /usr/bin/python3; PostgreSQL for the relay's scale-out backend; Chromium for the web UI's browser tests). Without root or
# apt-get it stops and says exactly what to install.
set -euo pipefail

missing=()
if ! /usr/bin/python3 -c 'import PIL, numpy, scipy' >/dev/null 2>&1; then
  missing+=(python3-pil python3-numpy python3-scipy)
fi
# The Canny preprocessor of ControlNet is checked against OpenCV's cv2.Canny.
if ! /usr/bin/python3 -c 'import cv2' >/dev/null 2>&1; then
  missing+=(python3-opencv)
fi

# The relay's PostgreSQL backend is tested against a real throwaway cluster (initdb, pg_ctl).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi

# The web UI's browser tests drive Debian's Chromium with playwright-core (never a downloaded browser build).
if [ ! -x "${VERINET_CHROMIUM:-/usr/bin/chromium}" ]; then
  missing+=(chromium)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages for the tests: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "The tests need these Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
