#!/usr/bin/env bash
# A Postgres major that Debian bookworm does not ship (bookworm has 15; the Storefront deploys 17 by
# default): a minimal Debian trixie root file system holding only postgresql-<major>, built once
# with mmdebstrap into the cache (outside the clone). test/app/support/postgres.ts runs its server
# from there with chroot, on a loopback port, when STOREFRONT_TEST_POSTGRES=<major>.
#   ensure-postgres-rootfs.sh 17    prints the root file system's path on its last line
set -euo pipefail
major=${1:-17}
case "$major" in 1[5-9]) ;; *) echo "ensure-postgres-rootfs: unsupported major '$major'" >&2; exit 64 ;; esac
cache=${STOREFRONT_CACHE_DIR:-$HOME/.cache/storefront}
root="$cache/postgres-$major/rootfs"
if [ ! -x "$root/usr/lib/postgresql/$major/bin/postgres" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "ensure-postgres-rootfs: run as root (mmdebstrap --mode=root, chroot)" >&2; exit 1; }
  command -v mmdebstrap >/dev/null 2>&1 || {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
  }
  tmp="$cache/postgres-$major/rootfs.tmp-$$"
  rm -rf "$tmp" && mkdir -p "$(dirname "$root")"
  echo "ensure-postgres-rootfs: building a trixie root file system with postgresql-$major in $root" >&2
  # Only the server: no docs, man pages or locales; the packaged cluster is never created or started.
  mmdebstrap --variant=minbase --mode=root --include="postgresql-$major" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --essential-hook='mkdir -p "$1/etc/postgresql-common/createcluster.d" && echo "create_main_cluster = false" > "$1/etc/postgresql-common/createcluster.d/no-main.conf"' \
    trixie "$tmp" http://deb.debian.org/debian >&2
  rm -rf "$root" && mv "$tmp" "$root"
fi
echo "$root"
