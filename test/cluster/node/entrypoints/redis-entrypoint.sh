#!/bin/sh
# Entrypoint of the local Redis image (test/cluster/node/base-images.ts), written for this
# project: like the official image, arguments starting with `-` are redis-server's.
set -eu
if [ "${1#-}" != "$1" ]; then set -- redis-server "$@"; fi
exec "$@"
