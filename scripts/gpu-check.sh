#!/usr/bin/env bash
# GPU check, for a machine with an NVIDIA GPU, CuPy and PyTorch (CUDA) installed:
#   scripts/gpu-check.sh OUT_DIR
# Runs the GPU test subset (every op compared between CPU and GPU, modules, checkpoints) and
# the GPU benchmarks, writing test-log.txt, gpu.json and bench-log.txt to OUT_DIR. It needs
# MNIST in the cache (NEURONET_DATA) for the epoch timing; plan for under 8 minutes.
set -uo pipefail
out="${1:?usage: scripts/gpu-check.sh OUT_DIR}"
mkdir -p "$out"
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD/src:$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
PY="${PYTHON:-python3}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/gpu.txt"
"$PY" -c "import neuronet; print('CUDA devices seen by neuronet:', neuronet.cuda.device_count())"
timeout 300 "$PY" -m pytest -q -p no:cacheprovider tests/gpu 2>&1 | tee "$out/test-log.txt"
tests=${PIPESTATUS[0]}
timeout 240 "$PY" benchmarks/gpu.py "$out" 2>&1 | tee "$out/bench-log.txt"
bench=${PIPESTATUS[0]}
echo "tests exit $tests, benchmarks exit $bench"
exit $(( tests != 0 || bench != 0 ))
