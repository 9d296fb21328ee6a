#!/usr/bin/env bash
# Installs the Debian packages a task needs when they are missing; safe to run again.
#   ensure-system-deps.sh cluster   unzip (Gateway API CRDs from their module zip); the control plane is built with Go
#   ensure-system-deps.sh app       postgresql, redis-server, chromium (the shop's tests and bench)
#   ensure-system-deps.sh node      the real node: container runtime, CNI plugins, image tools,
#                                   netfilter tools, socat (relays), nginx (the front-door stand-in)
#   ensure-system-deps.sh shells    zsh and fish (the CLI's completion scripts are loaded in them)
#   ensure-system-deps.sh all       everything the test suite needs
set -euo pipefail
what=${1:-all}
need=()
want_app() {
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
}
want_node() {
  # command -> package; dpkg is the judge for packages without a command of their own.
  local pairs=(runc:runc containerd:containerd podman:podman buildah:buildah mmdebstrap:mmdebstrap
    umoci:umoci skopeo:skopeo iptables:iptables ipset:ipset nft:nftables conntrack:conntrack
    catatonit:catatonit socat:socat nsenter:util-linux ip:iproute2)
  for pair in "${pairs[@]}"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
  done
  [ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
  dpkg -s nginx-light >/dev/null 2>&1 || need+=(nginx-light)
}
want_shells() {
  command -v zsh >/dev/null 2>&1 || need+=(zsh)
  command -v fish >/dev/null 2>&1 || need+=(fish)
}
case "$what" in
  cluster) command -v unzip >/dev/null 2>&1 || need+=(unzip) ;;
  app) want_app ;;
  node) want_node ;;
  shells) want_shells ;;
  all) command -v unzip >/dev/null 2>&1 || need+=(unzip); want_app; want_node; want_shells ;;
  *) echo "ensure-system-deps: unknown target '$what' (cluster|app|node|shells|all)" >&2; exit 64 ;;
esac
command -v go >/dev/null 2>&1 || { echo "ensure-system-deps: Go is required to build the local control plane (install Go >= 1.25 and put it on PATH)" >&2; exit 1; }
if [ ${#need[@]} -gt 0 ]; then
  echo "ensure-system-deps: installing ${need[*]} from Debian" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  # The packaged services must not start on the machine: tests run private instances (and a
  # started nginx or containerd would listen on the host). policy-rc.d answers "not now" to them.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo_cmd tee "$policy" >/dev/null
    $sudo_cmd chmod 755 "$policy"
    trap '$sudo_cmd rm -f "$policy"' EXIT
  fi
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
