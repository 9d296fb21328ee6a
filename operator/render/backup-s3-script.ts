// Shell functions transfer.sh (render/backup-scripts.ts) and the list script use when backups
// live in an S3-compatible bucket (destination.s3, restore.from.s3): curl with --aws-sigv4,
// path-style URLs (<endpoint>/<bucket>/<key>). They run in the shop image (spec.app.image, built
// from app/Dockerfile, which carries curl), never in Postgres' image: the official postgres image
// has no curl, so the pods split the work (render/backup.ts) — pg_dump and pg_restore in the
// Postgres image, the bucket's side in the shop image, over a shared scratch volume. Settings come
// from the environment: S3_ENDPOINT, S3_BUCKET, S3_PREFIX, S3_REGION and the key pair
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (secretKeyRef, given to the shop-image containers only).
//
// The key pair never appears on a command line (curl's --user would be in /proc/<pid>/cmdline,
// readable by every process of the pod): printf, a shell builtin, writes it into a curl config
// file made with umask 077 in the pod's private /tmp, and curl reads it with -K.
//
// Every request sends x-amz-content-sha256 (signed): the body's SHA-256 for uploads, so the
// server refuses a body that changed on the way; that of the empty body otherwise. Keys and
// prefixes are of [A-Za-z0-9._/-] (the schema allows no other), so URLs need no escaping
// beyond the query values s3_enc encodes; the query parameters are written in sorted order, as
// SigV4's canonical query string has them.

export const S3_FUNCTIONS = String.raw`
EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
s3_setup() {
  command -v curl >/dev/null 2>&1 || fail "destination s3 needs curl in the shop image (spec.app.image), which has none (app/Dockerfile installs it; see the README's backups section)"
  s3base="$(echo "$S3_ENDPOINT" | sed 's:/*$::')/$S3_BUCKET"
  s3where="s3://$S3_BUCKET/$S3_PREFIX at $S3_ENDPOINT"
  s3tmp=$(mktemp -d)
  (
    umask 077
    printf 'user = "%s:%s"\n' "$(printf '%s' "$AWS_ACCESS_KEY_ID" | sed 's/[\\"]/\\&/g')" \
      "$(printf '%s' "$AWS_SECRET_ACCESS_KEY" | sed 's/[\\"]/\\&/g')" > "$s3tmp/curlrc"
  )
}
# s3 METHOD PATH-OR-QUERY OUT [curl options]: one signed request, the response body in OUT;
# succeeds on a 2xx status (in s3code; 000 when no response came). A refused connection is retried
# too (5 times, 1+2+4+8+16 s apart): a network plugin may not have applied a new pod's
# NetworkPolicy yet in its first seconds, and one that rejects meanwhile refuses the connection.
s3() {
  s3m=$1; s3p=$2; s3o=$3; shift 3
  s3code=$(curl -sS -K "$s3tmp/curlrc" --aws-sigv4 "aws:amz:$S3_REGION:s3" --connect-timeout 10 \
    --retry 5 --retry-connrefused -X "$s3m" -o "$s3o" -w '%{http_code}' "$@" "$s3base$s3p" 2>"$s3tmp/err") || true
  case "$s3code" in 2??) return 0 ;; esac
  return 1
}
# Why the last request failed: curl's own error, or the status and the S3 error's code and message.
s3_why() {
  if [ -z "$s3code" ] || [ "$s3code" = 000 ]; then
    # The last attempt's error (with retries curl prints one per attempt).
    echo "$(grep . "$s3tmp/err" | tail -n 1 | tail -c 300)"
    return
  fi
  c=$(sed -n 's:.*<Code>\([^<]*\)</Code>.*:\1:p' "$1" 2>/dev/null | head -n 1)
  m=$(sed -n 's:.*<Message>\([^<]*\)</Message>.*:\1:p' "$1" 2>/dev/null | head -n 1)
  echo "HTTP $s3code $c: $m" | sed 's/: $//'
}
# Percent-encodes a query value (prefixes and continuation tokens: / + = and % need it here).
s3_enc() { printf '%s' "$1" | sed 's/%/%25/g; s/+/%2B/g; s:/:%2F:g; s/=/%3D/g'; }
# Fails unless the bucket answers a listing of the prefix (reachable, exists, the keys may list).
s3_check() {
  s3 GET "?list-type=2&max-keys=1&prefix=$(s3_enc "$S3_PREFIX")" "$s3tmp/list" -H "x-amz-content-sha256: $EMPTY_SHA256"
}
# Every key under S3_PREFIX into $s3tmp/keys, one a line, page after page (ListObjectsV2,
# S3_PAGE_KEYS a page: 1000 unless set) following NextContinuationToken.
s3_keys() {
  : > "$s3tmp/keys"
  token=""
  page=$(printenv S3_PAGE_KEYS || echo 1000)
  while :; do
    q="list-type=2&max-keys=$page&prefix=$(s3_enc "$S3_PREFIX")"
    [ -z "$token" ] || q="continuation-token=$(s3_enc "$token")&$q"
    s3 GET "?$q" "$s3tmp/list" -H "x-amz-content-sha256: $EMPTY_SHA256" || return 1
    { grep -o '<Key>[^<]*</Key>' "$s3tmp/list" || true; } | sed 's:</*Key>::g' >> "$s3tmp/keys"
    grep -q '<IsTruncated>true</IsTruncated>' "$s3tmp/list" || return 0
    token=$(grep -o '<NextContinuationToken>[^<]*</NextContinuationToken>' "$s3tmp/list" | sed 's:</*NextContinuationToken>::g; s/&amp;/\&/g')
    [ -n "$token" ] || { s3code=truncated; echo "listing truncated without a continuation token" > "$s3tmp/err"; return 1; }
  done
}
# Complete backups (those with a manifest.json) in $s3tmp/keys, oldest first.
s3_backups() {
  sed -n "s:^$S3_PREFIX\([0-9]\{8\}T[0-9]\{6\}Z\)/manifest.json$:\1:p" "$s3tmp/keys" | sort
}
s3_put() { # s3_put FILE KEY
  s3 PUT "/$2" "$s3tmp/put" -T "$1" -H "x-amz-content-sha256: $(sha256sum "$1" | cut -d' ' -f1)"
}
s3_get() { # s3_get KEY FILE
  s3 GET "/$1" "$2" -H "x-amz-content-sha256: $EMPTY_SHA256"
}
s3_delete() { # s3_delete KEY
  s3 DELETE "/$1" "$s3tmp/delete" -H "x-amz-content-sha256: $EMPTY_SHA256"
}
# Deletes one backup's objects, manifest.json first: from then on it is no longer a backup, and a
# deletion cut short leaves objects that retention removes later, never a half backup.
s3_delete_backup() {
  s3_delete "$S3_PREFIX$1/manifest.json" || return 1
  for k in $(grep "^$S3_PREFIX$1/" "$s3tmp/keys"); do
    [ "$k" = "$S3_PREFIX$1/manifest.json" ] || s3_delete "$k" || return 1
  done
}
`;
