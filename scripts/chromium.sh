#!/usr/bin/env bash
# Install Debian's Chromium for the tests that look at pages as a person would (the pprof UI, coverage.html),
# idempotently. Prints the browser's path. The tests run it headless, without a sandbox (root) and without
# Google's background services (this machine reaches no network but the package registries).
source "$(dirname "$0")/lib.sh"
apt_install chromium fonts-dejavu-core
command -v chromium
