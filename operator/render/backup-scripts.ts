// The shell scripts of the backup CronJob and the restore Job, in the ConfigMap
// <name>-backup-scripts. backup.sh and restore.sh run in Postgres' own image (it has pg_dump,
// pg_restore, psql and coreutils' sha256sum, and no curl); transfer.sh, the bucket's side with
// destination s3, runs in the shop image (spec.app.image, which carries curl). Credentials come
// from the environment (PGPASSWORD from the generated Secret to the Postgres containers, the
// bucket's key pair to the transfer containers only), never from arguments, and no script prints
// them.
//
// Layout of the backups volume (the contract `storefront backup list` and restores read):
//   <UTC start time, e.g. 20261201T031500Z>/
//     <database>.dump   pg_dump -Fc of each database (all but templates and `postgres`)
//     SHA256SUMS        `sha256sum` of every dump (restore checks it with `sha256sum -c`)
//     manifest.json     {"name","time","storefront","postgresVersion","appVersion","appImage",
//                        "size","databases":[{"name","file","size","sha256"}]}
//   .partial-<time>/    a backup being written; renamed to <time>/ only once complete
// A directory without manifest.json is not a backup.
//
// With destination s3 (S3_ENDPOINT set) one pod runs three containers in turn over a scratch
// emptyDir (BACKUP_ROOT): `transfer.sh check` (the bucket answers, before any dump), backup.sh
// (the same layout into the scratch volume, no retention) and `transfer.sh upload`, which sends
// it to <bucket>/<prefix><time>/ object by object, manifest.json LAST: in the bucket too, a
// <time>/ without manifest.json is not a backup (nothing is restored from it, listings show it
// partial, retention removes it after a day). It then applies retention to the bucket. A restore
// runs `transfer.sh download` (the backup into the scratch volume), then restore.sh, which goes
// on as from a backups volume.

import { S3_FUNCTIONS } from './backup-s3-script.ts';

/**
 * expired: of the backup names on stdin, newest first, those retention deletes, one a line —
 * all but the newest KEEP_COUNT and, of those, the ones older than MAX_AGE_SECONDS, but never
 * the newest.
 */
const RETENTION_FUNCTION = `
expired() {
  cutoff=0
  if [ "$MAX_AGE_SECONDS" -gt 0 ]; then
    cutoff=$(date -u -d "@$(( $(date -u +%s) - MAX_AGE_SECONDS ))" +%Y%m%d%H%M%S)
  fi
  i=0
  while read -r b; do
    [ -n "$b" ] || continue
    i=$((i + 1))
    stamp=$(echo "$b" | tr -dc 0-9)
    if [ "$i" -gt "$KEEP_COUNT" ] || { [ "$i" -gt 1 ] && [ "$stamp" -lt "$cutoff" ]; }; then echo "$b"; fi
  done
}
`;

/** The bucket as the scripts name it in messages (S3_* are plain settings, no secret). */
const S3_WHERE = `s3where="s3://$S3_BUCKET/$S3_PREFIX at $S3_ENDPOINT"`;

/**
 * Backups: dump, checksum, manifest, atomic rename, then retention (count, then maxAge). With s3
 * it stops after the rename: `transfer.sh upload` sends the backup and applies retention.
 */
