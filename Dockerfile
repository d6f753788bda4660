# driftwatch worker (and CLI) image. TypeScript runs directly through tsx, which is a runtime
# dependency, so there is no build step.
#
#   docker build -t driftwatch .
#   docker run --rm -e DATABASE_URL=... -e TEMPORAL_ADDRESS=... driftwatch          # the worker
#   docker run --rm ... driftwatch bin/driftwatch models list                       # the CLI
#
# BASE_IMAGE must provide Node 20 and npm. The default is CPU-only; a GPU training image needs a
# base with the CUDA 11.2 / cuDNN 8.1 runtime libraries that @tensorflow/tfjs-node-gpu 4.x loads
# (libcudart.so.11.0, libcudnn.so.8), built with --build-arg TFJS_NODE_GPU=true
# (see the training-gpu example in docker-compose.yml).
ARG BASE_IMAGE=node:20-bookworm-slim
FROM ${BASE_IMAGE}

# Keep @tensorflow/tfjs-node-gpu in the image. Off by default: without CUDA it still loads (on the
# CPU) and would be picked first by DRIFTWATCH_TF_BACKEND=auto, so the CPU image drops it and
# training uses @tensorflow/tfjs-node, or WASM when that could not be installed.
ARG TFJS_NODE_GPU=false

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false

# A non-root user: the node images ship one ('node'); other bases get one created. The artifact
# folder is created here so a new named volume mounted on it starts owned by that user.
RUN id -u node >/dev/null 2>&1 || useradd --create-home --shell /usr/sbin/nologin node \
 && mkdir -p /app /var/lib/driftwatch/artifacts \
 && chown node:node /app /var/lib/driftwatch/artifacts
WORKDIR /app
USER node

# Dependencies first, so source edits do not reinstall them. The optional TensorFlow native
# bindings download libtensorflow from storage.googleapis.com while installing; without network
# access (or on an unsupported platform) they fail and npm skips them.
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && if [ "$TFJS_NODE_GPU" != "true" ]; then rm -rf node_modules/@tensorflow/tfjs-node-gpu; fi \
 && npm cache clean --force

# Sources stay root-owned (read-only for the runtime user). The worker bundles workflows/ (and the
# src modules they import) with webpack at start, and applies src/store/migrations/*.sql.
COPY tsconfig.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY examples ./examples
COPY bin ./bin

# Local state (only used by the CLI's dev-server commands) goes somewhere writable.
ENV DRIFTWATCH_HOME=/home/node/.driftwatch

# The worker; DRIFTWATCH_WORKER_ROLES selects orchestration, training or both (the default).
CMD ["npx", "tsx", "src/worker.ts"]
