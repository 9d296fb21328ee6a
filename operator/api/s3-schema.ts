// An S3-compatible bucket as a backup destination (spec.database.backup.destination.s3) and as a
// restore source (spec.database.restore.from.s3): one shape for both, so a new Storefront can
// restore another one's backups from the bucket they were written to.
//
// Requests are path-style (`<endpoint>/<bucket>/<key>`) and signed with SigV4 by curl
// (`--aws-sigv4`), which every S3-compatible server we know of accepts (AWS, MinIO, Ceph RGW,
// Garage, gofakes3 in the tests). Keys are therefore kept to characters that need no
// percent-encoding: what curl signs is then exactly what the server verifies.

import { isCanonicalCidr } from './cidr.ts';
import { arr, defaulted, int, obj, optional, required, str } from './schema.ts';

const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

const PORT = '(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})';
/**
 * `http(s)://host[:port]` with an optional trailing slash: a lowercase DNS name, an IPv4 address
 * or a bracketed IPv6 address. No path, query or user info: the bucket and key are appended to it.
 */
export const S3_ENDPOINT_PATTERN = `^https?://([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*|\\[[0-9a-fA-F:.]+\\])(:${PORT})?/?$`;

/** S3 bucket names: 3-63 of a-z 0-9 . -, starting and ending with a letter or digit. */
export const S3_BUCKET_PATTERN = '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$';
// [.] rather than an escaped dot: the pattern is also a CEL string literal, where \. is no escape.
const IPV4_LIKE = '^[0-9]+[.][0-9]+[.][0-9]+[.][0-9]+$';

/** A key prefix: empty (the bucket's root) or path segments each ending in `/`, none starting with a dot. */
export const S3_PREFIX_PATTERN = '^([A-Za-z0-9_-][A-Za-z0-9._-]*/)*$';

/** The egress of a backup pod is limited to these; a NetworkPolicy cannot select by DNS name. */
export const cidrString = (description: string) => ({
  ...str({ description, pattern: '^[0-9a-fA-F.:]+/[0-9]{1,3}$', maxLength: 64 }),
  rules: [
    {
      cel: 'isCIDR(self) && cidr(self).masked() == cidr(self)',
      message: 'must be a CIDR with no host bits set, e.g. 10.0.0.0/8 or 2001:db8::/32',
      check: (s: string) => isCanonicalCidr(s),
    },
  ],
});

const secretKey = (description: string, dflt: string) =>
  defaulted(str({ description, pattern: '^[-._a-zA-Z0-9]+$', maxLength: 253 }), dflt);

/** `what` is "backups are written to" or "the backup is read from"; it words the descriptions. */
export function s3Location(what: 'destination' | 'source') {
  const writes = what === 'destination';
  return obj(
    {
      endpoint: required(
        str({
          description:
            'The S3-compatible endpoint, http(s)://host[:port] (e.g. https://s3.eu-central-1.amazonaws.com, http://minio.storage:9000); requests are path-style, <endpoint>/<bucket>/<key>.',
          pattern: S3_ENDPOINT_PATTERN,
          patternDescription: 'an http or https URL with a host and an optional port, no path',
          maxLength: 512,
        }),
      ),
      bucket: required({
        ...str({
          description: writes
            ? 'The bucket backups are written to (it must exist).'
            : 'The bucket to read the backup from.',
          pattern: S3_BUCKET_PATTERN,
          patternDescription: 'an S3 bucket name: 3-63 of a-z, 0-9, dot and hyphen',
          maxLength: 63,
        }),
        rules: [
          {
            cel: "!self.contains('..')",
            message: 'an S3 bucket name has no two dots in a row',
            check: (s: string) => !s.includes('..'),
          },
          {
            cel: `!self.matches('${IPV4_LIKE}')`,
            message: 'an S3 bucket name is not formatted as an IP address',
            check: (s: string) => !new RegExp(IPV4_LIKE).test(s),
          },
          {
            cel: "!self.startsWith('xn--') && !self.endsWith('-s3alias')",
            message: 'an S3 bucket name does not start with xn-- or end with -s3alias (reserved)',
            check: (s: string) => !s.startsWith('xn--') && !s.endsWith('-s3alias'),
          },
        ],
      }),
      prefix: optional(
        str({
          description: writes
            ? "Key prefix of this Storefront's backups, ending in / (default: the Storefront's name and /); backups are <prefix><time>/. Several Storefronts may share a bucket under different prefixes; retention only ever deletes under this prefix."
            : "Key prefix the backups were written under (default: the name of restore.from.storefront, else this Storefront's, and /; the other Storefront's name and / to restore its backups).",
          pattern: S3_PREFIX_PATTERN,
          patternDescription:
            'path segments of A-Z a-z 0-9 . _ - each ending in /, e.g. shop/ or backups/shop/',
          maxLength: 256,
        }),
      ),
      region: defaulted(
        str({
          description:
            'The region requests are signed for (SigV4); most S3-compatible servers accept us-east-1.',
          pattern: '^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$',
          maxLength: 64,
        }),
        'us-east-1',
      ),
      credentialsSecret: required(
        obj(
          {
            name: required(
              str({
                description: "Name of a Secret in the Storefront's namespace holding the access key pair.",
                pattern: DNS_SUBDOMAIN,
                maxLength: 253,
              }),
            ),
            accessKeyIdKey: secretKey(
              'Key in that Secret whose value is the access key id.',
              'AWS_ACCESS_KEY_ID',
            ),
            secretAccessKeyKey: secretKey(
              'Key in that Secret whose value is the secret access key.',
              'AWS_SECRET_ACCESS_KEY',
            ),
          },
          {
            description:
              'The S3 credentials: they reach the container as environment variables (secretKeyRef) and curl reads them from a file only the container can read, never from its command line.',
          },
        ),
      ),
      egress: required(
        arr(
          obj(
            {
              cidr: required(
                cidrString('Addresses of the endpoint, a CIDR in canonical form, e.g. 192.0.2.10/32.'),
              ),
              ports: required(
                arr(int({ description: 'A TCP port.', minimum: 1, maximum: 65535 }), {
                  description:
                    'TCP ports of the endpoint on those addresses (443 for https, 9000 for MinIO).',
                  minItems: 1,
                  maxItems: 8,
                  listType: 'set',
                }),
              ),
            },
            { description: 'Addresses and ports the backup pod may reach.' },
          ),
          {
            description:
              "Where the endpoint lives: the backup (and restore) pod's NetworkPolicy allows egress to exactly these addresses and ports, besides Postgres and, when the endpoint is a host name, DNS. A NetworkPolicy cannot select by DNS name, so list the endpoint's addresses.",
            minItems: 1,
            maxItems: 16,
          },
        ),
      ),
    },
    {
      description: writes
        ? 'An S3-compatible bucket: each backup is written to a scratch volume, then uploaded object by object with manifest.json last (a backup without a manifest is not a backup).'
        : 'An S3-compatible bucket holding the backup (same shape as backup.destination.s3).',
    },
  );
}