export const BACKUP_SCRIPT = String.raw`#!/bin/sh
set -eu
umask 027
root=$BACKUP_ROOT
s3=$(printenv S3_ENDPOINT || true)
# The kubelet's termination-log file carries the reason into the pod status (outside a pod: none).
fail() { echo "backup failed: $*" >&2; if [ -w /dev/termination-log ]; then echo "backup failed: $*" > /dev/termination-log; fi; exit 1; }
${RETENTION_FUNCTION}
n=0
until pg_isready -q; do
  n=$((n + 1)); [ "$n" -lt 60 ] || fail "Postgres $PGHOST:$PGPORT is not ready after 120 s"
  sleep 2
done
name=$(date -u +%Y%m%dT%H%M%SZ)
[ ! -e "$root/$name" ] || fail "backup $name exists already on the backups volume"
work="$root/.partial-$name"
mkdir -p "$work" || fail "cannot write to the backups volume ($root)"
# Partial backups of runs that died (killed, volume full) more than a day ago.
find "$root" -mindepth 1 -maxdepth 1 -name '.partial-*' -mmin +1440 -exec rm -rf {} + 2>/dev/null || true
# Not in a pipe: a refused login fails here, with psql's reason in the log.
version=$(psql -XAtqc 'SHOW server_version') || fail "cannot query Postgres"
version=$(echo "$version" | tr -d '"\\')
dbs=$(psql -XAtqc "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate AND datname <> 'postgres' ORDER BY datname") || fail "cannot list databases"
entries=""
total=0
for db in $dbs; do
  # pg_dump's own error ("No space left on device") goes into the failure message too: it is what
  # the BackupReady condition shows. Kept in /tmp (the pod's emptyDir): the volume may be full.
  err=$(mktemp)
  pg_dump -Fc -d "$db" -f "$work/$db.dump" 2>"$err" || fail "pg_dump of database $db failed: $(tail -c 400 "$err" | tr '\n' ' ')"
  cat "$err" >&2
  rm -f "$err"
  size=$(stat -c %s "$work/$db.dump")
  sum=$(sha256sum "$work/$db.dump" | cut -d' ' -f1)
  (cd "$work" && sha256sum "$db.dump") >> "$work/SHA256SUMS" || fail "cannot write SHA256SUMS"
  total=$((total + size))
  [ -z "$entries" ] || entries="$entries,"
  entries="$entries{\"name\":\"$db\",\"file\":\"$db.dump\",\"size\":$size,\"sha256\":\"$sum\"}"
done
[ -n "$entries" ] || fail "no database to back up"
time=$(echo "$name" | sed 's/^\(....\)\(..\)\(..\)T\(..\)\(..\)\(..\)Z$/\1-\2-\3T\4:\5:\6Z/')
printf '{"name":"%s","time":"%s","storefront":"%s","postgresVersion":"%s","appVersion":"%s","appImage":"%s","size":%s,"databases":[%s]}\n' \
  "$name" "$time" "$STOREFRONT" "$version" "$APP_VERSION" "$APP_IMAGE" "$total" "$entries" > "$work/manifest.json" \
  || fail "cannot write manifest.json"
sync "$work"/* 2>/dev/null || true
mv "$work" "$root/$name" || fail "cannot rename $work to $root/$name"
if [ -n "$s3" ]; then
  # The upload container (transfer.sh upload, the shop image) sends it on and applies retention.
  ${S3_WHERE}
  echo "backup $name dumped into the scratch volume: $total bytes, databases: $(echo $dbs); uploading to $s3where next"
  exit 0
fi
done_line="backup $name complete: $total bytes, databases: $(echo $dbs)"
echo "$done_line"
# The pod's termination message: what "storefront backup create" prints.
if [ -w /dev/termination-log ]; then echo "$done_line" > /dev/termination-log; fi
# Retention: keep the newest KEEP_COUNT; of those, drop the ones older than MAX_AGE_SECONDS, but
# never the newest.
for b in $(ls -1 "$root" | grep -E '^[0-9]{8}T[0-9]{6}Z$' | sort -r | expired); do
  rm -rf "$root/$b" && echo "retention: deleted backup $b"
done
`;

/**
 * Restore: find the backup, verify every checksum, refuse a database that already holds tables,
 * then pg_restore each database in one transaction (a failure rolls it back: nothing
 * half-restored). Marks the database with a comment, so that a re-run of the Job (its pod
 * deleted, the Job re-created) knows it is done instead of refusing a now non-empty database.
 */
