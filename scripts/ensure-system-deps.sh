#!/usr/bin/env bash
# Installs the Debian packages a task needs when they are missing; safe to run again.
#   ensure-system-deps.sh cluster   nothing from Debian (the control plane is built with Go)
#   ensure-system-deps.sh app       postgresql, redis-server, chromium (the shop's tests and bench)
#   ensure-system-deps.sh all       everything the test suite needs
set -euo pipefail
what=${1:-all}
need=()
want_app() {
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
}
case "$what" in
  cluster) ;;
  app | all) want_app ;;
  *) echo "ensure-system-deps: unknown target '$what' (cluster|app|all)" >&2; exit 64 ;;
esac
command -v go >/dev/null 2>&1 || { echo "ensure-system-deps: Go is required to build the local control plane (install Go >= 1.25 and put it on PATH)" >&2; exit 1; }
if [ ${#need[@]} -gt 0 ]; then
  echo "ensure-system-deps: installing ${need[*]} from Debian" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  # The packaged services must not start on the machine: tests run private instances.
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
