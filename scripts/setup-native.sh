#!/usr/bin/env bash
# Builds TensorFlow.js's native backend without the download the stock packages make at install
# (libtensorflow 2.9.1 from storage.googleapis.com, for CUDA 11.2): the TensorFlow C library comes
# from TensorFlow's PyPI wheel, which ships libtensorflow_cc.so.2 (the C and eager C APIs the
# tfjs-node binding calls) with its C headers, and the binding is compiled against it with node-gyp.
#
#   bash scripts/setup-native.sh         @tensorflow/tfjs-node on tensorflow-cpu (DRIFTWATCH_TF_BACKEND=tensorflow)
#   bash scripts/setup-native.sh --gpu   @tensorflow/tfjs-node-gpu on tensorflow[and-cuda], with CUDA 12
#                                        and cuDNN from PyPI's nvidia-* wheels (DRIFTWATCH_TF_BACKEND=tensorflow-gpu)
#
# Everything lands in .tools/native/; node_modules/@tensorflow/tfjs-node(-gpu) is a link into it, so
# `npm ci` (which empties node_modules) costs a re-link, not a rebuild, and a finished build is kept
# in ~/.cache/driftwatch/native/ (DRIFTWATCH_NATIVE_CACHE: another folder, or empty for none), from
# which a fresh clone restores it. Idempotent and quiet when nothing is to do. Needs Linux x86_64,
# python3 with pip, make and a C++ compiler.
set -euo pipefail
cd "$(dirname "$0")/.."

TENSORFLOW_VERSION=2.21.0
TFJS_NODE_VERSION=4.22.0
# tfjs-node looks for its binding in lib/napi-v<N>, N the highest N-API version of its
# package.json's binary.napi_versions (3..8) that Node supports: 8 on every Node >= 20.
NAPI_BUILD_VERSION=8

say() { printf '[setup:native] %s\n' "$*"; }
fail() { printf '[setup:native] error: %s\n' "$*" >&2; exit 1; }

variant=cpu
case "${1:-}" in
  '') ;;
  --gpu) variant=gpu ;;
  -h|--help) sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
  *) fail "unknown option '$1' (expected --gpu or nothing)" ;;
esac

if [ "$variant" = gpu ]; then
  package=@tensorflow/tfjs-node-gpu
  wheel=tensorflow
  cuda_extra=and-cuda
else
  package=@tensorflow/tfjs-node
  wheel=tensorflow-cpu
  cuda_extra=
fi