export const RESTORE_SCRIPT = String.raw`#!/bin/sh
set -eu
root=$BACKUP_ROOT
name=$RESTORE_BACKUP
s3=$(printenv S3_ENDPOINT || true)
fail() { echo "restore failed: $*" >&2; if [ -w /dev/termination-log ]; then echo "restore failed: $*" > /dev/termination-log; fi; exit 1; }
if [ -n "$s3" ]; then
  # The download container (transfer.sh download, the shop image) put the backup into the
  # scratch volume; it is checked and restored as from a backups volume.
  ${S3_WHERE}
  where="in $s3where"
  from="from $s3where"
else
  where="on PersistentVolumeClaim $RESTORE_CLAIM"
  from="from PersistentVolumeClaim $RESTORE_CLAIM"
fi
if [ "$name" = latest ]; then
  name=$(ls -1 "$root" 2>/dev/null | grep -E '^[0-9]{8}T[0-9]{6}Z$' | sort | tail -n 1 || true)
  [ -n "$name" ] || fail "no backup $where to restore (latest); nothing was restored"
fi
dir="$root/$name"
[ -f "$dir/manifest.json" ] || fail "backup $name not found $where (no $name/manifest.json); nothing was restored"
[ -s "$dir/SHA256SUMS" ] || fail "backup $name $where has no SHA256SUMS; nothing was restored"
sums=$(cd "$dir" && sha256sum --quiet -c SHA256SUMS 2>&1) || fail "backup $name $where is corrupt (checksum mismatch, sha256sum -c SHA256SUMS: $(echo "$sums" | tr '\n' ' ' | tail -c 300)); nothing was restored"
n=0
until pg_isready -q; do
  n=$((n + 1)); [ "$n" -lt 150 ] || fail "Postgres $PGHOST:$PGPORT is not ready after 300 s; nothing was restored"
  sleep 2
done
marker="storefront-restore $name"
done_marker=$(psql -XAtqc "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = current_database()")
if [ "$done_marker" = "$marker" ]; then echo "backup $name was restored already"; exit 0; fi
files=$(sed 's/^[0-9a-f]*  //' "$dir/SHA256SUMS")
for f in $files; do
  db=$(basename "$f" .dump)
  exists=$(psql -XAtqc "SELECT 1 FROM pg_database WHERE datname = '$db'")
  [ "$exists" = 1 ] || continue
  tables=$(psql -d "$db" -XAtqc "SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname NOT IN ('pg_catalog', 'information_schema') AND s.nspname NOT LIKE 'pg_toast%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')")
  [ "$tables" = 0 ] || fail "database $db already holds $tables tables: a backup is only restored into an empty database (a new Storefront); nothing was restored"
done
for f in $files; do
  db=$(basename "$f" .dump)
  exists=$(psql -XAtqc "SELECT 1 FROM pg_database WHERE datname = '$db'")
  [ "$exists" = 1 ] || createdb "$db" || fail "cannot create database $db"
  pg_restore --single-transaction --exit-on-error --no-owner --no-privileges -d "$db" "$dir/$f" \
    || fail "pg_restore of database $db from backup $name failed and was rolled back (see the log above)"
  echo "restored database $db from backup $name"
done
psql -Xqc "COMMENT ON DATABASE \"$PGDATABASE\" IS '$marker'" || fail "cannot mark database $PGDATABASE as restored"
echo "restore of backup $name $from complete"
`;

/**
 * transfer.sh MODE, the bucket's side of destination s3 and restore.from.s3, in the shop image
 * (curl; no Postgres client, no database password — only the bucket's key pair):
 *   check     before the dump: the bucket answers a listing of the prefix (reachable, exists,
 *             the keys may list), so a bad endpoint or key pair fails before an hour of pg_dump;
 *   upload    after backup.sh: the one backup in the scratch volume to <prefix><time>/, object by
 *             object, manifest.json last; then retention over the bucket and the removal of
 *             uploads that died (no manifest.json) more than a day ago;
 *   download  before restore.sh: the backup RESTORE_BACKUP (`latest`: the newest complete one)
 *             into the scratch volume, manifest.json and SHA256SUMS first, then the files
 *             SHA256SUMS names (restore.sh checks them).
 * Failures read "backup failed: …" (check, upload) or "restore failed: …" (download), in the
 * termination message like backup.sh's and restore.sh's.
 */
