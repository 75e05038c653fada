#!/usr/bin/env bash
# The checks and figures that need a GPU, in one run sized for a short lease (about 5 minutes
# on an H200): the CUDA tests, training speed at batch 64 and 256 beside the naive loop
# (img/s, peak GPU memory), the same under bf16 autocast and with torch.compile, and
# CausalModel quality on pendulum and flow trained on the GPU, and packed training (encoders.train_many)
# against K, with the projected wall time of disentanglement_lib's study. Each step has its own time
# limit, so one slow step cannot take the others' results with it; the log is written to $OUT
# when that is set. Needs the project's dependencies importable (causal-learn with pydot,
# graphviz and momentchi2 besides what a CUDA PyTorch image holds).
#
#     bash benchmarks/gpu.sh
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
log="${OUT:-/tmp}/gpu_log.txt"

step() {  # step SECONDS COMMAND...: run one check with a limit, report its exit status
    local limit=$1; shift
    echo "=== $* (limit ${limit}s)"
    local start=$SECONDS
    timeout "$limit" "$@"
    echo "=== exit $? after $((SECONDS - start)) s"
}

{
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
    python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name())"
    step 150 python3 -m pytest -q -p no:cacheprovider tests/test_cuda.py
    step 80 python3 benchmarks/train_speed.py --device cuda --batch-size 256 --steps 400 --repeats 3
    step 60 python3 benchmarks/train_speed.py --device cuda --batch-size 64 --steps 400 --repeats 3
    step 60 python3 benchmarks/train_speed.py --device cuda --batch-size 256 --steps 400 --repeats 2 --bf16
    step 150 python3 benchmarks/causal_model.py --scenes pendulum flow
    step 100 python3 benchmarks/train_speed.py --device cuda --batch-size 256 --steps 400 --repeats 1 --compile
    step 390 python3 benchmarks/slot_attention.py --device cuda --preset paper --batch-size 64 --lr 4e-4 --warmup 1000 --minutes 2 --set-minutes 1 --threads 8 --test-images 500
    step 180 python3 benchmarks/train_many.py --device cuda --steps 10 --max-k 1024 --max-step-seconds 5
} 2>&1 | tee "$log"
