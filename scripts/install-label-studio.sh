#!/usr/bin/env bash
# Install the Label Studio server into its OWN virtual environment (it pins its own label-studio-sdk and
# Django, which must not leak into the project's environment) and print the path of its `label-studio`
# executable on the last line of stdout.
#
# Usage:  bash scripts/install-label-studio.sh [VENV_DIR]      (default: <repo>/.venv-labelstudio)
#         export LABEL_STUDIO_BIN="$(bash scripts/install-label-studio.sh | tail -n 1)"
# Env:    LABEL_STUDIO_VERSION   pip requirement for the server (default: label-studio>=1.13)
#         PYTHON                 interpreter that creates the venv (default: python3)
# Re-running is cheap: an existing working install is reused.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${1:-$repo_root/.venv-labelstudio}"
requirement="${LABEL_STUDIO_VERSION:-label-studio>=1.13}"
python="${PYTHON:-python3}"
bin="$venv/bin/label-studio"

if [[ -x "$bin" ]] && "$venv/bin/python" -c "import label_studio" >/dev/null 2>&1; then
  echo "label-studio already installed in $venv" >&2
else
  echo "installing $requirement into $venv" >&2
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip >&2
  "$venv/bin/python" -m pip install --quiet "$requirement" >&2
fi
"$venv/bin/python" -c "import label_studio; print('label-studio', label_studio.__version__)" >&2
echo "$bin"