export const TRANSFER_SCRIPT = String.raw`#!/bin/sh
set -eu
umask 027
root=$BACKUP_ROOT
mode="$*"
case "$mode" in
  check | upload) what=backup ;;
  download) what=restore ;;
  *) echo "usage: transfer.sh check|upload|download" >&2; exit 2 ;;
esac
fail() { echo "$what failed: $*" >&2; if [ -w /dev/termination-log ]; then echo "$what failed: $*" > /dev/termination-log; fi; exit 1; }
${S3_FUNCTIONS}
${RETENTION_FUNCTION}
s3_setup
case "$mode" in
check)
  s3_check || fail "cannot list $s3where: $(s3_why "$s3tmp/list")"
  echo "$s3where answers; dumping next"
  ;;
upload)
  name=$(ls -1 "$root" | grep -E '^[0-9]{8}T[0-9]{6}Z$' || true)
  [ -n "$name" ] || fail "no backup in the scratch volume ($root) to upload to $s3where"
  [ "$(echo "$name" | wc -l)" = 1 ] || fail "more than one backup in the scratch volume ($root): $(echo $name)"
  [ -f "$root/$name/manifest.json" ] && [ -f "$root/$name/SHA256SUMS" ] || fail "backup $name in the scratch volume has no manifest.json or SHA256SUMS"
  for f in $(ls -1 "$root/$name" | grep -v '^manifest.json$') manifest.json; do
    s3_put "$root/$name/$f" "$S3_PREFIX$name/$f" || fail "upload of $name/$f to $s3where failed: $(s3_why "$s3tmp/put")"
  done
  total=$(sed -n 's/.*"appImage":"[^"]*","size":\([0-9]*\).*/\1/p' "$root/$name/manifest.json" | head -n 1)
  dbs=$(sed 's/^[0-9a-f]*  //; s/\.dump$//' "$root/$name/SHA256SUMS")
  rm -rf "$root/$name"
  done_line="backup $name complete to $s3where: $total bytes, databases: $(echo $dbs)"
  echo "$done_line"
  # The pod's termination message: what "storefront backup create" prints.
  if [ -w /dev/termination-log ]; then echo "$done_line" > /dev/termination-log; fi
  s3_keys || fail "backup $name is complete, but listing $s3where for retention failed: $(s3_why "$s3tmp/list")"
  for b in $(s3_backups | sort -r | expired); do
    s3_delete_backup "$b" || fail "backup $name is complete, but retention could not delete backup $b from $s3where: $(s3_why "$s3tmp/delete")"
    echo "retention: deleted backup $b"
  done
  # Uploads of runs that died (no manifest.json) more than a day ago, as .partial-* on a volume.
  day=$(date -u -d "@$(( $(date -u +%s) - 86400 ))" +%Y%m%d%H%M%S)
  for b in $(sed -n "s:^$S3_PREFIX\([0-9]\{8\}T[0-9]\{6\}Z\)/.*:\1:p" "$s3tmp/keys" | sort -u); do
    grep -qx "$S3_PREFIX$b/manifest.json" "$s3tmp/keys" && continue
    [ "$(echo "$b" | tr -dc 0-9)" -lt "$day" ] || continue
    for k in $(grep "^$S3_PREFIX$b/" "$s3tmp/keys"); do s3_delete "$k" || true; done
    echo "retention: deleted the partial upload $b"
  done
  ;;
download)
  name=$RESTORE_BACKUP
  where="in $s3where"
  s3_keys || fail "cannot list $s3where: $(s3_why "$s3tmp/list"); nothing was restored"
  if [ "$name" = latest ]; then
    name=$(s3_backups | tail -n 1)
    [ -n "$name" ] || fail "no backup $where to restore (latest); nothing was restored"
  fi
  grep -qx "$S3_PREFIX$name/manifest.json" "$s3tmp/keys" || fail "backup $name not found $where (no $name/manifest.json); nothing was restored"
  mkdir -p "$root/$name" || fail "cannot write to the scratch volume ($root)"
  for f in manifest.json SHA256SUMS; do
    s3_get "$S3_PREFIX$name/$f" "$root/$name/$f" || fail "download of $name/$f $where failed: $(s3_why "$root/$name/$f"); nothing was restored"
  done
  for f in $(sed 's/^[0-9a-f]*  //' "$root/$name/SHA256SUMS"); do
    case "$f" in */* | .*) fail "backup $name $where lists a file $f outside its directory in SHA256SUMS; nothing was restored" ;; esac
    s3_get "$S3_PREFIX$name/$f" "$root/$name/$f" || fail "download of $name/$f $where failed: $(s3_why "$root/$name/$f"); nothing was restored"
  done
  echo "downloaded backup $name from $s3where into the scratch volume; restoring next"
  ;;
esac
`;

/** The termination message's size limit (the kubelet keeps 4096 bytes of it). */
export const TERMINATION_MESSAGE_BYTES = 4096;