native_dir=.tools/native
# Laid out like site-packages: tensorflow/ beside the nvidia/ packages, because the GPU wheel's
# libraries find CUDA through the run path $ORIGIN/../nvidia/<library>/lib.
tensorflow_dir=$native_dir/tensorflow-$TENSORFLOW_VERSION-$variant
# An npm prefix holding the package and its own dependencies; @tensorflow/tfjs is resolved from
# the project's node_modules above it, so the process has one TensorFlow.js engine.
js_dir=$native_dir/${package#@tensorflow/}-$TFJS_NODE_VERSION
package_dir=$js_dir/node_modules/$package
binding=$package_dir/lib/napi-v$NAPI_BUILD_VERSION/tfjs_binding.node
project_link=node_modules/$package
stamp=$native_dir/$variant.stamp
node_version=$(node -p 'process.versions.node')
stamp_text="tensorflow $TENSORFLOW_VERSION $wheel${cuda_extra:+[$cuda_extra]}, $package $TFJS_NODE_VERSION, node $node_version, script $(sha256sum "$0" | cut -c1-16)"

# Points node_modules/<package> at the build (a relative link, so the checkout can move).
link_into_project() {
  local target
  target=$(realpath --relative-to="$(dirname "$project_link")" "$package_dir")
  [ "$(readlink "$project_link" 2>/dev/null)" = "$target" ] && return
  mkdir -p "$(dirname "$project_link")"
  rm -rf "$project_link"
  ln -s "$target" "$project_link"
}

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$stamp_text" ] && [ -f "$binding" ]; then
  link_into_project
  exit 0
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

check_prerequisites() {
  [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] ||
    fail "TensorFlow's PyPI wheels carry the C library for Linux x86_64 only, this is $(uname -s)-$(uname -m); training stays on the WASM backend"
  local tool missing=()
  for tool in python3 make g++ node npm; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  [ ${#missing[@]} -eq 0 ] || fail "missing ${missing[*]}: building the binding needs python3 (node-gyp and pip), make and a C++ compiler (Debian: apt-get install python3 python3-pip make g++)"
  python3 -m pip --version >/dev/null 2>&1 || fail "python3 has no pip (Debian: apt-get install python3-pip)"
}

# The wheel's C library and headers, plus with --gpu the CUDA wheels its and-cuda extra names.
install_tensorflow() {
  local download_dir=$scratch/wheel
  say "fetching $wheel==$TENSORFLOW_VERSION from PyPI (pip's cache is reused)"
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --dest "$download_dir" "$wheel==$TENSORFLOW_VERSION" 2>"$scratch/pip.log" ||
    { cat "$scratch/pip.log" >&2; fail "pip could not get $wheel==$TENSORFLOW_VERSION (no wheel for this Python or platform, or PyPI unreachable)"; }
  local wheel_file
  wheel_file=$(ls "$download_dir"/*.whl)
  rm -rf "$tensorflow_dir"
  mkdir -p "$tensorflow_dir"
  say "unpacking the TensorFlow C library and headers"
  python3 - "$wheel_file" "$tensorflow_dir" <<'PY'
import sys, zipfile
wheel, destination = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive:
    wanted = [name for name in archive.namelist()
              if name in ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2')
              or (name.startswith('tensorflow/include/') and not name.endswith('/'))]
    if not any(name.endswith('libtensorflow_cc.so.2') for name in wanted):
        sys.exit(f'{wheel} has no tensorflow/libtensorflow_cc.so.2')
    for name in wanted:
        archive.extract(name, destination)
PY
  chmod 755 "$tensorflow_dir"/tensorflow/*.so.2
  if [ -n "$cuda_extra" ]; then
    local requirements
    mapfile -t requirements < <(python3 - "$wheel_file" "$cuda_extra" <<'PY'
import sys, zipfile
from email.parser import Parser
wheel, extra = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive:
    metadata_name = next(n for n in archive.namelist() if n.endswith('.dist-info/METADATA'))
    metadata = Parser().parsestr(archive.read(metadata_name).decode())
for requirement in metadata.get_all('Requires-Dist') or []:
    spec, _, marker = requirement.partition(';')
    if f'extra == "{extra}"' in marker.replace("'", '"'):
        print(spec.strip().replace(' ', ''))
PY
)
    [ ${#requirements[@]} -gt 0 ] || fail "$wheel==$TENSORFLOW_VERSION names no packages for its [$cuda_extra] extra"
    say "installing the CUDA libraries of ${wheel}[$cuda_extra] from PyPI (several GB): ${requirements[*]}"
    python3 -m pip install --quiet --disable-pip-version-check --only-binary=:all: --target "$tensorflow_dir" "${requirements[@]}" 2>"$scratch/pip.log" ||
      { cat "$scratch/pip.log" >&2; fail "pip could not install the CUDA wheels (${requirements[*]})"; }
  fi
  # The binding links -ltensorflow -ltensorflow_framework; libtensorflow.so.2 is the name the stock
  # libtensorflow has, and libtensorflow_cc.so.2 is the soname the linked binding will ask for.
  ln -sf libtensorflow_cc.so.2 "$tensorflow_dir/tensorflow/libtensorflow.so.2"
  ln -sf libtensorflow_cc.so.2 "$tensorflow_dir/tensorflow/libtensorflow.so"
  ln -sf libtensorflow_framework.so.2 "$tensorflow_dir/tensorflow/libtensorflow_framework.so"
}

# The package from the npm registry (its install script, the libtensorflow download, never runs)
# and its dependencies other than TensorFlow.js, which the project has.
install_package() {
  local unpack_dir=$scratch/package
  mkdir -p "$unpack_dir"
  say "fetching $package@$TFJS_NODE_VERSION from the npm registry"
  (cd "$unpack_dir" && npm pack --silent "$package@$TFJS_NODE_VERSION" >/dev/null) || fail "npm could not fetch $package@$TFJS_NODE_VERSION"
  tar -xzf "$unpack_dir"/*.tgz -C "$unpack_dir"
  local dependencies
  dependencies=$(node -e '
    const { dependencies } = require(process.argv[1]);
    console.log(Object.entries(dependencies).filter(([name]) => !name.startsWith("@tensorflow/")).map(([name, range]) => `${name}@${range}`).join(" "));
  ' "$unpack_dir/package/package.json")
  # npm prunes what it did not install, the package included: it is moved in afterwards.
  mkdir -p "$js_dir"
  [ -f "$js_dir/package.json" ] || echo '{ "private": true, "description": "dependencies of the native TensorFlow.js packages (scripts/setup-native.sh)" }' > "$js_dir/package.json"
  # shellcheck disable=SC2086 # one dependency per word
  npm install --prefix "$js_dir" --no-save --no-package-lock --ignore-scripts --omit=dev --no-audit --no-fund --loglevel=error $dependencies >/dev/null ||
    fail "npm could not install $package's dependencies ($dependencies)"
  rm -rf "$package_dir"
  mkdir -p "$(dirname "$package_dir")"
  mv "$unpack_dir/package" "$package_dir"
}

find_node_gyp() {
  local candidate
  for candidate in "${npm_config_node_gyp:-}" \
    "$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js" \
    "$(dirname "$(dirname "$(realpath "$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js" \
    node_modules/node-gyp/bin/node-gyp.js; do
    [ -n "$candidate" ] && [ -f "$candidate" ] && { echo "$candidate"; return; }
  done
  fail "node-gyp not found (npm bundles it; or npm install -g node-gyp)"
}

# Node's own headers where Node is installed (a Debian or NodeSource package: /usr), so node-gyp
# downloads none.
find_node_headers() {
  local prefix
  prefix=$(dirname "$(dirname "$(realpath "$(command -v node)")")")
  [ -f "$prefix/include/node/node_api.h" ] || fail "no Node headers under $prefix/include/node (Debian: apt-get install libnode-dev, or a Node tarball)"
  echo "$prefix"
}

build_binding() {
  local node_gyp node_headers
  node_gyp=$(find_node_gyp)
  node_headers=$(find_node_headers)
  rm -rf "$package_dir/deps"
  mkdir -p "$package_dir/deps"
  ln -s "$(realpath --relative-to="$package_dir/deps" "$tensorflow_dir/tensorflow")" "$package_dir/deps/lib"
  ln -s lib/include "$package_dir/deps/include"
  say "compiling the $package binding against TensorFlow $TENSORFLOW_VERSION (about a minute)"
  local log="$native_dir/build-$variant.log"
  # module_path absolute: gyp would take a relative one from its build/ folder.
  if ! (cd "$package_dir" && node "$node_gyp" rebuild --nodedir="$node_headers" \
      --module_name=tfjs_binding --module_path="$PWD/lib/napi-v$NAPI_BUILD_VERSION" --napi_build_version="$NAPI_BUILD_VERSION") >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    fail "compiling the binding failed (full log: $log)"
  fi
  # The headers (290 MB) serve only this compilation; a rebuild unpacks the wheel again.
  rm -rf "$package_dir/build" "$package_dir/deps/include" "$tensorflow_dir/tensorflow/include"
}

# A finished build is also kept in the user's cache, beside pip's, and restored from there into a
# fresh clone (CI) in seconds instead of minutes: the build is relocatable, its links relative.
# DRIFTWATCH_NATIVE_CACHE= (empty) turns that off, e.g. in an image build.
cache_root=${DRIFTWATCH_NATIVE_CACHE-${XDG_CACHE_HOME:-$HOME/.cache}/driftwatch/native}
cache_dir=$cache_root/$variant-$(printf '%s' "$stamp_text" | sha256sum | cut -c1-16)
build_parts=("$tensorflow_dir" "$js_dir")

# Hard links where the cache shares the file system, else copies.
copy_tree() { cp -al "$1" "$2" 2>/dev/null || { rm -rf "$2"; cp -a "$1" "$2"; }; }

restore_from_cache() {
  [ -n "$cache_root" ] && [ -f "$cache_dir/complete" ] || return 1
  say "restoring the build from $cache_dir"
  local part
  for part in "${build_parts[@]}"; do
    rm -rf "$part"
    mkdir -p "$(dirname "$part")"
    copy_tree "$cache_dir/$(basename "$part")" "$part"
  done
}

save_to_cache() {
  [ -n "$cache_root" ] || return 0
  # Best effort: a cache that cannot be written costs the next clone a rebuild, nothing more.
  (
    set +e
    rm -rf "$cache_root/$variant"-* && mkdir -p "$cache_dir.partial" || exit
    for part in "${build_parts[@]}"; do copy_tree "$part" "$cache_dir.partial/$(basename "$part")" || exit; done
    touch "$cache_dir.partial/complete" && mv "$cache_dir.partial" "$cache_dir"
  ) || say "could not keep the build in $cache_dir (the next fresh clone compiles again)"
}

# Loads the package in a fresh process and checks which TensorFlow it runs.
check_build() {
  local version
  version=$(TF_CPP_MIN_LOG_LEVEL=2 node -e '
    const tf = require(process.argv[1]);
    tf.tensor([1, 2]).square().dataSync();
    console.log(tf.backend().binding.TF_Version);
  ' "$package" 2>"$scratch/check.log") || { cat "$scratch/check.log" >&2; return 1; }
  [ "$version" = "$TENSORFLOW_VERSION" ] || { echo "it runs TensorFlow '$version', not $TENSORFLOW_VERSION" >&2; return 1; }
}

if restore_from_cache && link_into_project && check_build; then
  echo "$stamp_text" > "$stamp"
  exit 0
fi
[ -n "$cache_root" ] && [ -f "$cache_dir/complete" ] && { say "the cached build does not load; building again"; rm -rf "$cache_dir"; }

check_prerequisites
install_tensorflow
install_package
build_binding
link_into_project
check_build || fail "the built $package does not work"
echo "$stamp_text" > "$stamp"
save_to_cache
say "done: $package runs TensorFlow $TENSORFLOW_VERSION; train on it with DRIFTWATCH_TF_BACKEND=$([ "$variant" = gpu ] && echo tensorflow-gpu || echo tensorflow)"
