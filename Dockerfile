# syntax=docker/dockerfile:1
# driftwatch images: the worker, the CLI and `driftwatch serve`. TypeScript runs directly through
# tsx, which is a runtime dependency, so there is no build step.
#
#   docker build -t driftwatch .                          # `cpu`, the default: training on WASM
#   docker build --target gpu -t driftwatch-gpu .         # TensorFlow 2.21 on an NVIDIA GPU (CUDA 12)
#
#   docker run --rm -e DATABASE_URL=... -e TEMPORAL_ADDRESS=... driftwatch          # the worker
#   docker run --rm ... driftwatch bin/driftwatch models list                       # the CLI
#   docker run --rm --gpus all -e DRIFTWATCH_WORKER_ROLES=training ... driftwatch-gpu
#
# The `gpu` image builds TensorFlow.js's native binding the way `npm run setup:native -- --gpu`
# does (scripts/setup-native.sh): TensorFlow 2.21's C library from its PyPI wheel, and CUDA 12 and
# cuDNN 9 from the nvidia-* wheels its `and-cuda` extra names, so a build reaches PyPI and the npm
# registry only. The stock @tensorflow/tfjs-node-gpu would instead download libtensorflow 2.9.1,
# which needs CUDA 11.2 and cuDNN 8.1, both end-of-life. Run on a host with an NVIDIA driver for
# CUDA 12.5 or newer and the NVIDIA Container Toolkit; no CUDA on the host or in a base image: the
# wheels carry it (a CUDA base image such as nvidia/cuda:12.5.1-cudnn-runtime would add a second
# copy of the same libraries, about 3 GB).
#
# The default image trains on the WASM backend: on driftwatch's usual small tabular networks it is
# as fast as native TensorFlow on the CPU (issue 12: about 56k against 40k samples/s on the bench's
# 2 x 64 MLP; native pulls ahead on wider ones, bench/README.md), and native CPU TensorFlow would add
# about 820 MB of library and a compiler to the build.
ARG NODE_IMAGE=node:20-bookworm-slim

# Production dependencies. Install scripts are skipped: the only ones that matter are the stock
# native TensorFlow.js packages' libtensorflow downloads, and those packages are removed (the
# others check or optimise prebuilt binaries, which work without them).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/@tensorflow/tfjs-node node_modules/@tensorflow/tfjs-node-gpu \
 && npm cache clean --force

# The worker, the CLI and the service. Sources stay root-owned (read-only for the runtime user).
# The worker bundles workflows/ (and the src modules they import) with webpack at start, and
# applies src/store/migrations/*.sql.
FROM ${NODE_IMAGE} AS cpu
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    DRIFTWATCH_HOME=/home/node/.driftwatch
# The runtime user is the node images' `node`. The artifact folder is created here so that a new
# named volume mounted on it starts owned by that user.
RUN mkdir -p /app /var/lib/driftwatch/artifacts && chown node:node /app /var/lib/driftwatch/artifacts
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY examples ./examples
COPY bin ./bin
USER node
# The worker; DRIFTWATCH_WORKER_ROLES selects orchestration, training or both (the default).
CMD ["npx", "tsx", "src/worker.ts"]

# The GPU binding, compiled against TensorFlow 2.21 from PyPI. Same Debian as the runtime, so the
# binding links the C++ runtime it will run with. pip's cache survives rebuilds (the CUDA wheels
# are several GB).
FROM ${NODE_IMAGE} AS gpu-build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-pip make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY scripts/setup-native.sh ./scripts/
# node_modules/@tensorflow/tfjs-node-gpu is a relative link into .tools/native, where the binding,
# TensorFlow and the CUDA libraries find each other by relative paths too. A COPY of the link itself
# would copy what it points to, so the link is moved to a folder of its own, whose content COPY
# keeps as it is.
RUN --mount=type=cache,target=/root/.cache/pip bash scripts/setup-native.sh --gpu \
 && mkdir /gpu-link && mv node_modules/@tensorflow/tfjs-node-gpu /gpu-link/

# `cpu` plus the GPU binding.
FROM cpu AS gpu
COPY --from=gpu-build /app/.tools/native ./.tools/native
COPY --from=gpu-build /gpu-link/ ./node_modules/@tensorflow/
# What the NVIDIA Container Toolkit reads (the CUDA base images set the same): mount the driver's
# compute libraries, and refuse to start on a driver too old for the CUDA 12.5 the wheels need.
ENV NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    NVIDIA_REQUIRE_CUDA="cuda>=12.5" \
    DRIFTWATCH_TF_BACKEND=tensorflow-gpu

# `docker build .` builds the last stage: keep the default the CPU image.
FROM cpu