/**
 * Listing (`storefront backup list`): one JSON line per backup, newest first, read from the
 * manifests on the volume (mounted read-only), to stdout and to the pod's termination message,
 * where the CLI reads it (no log access needed). The termination message holds 4 KiB: when the
 * lines do not all fit, the newest that do are kept and the last line counts the rest. The last
 * line always carries `total`, so a message cut short or empty is never mistaken for a listing.
 * Status `complete`: <time>/ with manifest.json; `partial`: .partial-<time>/ (being written, or
 * a run that died) or a <time>/ without manifest.json (not restorable). With s3 the listing is
 * the bucket's (ListObjectsV2 under the prefix, each manifest.json downloaded); a partial
 * upload's size is given as 0.
 */
export const LIST_SCRIPT = String.raw`#!/bin/sh
set -eu
root=$BACKUP_ROOT
# Tests point TERMINATION_LOG at a file; in a pod it is the kubelet's.
log=$(printenv TERMINATION_LOG || echo /dev/termination-log)
fail() { echo "backup list failed: $*" >&2; if [ -w "$log" ]; then echo "backup list failed: $*" > "$log"; fi; exit 1; }
s3=$(printenv S3_ENDPOINT || true)
${S3_FUNCTIONS}
if [ -n "$s3" ]; then
  # The bucket as a volume would look: <time>/ per backup, with its manifest.json when complete.
  s3_setup
  s3_keys || fail "cannot list $s3where: $(s3_why "$s3tmp/list")"
  root="$s3tmp/backups"
  mkdir -p "$root"
  for b in $(sed -n "s:^$S3_PREFIX\([0-9]\{8\}T[0-9]\{6\}Z\)/.*:\1:p" "$s3tmp/keys" | sort -u); do
    mkdir "$root/$b"
    grep -qx "$S3_PREFIX$b/manifest.json" "$s3tmp/keys" || continue
    s3_get "$S3_PREFIX$b/manifest.json" "$root/$b/manifest.json" || fail "cannot read $b/manifest.json from $s3where: $(s3_why "$root/$b/manifest.json")"
  done
fi
[ -d "$root" ] && [ -r "$root" ] && [ -x "$root" ] || fail "cannot read the backups volume ($root)"
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$2" | head -n 1; }
msg=""
total=0
more=0
entries=$(ls -1A "$root" | sed -n 's/^\(\.partial-\)\{0,1\}\([0-9]\{8\}T[0-9]\{6\}Z\)$/\2:&/p' | sort -r) || fail "cannot list the backups volume ($root)"
for entry in $entries; do
  name=$(echo "$entry" | cut -d: -f1)
  file=$(echo "$entry" | cut -d: -f2)
  dir="$root/$file"
  if [ "$file" = "$name" ] && [ -f "$dir/manifest.json" ]; then
    m="$dir/manifest.json"
    size=$(sed -n 's/.*"appImage":"[^"]*","size":\([0-9]*\).*/\1/p' "$m" | head -n 1)
    pgv=$(field postgresVersion "$m" | cut -d' ' -f1)
    app=$(field appVersion "$m")
    [ -n "$size" ] || size=0
    line=$(printf '{"name":"%s","status":"complete","size":%s,"postgresVersion":"%s","appVersion":"%s"}' "$name" "$size" "$pgv" "$app")
  else
    # In a bucket a partial upload's size is not summed up: 0.
    size=0
    [ -n "$s3" ] || size=$(du -sb "$dir" 2>/dev/null | cut -f1 || true)
    [ -n "$size" ] || size=0
    line=$(printf '{"name":"%s","status":"partial","size":%s}' "$name" "$size")
  fi
  echo "$line"
  total=$((total + 1))
  # Room for this line and the closing one; once one does not fit, the older ones are counted.
  if [ "$more" = 0 ] && [ $(printf '%s%s' "$msg" "$line" | wc -c) -lt $((TERMINATION_BYTES - 64)) ]; then
    msg="$msg$line
"
  else
    more=$((more + 1))
  fi
done
end=$(printf '{"total":%s,"more":%s}' "$total" "$more")
echo "$end"
if [ -w "$log" ]; then printf '%s%s\n' "$msg" "$end" > "$log"; fi
`.replace('TERMINATION_BYTES', String(TERMINATION_MESSAGE_BYTES));
