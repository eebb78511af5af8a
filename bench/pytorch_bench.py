"""PyTorch on the CPU doing the same work as `modalscope bench` on the default model.

Per modality an MLP encoder (depth Linear + ReLU layers of the encoder width), concat
fusion, a linear fused head and one linear probe per modality on the detached embedding;
loss = CE(fused) + sum_m CE(probe_m); Adam (lr 1e-3, eps 1e-8); one batch copied out of a
fixed training set per step, in order. Data are Gaussian (speed does not depend on them).

    python bench/pytorch_bench.py [--threads N] [--steps N] [--warmup N] [--batch-size N]
                                  [--width N] [--modalities N] [--dim N] [--depth N]
                                  [--classes N] [--rows N]

Prints steps_per_s=<number> on stdout.
"""
import argparse
import sys
import time

import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, dims, width, depth, classes):
        super().__init__()
        def encoder(d):
            layers = []
            for i in range(depth):
                layers += [nn.Linear(d if i == 0 else width, width), nn.ReLU()]
            return nn.Sequential(*layers)
        self.encoders = nn.ModuleList(encoder(d) for d in dims)
        self.head = nn.Linear(width * len(dims), classes)
        self.probes = nn.ModuleList(nn.Linear(width, classes) for _ in dims)

    def forward(self, inputs):
        z = [e(x) for e, x in zip(self.encoders, inputs)]
        fused = self.head(torch.cat(z, dim=1))
        probes = [p(zm.detach()) for p, zm in zip(self.probes, z)]
        return fused, probes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--depth", type=int, default=2)
    parser.add_argument("--modalities", type=int, default=2)
    parser.add_argument("--dim", type=int, default=16)
    parser.add_argument("--classes", type=int, default=4)
    parser.add_argument("--rows", type=int, default=400)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    dims = [args.dim] * args.modalities
    data = [torch.randn(args.rows, d) for d in dims]
    labels = torch.randint(0, args.classes, (args.rows,))
    net = Net(dims, args.width, args.depth, args.classes)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-8)
    loss_fn = nn.CrossEntropyLoss()
    cursor = 0

    def step():
        nonlocal cursor
        end = min(cursor + args.batch_size, args.rows)
        inputs = [x[cursor:end].clone() for x in data]
        target = labels[cursor:end].clone()
        cursor = 0 if end == args.rows else end
        fused, probes = net(inputs)
        loss = loss_fn(fused, target) + sum(loss_fn(p, target) for p in probes)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    for _ in range(args.warmup):
        step()
    started = time.perf_counter()
    for _ in range(args.steps):
        step()
    seconds = time.perf_counter() - started
    print(f"pytorch {torch.__version__}: {args.steps} steps in {seconds:.3f} s ({args.threads} thread(s)), batch {args.batch_size}, width {args.width}", file=sys.stderr)
    print(f"steps_per_s={args.steps / seconds:.1f}")


if __name__ == "__main__":
    main()
