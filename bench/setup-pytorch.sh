#!/usr/bin/env bash
# Installs PyTorch 2.15.0 (CPU use only; PyPI's wheel brings its CUDA libraries, about 3 GB)
# into a virtual environment outside the clone, reused between runs. Never part of the
# test command. Prints the environment's python path on its last line.
#
#   bench/setup-pytorch.sh            # ~/.cache/modalscope-bench/venv
#   BENCH_VENV=/somewhere bench/setup-pytorch.sh
set -euo pipefail
venv="${BENCH_VENV:-$HOME/.cache/modalscope-bench/venv}"
version="2.15.0"
if [ ! -x "$venv/bin/python" ]; then
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import numpy, torch, sys; sys.exit(torch.__version__.split('+')[0] != '$version')" 2>/dev/null; then
  echo "installing torch $version into $venv (about 3 GB with its CUDA libraries; once)" >&2
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet "torch==$version" numpy
fi
"$venv/bin/python" -c "import torch; print('torch', torch.__version__, 'threads', torch.get_num_threads())" >&2
echo "$venv/bin/python"
